import { z } from 'zod';
import { bestBid, midMicros, notionalMicros, type Book, type MarketEvent, type MarketInfo } from '@floor/domain';
import { bookFor, outcomeTokenIds } from './entries.js';
import type { IntentDraft, PortfolioView, StrategyContext } from './strategy.js';

const BPS = 10_000n;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * Exit rules every strategy can use. Spread `ExitParams.shape` into a strategy's params object; give a
 * rule the strategy's own default with `ruleWithDefault`.
 * An absent rule is off. Settlement at resolution is the executor's job, not a strategy's.
 */
export const ExitParams = z.object({
  takeProfitBps: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe('sell when the position, valued at the best bid, is up this many basis points of its cost; absent = off'),
  stopLossBps: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .optional()
    .describe('sell when the position, valued at the mid, is down this many basis points of its cost; absent = off'),
  maxHoldMs: z
    .number()
    .int()
    .min(MINUTE_MS)
    .max(90 * DAY_MS)
    .optional()
    .describe('sell a position this many milliseconds after it was opened; absent = off'),
  exitBeforeResolutionMs: z
    .number()
    .int()
    .min(0)
    .max(30 * DAY_MS)
    .default(HOUR_MS)
    .describe('sell this many milliseconds before the market end date, and open nothing new inside it; 0 = hold to resolution'),
});
export type ExitRules = z.output<typeof ExitParams>;

/**
 * An exit rule with a strategy's own default, e.g. `stopLossBps: ruleWithDefault(ExitParams.shape.stopLossBps, 1_500)`.
 * (zod's `.default()` wraps the field and drops its description; this carries it over.)
 */
export function ruleWithDefault(rule: z.ZodOptional<z.ZodNumber>, value: number): z.ZodDefault<z.ZodOptional<z.ZodNumber>> {
  return rule.default(value).describe(rule.description ?? '');
}

export type ExitReason = 'take_profit' | 'stop_loss' | 'max_hold' | 'pre_resolution';

export type HeldPosition = NonNullable<ReturnType<PortfolioView['position']>>;

export interface ExitInput {
  readonly position: HeldPosition;
  readonly book: Book;
  readonly nowMs: number;
  readonly endDateMs: number;
  readonly rules: ExitRules;
}

/**
 * Which rule, if any, says to close the position now. Time rules come first (they do not depend on a
 * possibly thin book), then the price rules.
 *
 * Take-profit values the position at the best bid, so a profit is only taken when the bid would realise it.
 * Stop-loss values it at the mid, so a bid pulled for a moment (or a wide spread right after entry) does not
 * shake us out; the sale itself still happens at the bid. All comparisons are exact integer cross-products.
 */
export function exitReason({ position, book, nowMs, endDateMs, rules }: ExitInput): ExitReason | undefined {
  if (position.sizeMicros <= 0n) return undefined;
  if (rules.exitBeforeResolutionMs > 0 && nowMs >= endDateMs - rules.exitBeforeResolutionMs) return 'pre_resolution';
  if (rules.maxHoldMs !== undefined && nowMs - position.openedAtMs >= rules.maxHoldMs) return 'max_hold';

  const costMicros = position.costMicros;
  if (costMicros <= 0n) return undefined; // no cost basis, no percentage
  const midPrice = midMicros(book);
  if (rules.stopLossBps !== undefined && midPrice !== undefined) {
    const markMicros = notionalMicros(midPrice, position.sizeMicros, 'floor');
    if (markMicros * BPS <= costMicros * (BPS - BigInt(rules.stopLossBps))) return 'stop_loss';
  }
  const bidPrice = bestBid(book);
  if (rules.takeProfitBps !== undefined && bidPrice !== undefined) {
    const proceedsMicros = notionalMicros(bidPrice, position.sizeMicros, 'floor');
    if (proceedsMicros * BPS >= costMicros * (BPS + BigInt(rules.takeProfitBps))) return 'take_profit';
  }
  return undefined;
}

/** A FAK SELL of the whole position at the best bid. Undefined when nobody bids. */
export function sellAllAtBid(marketId: string, book: Book, position: HeldPosition, reason: string): IntentDraft | undefined {
  const bidPrice = bestBid(book);
  if (bidPrice === undefined || position.sizeMicros <= 0n) return undefined;
  return {
    marketId,
    tokenId: book.tokenId,
    side: 'SELL',
    limitPriceMicros: bidPrice,
    sizeMicros: position.sizeMicros,
    orderType: 'FAK',
    reason,
  };
}

/**
 * The position in `tokenId` if a strategy may send an exit for it now: it exists, no intent is in flight for the
 * token (the previous exit may still be working), and it is not below the market's minimum order size (the venue
 * would refuse that sale on every book update; the executor settles such dust at resolution instead).
 */
export function exitablePosition<P>(ctx: StrategyContext<P>, market: MarketInfo, tokenId: string): HeldPosition | undefined {
  const position = ctx.portfolio.position(tokenId);
  if (position === undefined || position.sizeMicros <= 0n) return undefined;
  if (position.sizeMicros < market.minOrderSizeMicros) return undefined;
  if (ctx.portfolio.hasPendingIntent(tokenId)) return undefined;
  return position;
}

/**
 * The exit for `book.tokenId` if one of the rules fires, else undefined.
 *
 * Exits run on stale books too: a FAK at a stale bid fills at that price or better, or not at all, and the
 * time rules must not wait for the feed to recover.
 */
export function checkExit<P>(
  ctx: StrategyContext<P>,
  market: MarketInfo,
  book: Book,
  rules: ExitRules,
): IntentDraft | undefined {
  const position = exitablePosition(ctx, market, book.tokenId);
  if (position === undefined) return undefined;
  const reason = exitReason({ position, book, nowMs: ctx.nowMs, endDateMs: market.endDateMs, rules });
  return reason === undefined ? undefined : sellAllAtBid(market.marketId, book, position, reason);
}

/** `checkExit` for both tokens of the market (the event's own book first-hand, the other from the kernel). */
export function checkMarketExits<P>(
  ctx: StrategyContext<P>,
  market: MarketInfo,
  event: MarketEvent,
  rules: ExitRules,
): IntentDraft[] {
  const { yes, no } = outcomeTokenIds(market);
  const exits: IntentDraft[] = [];
  for (const tokenId of [yes, no]) {
    const book = bookFor(ctx, event, tokenId);
    const exit = book === undefined ? undefined : checkExit(ctx, market, book, rules);
    if (exit !== undefined) exits.push(exit);
  }
  return exits;
}
