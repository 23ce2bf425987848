import { z } from 'zod';
import { bestAsk, bestBid, type MarketEvent } from '@floor/domain';
import type { Decision, Strategy, StrategyContext } from './strategy.js';

/**
 * A diagnostic, not a trader: on every book update of a market's first token it buys the market's minimum
 * size when flat and sells it when it holds it, so the floor's whole path (event → intent → fill → event)
 * is exercised as often as it can go. `npm run bench:latency` runs it. It loses the spread and the fees on
 * every round trip, by design: never give it real capital.
 */
export const LatencyProbeParams = z
  .object({
    sizeShares: z.number().int().min(1).max(100).default(5).describe('shares per order (the market minimum is usually 5)'),
  })
  .strict();
export type LatencyProbeParams = z.infer<typeof LatencyProbeParams>;

type ProbeState = { readonly probes: number };

export const latencyProbe: Strategy<LatencyProbeParams, ProbeState> = {
  name: 'latency-probe',
  interfaceVersion: 1,
  description: 'Diagnostic: round-trips the minimum size on every book update to measure the floor’s latency. Loses money by design.',
  params: LatencyProbeParams,
  init: () => ({ probes: 0 }),
  onMarketEvent(ctx: StrategyContext<LatencyProbeParams>, state: ProbeState, event: MarketEvent): Decision<ProbeState> {
    if (event.type !== 'book' || event.stale) return { state, intents: [] };
    const market = ctx.market(event.marketId);
    if (!market || market.tokens[0]?.tokenId !== event.tokenId) return { state, intents: [] };
    if (ctx.portfolio.hasPendingIntent(event.tokenId)) return { state, intents: [] };
    const book = ctx.book(event.tokenId);
    if (!book) return { state, intents: [] };
    const held = ctx.portfolio.position(event.tokenId)?.sizeMicros ?? 0n;
    const size = BigInt(ctx.params.sizeShares) * 1_000_000n;
    const price = held > 0n ? bestBid(book) : bestAsk(book);
    if (price === undefined) return { state, intents: [] };
    const side = held > 0n ? 'SELL' : 'BUY';
    return {
      state: { probes: state.probes + 1 },
      intents: [{ marketId: event.marketId, tokenId: event.tokenId, side, limitPriceMicros: price, sizeMicros: held > 0n ? held : size, reason: 'latency probe' }],
    };
  },
};
