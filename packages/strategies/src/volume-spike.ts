import { z } from 'zod';
import { MICROS_PER_UNIT, type BookSnapshot, type MarketInfo, type TradePrinted } from '@floor/domain';
import { bookFor, buyAtAsk, isEngaged, isNearEnd, outcomeTokenIds, stakeUsdParam, updateStaleTokens, usdMicros } from './entries.js';
import { checkMarketExits, ExitParams, ruleWithDefault } from './exits.js';
import type { Decision, IntentDraft, Strategy, StrategyContext } from './strategy.js';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const MICROS = Number(MICROS_PER_UNIT);

export const VolumeSpikeParams = z
  .object({
    windowMs: z
      .number()
      .int()
      .min(10 * SECOND_MS)
      .max(HOUR_MS)
      .default(MINUTE_MS)
      .describe('length of one volume window; volume is counted in consecutive windows of this length'),
    baselineWindows: z
      .number()
      .int()
      .min(2)
      .max(500)
      .default(20)
      .describe('span of the EWMA of past windows that is the normal rate (smoothing 2 / (span + 1))'),
    warmupWindows: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(5)
      .describe('closed windows to see in a market before the baseline is trusted'),
    spikeMultiple: z
      .number()
      .min(1.5)
      .max(50)
      .default(4)
      .describe('a window is a spike when its volume is at least this multiple of the baseline'),
    minWindowVolumeShares: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(100)
      .describe('a spike also needs at least this many shares traded in the window (a quiet market has a baseline near 0)'),
    minAggressorShare: z
      .number()
      .min(0.5)
      .max(1)
      .default(0.7)
      .describe('share of the window volume the dominant aggressor direction must have (0.5 = any majority)'),
    stakeUsd: stakeUsdParam(25),
    ...ExitParams.shape,
    takeProfitBps: ruleWithDefault(ExitParams.shape.takeProfitBps, 1_000),
    stopLossBps: ruleWithDefault(ExitParams.shape.stopLossBps, 800),
    maxHoldMs: ruleWithDefault(ExitParams.shape.maxHoldMs, 2 * HOUR_MS),
  })
  .strict();
export type VolumeSpikeParams = z.output<typeof VolumeSpikeParams>;

/**
 * Volume of one market, as a price move of YES would see it: buying YES and selling NO both push YES up
 * (`upMicros`), selling YES and buying NO push it down (`downMicros`). Sizes are micro-shares.
 */
export interface VolumeSpikeMarket {
  /** start of the open window; null before the first trade */
  readonly windowStartMs: number | null;
  readonly upMicros: number;
  readonly downMicros: number;
  /** EWMA of the total volume of closed windows; null before the first window closes */
  readonly baselineMicros: number | null;
  readonly closedWindows: number;
  /** an entry was already sent in the open window */
  readonly firedInWindow: boolean;
  readonly staleTokenIds: readonly string[];
  readonly resolved: boolean;
}

export interface VolumeSpikeState {
  readonly markets: Readonly<Record<string, VolumeSpikeMarket>>;
}

const EMPTY_MARKET: VolumeSpikeMarket = {
  windowStartMs: null,
  upMicros: 0,
  downMicros: 0,
  baselineMicros: null,
  closedWindows: 0,
  firedInWindow: false,
  staleTokenIds: [],
  resolved: false,
};

/**
 * Closes the open window if `nowMs` is past it, folding its volume into the baseline; windows that passed
 * with no trade at all fold in as zeros. Windows stay aligned to the first one.
 */
export function rollWindow(market: VolumeSpikeMarket, nowMs: number, windowMs: number, baselineWindows: number): VolumeSpikeMarket {
  if (market.windowStartMs === null) return { ...market, windowStartMs: nowMs };
  const elapsedWindows = Math.floor((nowMs - market.windowStartMs) / windowMs);
  if (elapsedWindows <= 0) return market;
  const alpha = 2 / (baselineWindows + 1);
  const closedVolume = market.upMicros + market.downMicros;
  const afterClosed = market.baselineMicros === null ? closedVolume : alpha * closedVolume + (1 - alpha) * market.baselineMicros;
  return {
    ...market,
    windowStartMs: market.windowStartMs + elapsedWindows * windowMs,
    upMicros: 0,
    downMicros: 0,
    baselineMicros: afterClosed * (1 - alpha) ** (elapsedWindows - 1),
    closedWindows: market.closedWindows + elapsedWindows,
    firedInWindow: false,
  };
}

/**
 * Follows bursts of aggressive volume: when the volume of the open window reaches `spikeMultiple` × the EWMA
 * of past windows and one aggressor direction dominates it, buys the token that direction favours (YES on a
 * burst of YES buying or NO selling, NO on the reverse). Exits by the shared exit rules only.
 */
export const volumeSpike: Strategy<VolumeSpikeParams, VolumeSpikeState> = {
  name: 'volume-spike',
  interfaceVersion: 1,
  description: 'Buys in the direction of the aggressors when traded volume jumps well above its recent rate.',
  params: VolumeSpikeParams,
  init: () => ({ markets: {} }),
  onMarketEvent(ctx, state, event) {
    switch (event.type) {
      case 'trade':
        return onTrade(ctx, state, event);
      case 'book':
        return onBook(ctx, state, event);
      case 'resolved': {
        const market = state.markets[event.marketId] ?? EMPTY_MARKET;
        return { state: withMarket(state, event.marketId, { ...market, resolved: true }), intents: [] };
      }
      case 'listed':
        return { state, intents: [] };
    }
  },
};

function onBook(ctx: StrategyContext<VolumeSpikeParams>, state: VolumeSpikeState, event: BookSnapshot): Decision<VolumeSpikeState> {
  const market = ctx.market(event.marketId);
  const prior = state.markets[event.marketId] ?? EMPTY_MARKET;
  if (market === undefined || prior.resolved) return { state, intents: [] };
  const next = { ...prior, staleTokenIds: updateStaleTokens(prior.staleTokenIds, event) };
  return { state: withMarket(state, market.marketId, next), intents: checkMarketExits(ctx, market, event, ctx.params) };
}

function onTrade(ctx: StrategyContext<VolumeSpikeParams>, state: VolumeSpikeState, event: TradePrinted): Decision<VolumeSpikeState> {
  const market = ctx.market(event.marketId);
  const prior = state.markets[event.marketId] ?? EMPTY_MARKET;
  if (market === undefined || prior.resolved) return { state, intents: [] };
  const { yes, no } = outcomeTokenIds(market);
  if (event.tokenId !== yes && event.tokenId !== no) return { state, intents: [] };

  const params = ctx.params;
  const rolled = rollWindow(prior, ctx.nowMs, params.windowMs, params.baselineWindows);
  const pushesYesUp = (event.tokenId === yes) === (event.side === 'BUY');
  const sizeMicros = Number(event.sizeMicros);
  let next: VolumeSpikeMarket = pushesYesUp
    ? { ...rolled, upMicros: rolled.upMicros + sizeMicros }
    : { ...rolled, downMicros: rolled.downMicros + sizeMicros };

  const entry = findEntry(ctx, market, event, next);
  if (entry !== undefined) next = { ...next, firedInWindow: true };
  return { state: withMarket(state, market.marketId, next), intents: entry === undefined ? [] : [entry] };
}

function findEntry(
  ctx: StrategyContext<VolumeSpikeParams>,
  market: MarketInfo,
  event: TradePrinted,
  window: VolumeSpikeMarket,
): IntentDraft | undefined {
  const params = ctx.params;
  if (window.firedInWindow || window.closedWindows < params.warmupWindows || window.baselineMicros === null) return undefined;
  const totalMicros = window.upMicros + window.downMicros;
  if (totalMicros < params.minWindowVolumeShares * MICROS) return undefined;
  if (totalMicros < params.spikeMultiple * window.baselineMicros) return undefined;
  const up = window.upMicros >= window.downMicros;
  if (Math.max(window.upMicros, window.downMicros) < params.minAggressorShare * totalMicros) return undefined;

  if (isNearEnd(market, ctx.nowMs, params.exitBeforeResolutionMs)) return undefined;
  const { yes, no } = outcomeTokenIds(market);
  if (isEngaged(ctx, yes) || isEngaged(ctx, no)) return undefined;
  const target = up ? yes : no;
  if (window.staleTokenIds.includes(target)) return undefined;
  const book = bookFor(ctx, event, target);
  if (book === undefined) return undefined;
  const multiple = window.baselineMicros > 0 ? (totalMicros / window.baselineMicros).toFixed(1) : 'inf';
  return buyAtAsk(ctx, market, book, usdMicros(params.stakeUsd), `volume_spike ${up ? 'up' : 'down'} x${multiple}`);
}

function withMarket(state: VolumeSpikeState, marketId: string, market: VolumeSpikeMarket): VolumeSpikeState {
  return { markets: { ...state.markets, [marketId]: market } };
}
