import { z } from 'zod';
import {
  bestAsk,
  bestBid,
  MICROS_PER_UNIT,
  midMicros,
  numberToMicros,
  type MarketEvent,
  type MarketInfo,
} from '@floor/domain';
import type { IntentDraft, Strategy, StrategyContext } from './strategy.js';

/**
 * Momentum: follow the recent move of a binary market's YES mid.
 *
 * Entry: when the YES mid has moved by at least `thresholdBps` over the last `lookback` book updates, BUY the
 * token that rose (YES on a rise, NO on a fall). Exit: SELL the whole position at take profit, stop loss, after
 * `maxHoldMs`, or `exitBeforeEndMs` before the market's end date. Orders are FAK at the touch (best ask to buy,
 * best bid to sell), so the paper exchange fills what is there and cancels the rest.
 */
export const MomentumParams = z
  .object({
    lookback: z
      .number()
      .int()
      .min(2)
      .max(200)
      .default(10)
      .describe('YES-token book updates the move is measured over'),
    thresholdBps: z
      .number()
      .int()
      .min(10)
      .max(5_000)
      .default(150)
      .describe('YES mid move over the window that triggers an entry, in basis points of $1 (100 bps = 1 cent)'),
    stakeUsd: z.number().min(1).max(10_000).default(25).describe('USD spent per entry, before fees'),
    takeProfitBps: z
      .number()
      .int()
      .min(10)
      .max(10_000)
      .default(500)
      .describe('exit when the position is worth this much more than it cost (bps of cost, valued at the best bid)'),
    stopLossBps: z
      .number()
      .int()
      .min(10)
      .max(10_000)
      .default(300)
      .describe('exit when the position is worth this much less than it cost (bps of cost, valued at the best bid)'),
    maxHoldMs: z
      .number()
      .int()
      .min(1_000)
      .max(30 * 24 * 3_600_000)
      .default(3_600_000)
      .describe('longest time a position is held, ms'),
    exitBeforeEndMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3_600_000)
      .default(30 * 60_000)
      .describe('flatten this long before the market end date, and open nothing inside that margin, ms'),
    maxOpenPositions: z.number().int().min(1).max(100).default(5).describe('open positions across all markets'),
  })
  .strict();
export type MomentumParams = z.output<typeof MomentumParams>;

/**
 * Per market, the recent YES mids in micros, oldest first. Numbers, not bigints: state is checkpointed as JSON
 * and a price in micros (≤ 1e6) is exact as a number.
 */
export const MomentumState = z.object({
  mids: z.record(z.string(), z.array(z.number().int().nonnegative())),
});
export type MomentumState = z.output<typeof MomentumState>;

/** Polymarket order sizes have two decimals: round share counts down to 0.01 shares. */
const LOT_MICROS = 10_000n;
const BPS = 10_000n;

type Ctx = StrategyContext<MomentumParams>;

export const momentum: Strategy<MomentumParams, MomentumState> = {
  name: 'momentum',
  interfaceVersion: 1,
  description: 'Buys the side a binary market is moving towards; exits on take profit, stop loss, age or market end.',
  params: MomentumParams,

  init: () => ({ mids: {} }),

  restoreState(raw, params) {
    const parsed = MomentumState.safeParse(raw);
    if (!parsed.success) return { mids: {} };
    // `lookback` may have changed since the checkpoint: keep only what the current window can use
    const mids: Record<string, number[]> = {};
    for (const [marketId, window] of Object.entries(parsed.data.mids)) mids[marketId] = window.slice(-(params.lookback + 1));
    return { mids };
  },

  onMarketEvent(ctx, state, event) {
    if (event.type === 'resolved') return { state: withoutMarket(state, event.marketId), intents: [] };
    if (event.type === 'listed') return { state, intents: [] };
    const market = ctx.market(event.marketId);
    if (!market) return { state, intents: [] };

    const next = recordYesMid(ctx, state, market, event);
    const exits = market.tokens.flatMap((t) => exitDraft(ctx, market, t.tokenId) ?? []);
    if (exits.length > 0) return { state: next, intents: exits };

    const entry = entryDraft(ctx, next, market);
    if (!entry) return { state: next, intents: [] };
    // restart the window so one move triggers one entry, not one per update while the move persists
    return { state: restartWindow(next, market.marketId), intents: [entry] };
  },
};

function yesTokenId(market: MarketInfo): string {
  // MarketInfo guarantees exactly two tokens, YES first
  return (market.tokens[0] as { tokenId: string }).tokenId;
}
function noTokenId(market: MarketInfo): string {
  return (market.tokens[1] as { tokenId: string }).tokenId;
}

/** Appends the YES mid after a fresh YES book; stale books (REST fallback, gaps) are not evidence of a move. */
function recordYesMid(ctx: Ctx, state: MomentumState, market: MarketInfo, event: MarketEvent): MomentumState {
  if (event.type !== 'book' || event.stale || event.tokenId !== yesTokenId(market)) return state;
  const book = ctx.book(event.tokenId);
  const mid = book ? midMicros(book) : undefined;
  if (mid === undefined) return state;
  const window = [...(state.mids[market.marketId] ?? []), Number(mid)].slice(-(ctx.params.lookback + 1));
  return { mids: { ...state.mids, [market.marketId]: window } };
}

function withoutMarket(state: MomentumState, marketId: string): MomentumState {
  if (!(marketId in state.mids)) return state;
  const { [marketId]: _dropped, ...rest } = state.mids;
  return { mids: rest };
}

function restartWindow(state: MomentumState, marketId: string): MomentumState {
  const window = state.mids[marketId] ?? [];
  return { mids: { ...state.mids, [marketId]: window.slice(-1) } };
}

function entryDraft(ctx: Ctx, state: MomentumState, market: MarketInfo): IntentDraft | undefined {
  const { params, portfolio } = ctx;
  if (ctx.nowMs >= market.endDateMs - params.exitBeforeEndMs) return undefined;
  if (portfolio.openPositionCount >= params.maxOpenPositions) return undefined;
  const tokens = market.tokens.map((t) => t.tokenId);
  if (tokens.some((t) => portfolio.hasPendingIntent(t) || (portfolio.position(t)?.sizeMicros ?? 0n) > 0n)) return undefined;

  const window = state.mids[market.marketId] ?? [];
  if (window.length < params.lookback + 1) return undefined;
  const first = window[0] as number;
  const last = window[window.length - 1] as number;
  // 1 bp of $1 = 100 micros; a move in probability points is symmetric between YES and NO
  const moveBps = (last - first) / 100;
  if (Math.abs(moveBps) < params.thresholdBps) return undefined;

  const tokenId = moveBps > 0 ? yesTokenId(market) : noTokenId(market);
  const book = ctx.book(tokenId);
  const ask = book ? bestAsk(book) : undefined;
  if (ask === undefined || ask <= 0n || ask >= MICROS_PER_UNIT) return undefined;
  const stakeMicros = numberToMicros(params.stakeUsd);
  const sizeMicros = ((stakeMicros * MICROS_PER_UNIT) / ask / LOT_MICROS) * LOT_MICROS;
  if (sizeMicros <= 0n || sizeMicros < market.minOrderSizeMicros) return undefined;
  return {
    marketId: market.marketId,
    tokenId,
    side: 'BUY',
    limitPriceMicros: ask,
    sizeMicros,
    orderType: 'FAK',
    reason: `momentum ${moveBps > 0 ? 'up' : 'down'} ${Math.abs(moveBps)}bps over ${params.lookback} updates`,
  };
}

function exitDraft(ctx: Ctx, market: MarketInfo, tokenId: string): IntentDraft | undefined {
  const { params, portfolio } = ctx;
  const position = portfolio.position(tokenId);
  if (!position || position.sizeMicros <= 0n || portfolio.hasPendingIntent(tokenId)) return undefined;
  const book = ctx.book(tokenId);
  const bid = book ? bestBid(book) : undefined;
  // nothing to sell into: a FAK would not fill, try again on the next update
  if (bid === undefined || bid <= 0n) return undefined;

  const reason = exitReason(ctx.nowMs, params, market, position, bid);
  if (!reason) return undefined;
  return { marketId: market.marketId, tokenId, side: 'SELL', limitPriceMicros: bid, sizeMicros: position.sizeMicros, orderType: 'FAK', reason };
}

function exitReason(
  nowMs: number,
  params: MomentumParams,
  market: MarketInfo,
  position: { readonly sizeMicros: bigint; readonly costMicros: bigint; readonly openedAtMs: number },
  bid: bigint,
): string | undefined {
  if (nowMs >= market.endDateMs - params.exitBeforeEndMs) return 'exit before market end';
  if (nowMs - position.openedAtMs >= params.maxHoldMs) return 'max holding time';
  if (position.costMicros <= 0n) return undefined;
  // value at the bid vs cost, both scaled by 1e6 so the comparison stays in integers
  const valueScaled = bid * position.sizeMicros;
  const costScaled = position.costMicros * MICROS_PER_UNIT;
  const pnlBps = ((valueScaled - costScaled) * BPS) / costScaled;
  if (pnlBps >= BigInt(params.takeProfitBps)) return `take profit ${pnlBps}bps`;
  if (pnlBps <= -BigInt(params.stopLossBps)) return `stop loss ${pnlBps}bps`;
  return undefined;
}
