import { z } from 'zod';
import type { FeeSchedule } from './fees.js';
import type { PriceMicros, SharesMicros } from './units.js';
import { MicrosWire } from './wire.js';

/** One outcome token of a binary market (Polymarket: a CTF ERC-1155 position id). */
export const OutcomeToken = z.object({
  tokenId: z.string().min(1),
  outcome: z.string().min(1),
});
export type OutcomeToken = z.infer<typeof OutcomeToken>;

export const MarketCategory = z.enum(['macro', 'elections', 'corporate', 'weather', 'sports', 'crypto', 'other']);
export type MarketCategory = z.infer<typeof MarketCategory>;

/** A binary market: one condition, two outcome tokens (YES first). */
export const MarketInfo = z.object({
  marketId: z.string().min(1).describe('Polymarket condition id'),
  question: z.string(),
  slug: z.string().default(''),
  category: MarketCategory.default('other'),
  eventId: z.string().default(''),
  endDateMs: z.number().int().nonnegative(),
  tickSizeMicros: MicrosWire.default(10_000n),
  minOrderSizeMicros: MicrosWire.default(5_000_000n),
  negRisk: z.boolean().default(false),
  fee: z
    .object({ rateMicros: MicrosWire, exponent: z.number().int().positive(), takerOnly: z.boolean() })
    .default({ rateMicros: 0n, exponent: 1, takerOnly: true }),
  tokens: z.array(OutcomeToken).length(2),
});
export type MarketInfo = z.output<typeof MarketInfo>;
export type MarketInfoWire = z.input<typeof MarketInfo>;

export function marketFee(market: MarketInfo): FeeSchedule {
  return market.fee;
}

/** One price level. Books are kept best-first on both sides (Polymarket's wire order is the reverse). */
export interface BookLevel {
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
}

export interface Book {
  readonly tokenId: string;
  readonly bids: readonly BookLevel[]; // descending price
  readonly asks: readonly BookLevel[]; // ascending price
}

export function bestBid(book: Book): PriceMicros | undefined {
  return book.bids[0]?.priceMicros;
}
export function bestAsk(book: Book): PriceMicros | undefined {
  return book.asks[0]?.priceMicros;
}
/** Mid price, or undefined when either side is empty. Rounded down to a whole micro. */
export function midMicros(book: Book): PriceMicros | undefined {
  const b = bestBid(book);
  const a = bestAsk(book);
  if (b === undefined || a === undefined) return undefined;
  return (a + b) / 2n;
}
/** Sum of size on one side, optionally only within `depthLevels` levels. */
export function sideDepth(levels: readonly BookLevel[], depthLevels = Infinity): SharesMicros {
  let total = 0n;
  levels.slice(0, depthLevels).forEach((l) => (total += l.sizeMicros));
  return total;
}
