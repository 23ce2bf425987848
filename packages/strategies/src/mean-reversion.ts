import { z } from 'zod';
import { midMicros, type BookSnapshot, type MarketInfo } from '@floor/domain';
import { bookFor, buyAtAsk, isEngaged, isNearEnd, outcomeTokenIds, stakeUsdParam, updateStaleTokens, usdMicros } from './entries.js';
import { checkExit, exitablePosition, ExitParams, ruleWithDefault, sellAllAtBid } from './exits.js';
import type { Decision, IntentDraft, Strategy, StrategyContext } from './strategy.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const MeanReversionParams = z
  .object({
    windowSize: z.number().int().min(5).max(500).default(30).describe('number of YES mid samples in the rolling window'),
    sampleIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(HOUR_MS)
      .default(MINUTE_MS)
      .describe('least time between two samples, so the window spans time rather than book updates; 0 = every fresh book'),
    entryStdDevs: z
      .number()
      .min(0.5)
      .max(6)
      .default(2)
      .describe('enter when the YES mid is this many standard deviations away from the window mean'),
    minStdMicros: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(2_000)
      .describe('ignore signals while the window standard deviation is below this (micro-units of price): a flat market makes one tick look huge'),
    cooldownMs: z
      .number()
      .int()
      .min(0)
      .max(24 * HOUR_MS)
      .default(15 * MINUTE_MS)
      .describe('after an exit, wait this long before entering the same market again'),
    stakeUsd: stakeUsdParam(25),
    ...ExitParams.shape,
    stopLossBps: ruleWithDefault(ExitParams.shape.stopLossBps, 1_500),
    maxHoldMs: ruleWithDefault(ExitParams.shape.maxHoldMs, 24 * HOUR_MS),
  })
  .strict();
export type MeanReversionParams = z.output<typeof MeanReversionParams>;

interface MarketState {
  /** YES mids in micro-units, oldest first, at most `windowSize` */
  readonly mids: readonly number[];
  readonly lastSampleMs: number | null;
  readonly cooldownUntilMs: number;
  readonly staleTokenIds: readonly string[];
  readonly resolved: boolean;
}

export interface MeanReversionState {
  readonly markets: Readonly<Record<string, MarketState>>;
}

const EMPTY_MARKET: MarketState = { mids: [], lastSampleMs: null, cooldownUntilMs: 0, staleTokenIds: [], resolved: false };

export interface WindowStats {
  readonly meanMicros: number;
  readonly stdMicros: number;
}

/** Mean and population standard deviation of a full window, else undefined (still warming up). */
export function windowStats(mids: readonly number[], windowSize: number): WindowStats | undefined {
  if (mids.length < windowSize) return undefined;
  const meanMicros = mids.reduce((sum, x) => sum + x, 0) / mids.length;
  const variance = mids.reduce((sum, x) => sum + (x - meanMicros) ** 2, 0) / mids.length;
  return { meanMicros, stdMicros: Math.sqrt(variance) };
}

/**
 * Fades moves of the YES mid away from its rolling mean: a mid more than k·σ above the mean makes YES rich,
 * so it buys NO; more than k·σ below makes YES cheap, so it buys YES. It closes when the mid is back at the
 * mean, or by the shared exit rules. The signal compares the new mid with the window *before* it is added,
 * so a jump does not dampen its own z-score.
 */
export const meanReversion: Strategy<MeanReversionParams, MeanReversionState> = {
  name: 'mean-reversion',
  interfaceVersion: 1,
  description: 'Fades YES-mid moves beyond k standard deviations of a rolling mean; exits at the mean or by stop/hold rules.',
  params: MeanReversionParams,
  init: () => ({ markets: {} }),
  onMarketEvent(ctx, state, event) {
    switch (event.type) {
      case 'book':
        return onBook(ctx, state, event);
      case 'resolved': {
        const market = state.markets[event.marketId] ?? EMPTY_MARKET;
        return { state: withMarket(state, event.marketId, { ...market, mids: [], resolved: true }), intents: [] };
      }
      case 'trade':
      case 'listed':
        return { state, intents: [] };
    }
  },
};

function onBook(
  ctx: StrategyContext<MeanReversionParams>,
  state: MeanReversionState,
  event: BookSnapshot,
): Decision<MeanReversionState> {
  const market = ctx.market(event.marketId);
  const prior = state.markets[event.marketId] ?? EMPTY_MARKET;
  if (market === undefined || prior.resolved) return { state, intents: [] };
  const params = ctx.params;
  const { yes } = outcomeTokenIds(market);

  const stats = windowStats(prior.mids, params.windowSize);
  const yesMid = event.tokenId === yes && !event.stale ? midMicros(event) : undefined;
  const yesMidMicros = yesMid === undefined ? undefined : Number(yesMid);
  let next: MarketState = { ...prior, staleTokenIds: updateStaleTokens(prior.staleTokenIds, event) };

  const exit = findExit(ctx, market, event, stats, yesMidMicros);
  if (exit !== undefined) {
    next = { ...next, cooldownUntilMs: ctx.nowMs + params.cooldownMs };
    return { state: withMarket(state, market.marketId, next), intents: [exit] };
  }
  if (yesMidMicros === undefined) return { state: withMarket(state, market.marketId, next), intents: [] };

  if (next.lastSampleMs === null || ctx.nowMs - next.lastSampleMs >= params.sampleIntervalMs) {
    next = { ...next, mids: [...next.mids, yesMidMicros].slice(-params.windowSize), lastSampleMs: ctx.nowMs };
  }
  const entry = stats === undefined ? undefined : findEntry(ctx, market, event, next, stats, yesMidMicros);
  return { state: withMarket(state, market.marketId, next), intents: entry === undefined ? [] : [entry] };
}

/** The shared exit rules for either token, then the strategy's own: the YES mid is back at the mean. */
function findExit(
  ctx: StrategyContext<MeanReversionParams>,
  market: MarketInfo,
  event: BookSnapshot,
  stats: WindowStats | undefined,
  yesMidMicros: number | undefined,
): IntentDraft | undefined {
  const { yes, no } = outcomeTokenIds(market);
  for (const tokenId of [yes, no]) {
    const book = bookFor(ctx, event, tokenId);
    if (book === undefined) continue;
    const ruleExit = checkExit(ctx, market, book, ctx.params);
    if (ruleExit !== undefined) return ruleExit;

    const position = exitablePosition(ctx, market, tokenId);
    if (position === undefined || stats === undefined || yesMidMicros === undefined) continue;
    // YES was bought cheap and NO was bought when YES was rich: both are done once the mid is back at the mean.
    const reverted = tokenId === yes ? yesMidMicros >= stats.meanMicros : yesMidMicros <= stats.meanMicros;
    if (reverted) return sellAllAtBid(market.marketId, book, position, 'reverted_to_mean');
  }
  return undefined;
}

function findEntry(
  ctx: StrategyContext<MeanReversionParams>,
  market: MarketInfo,
  event: BookSnapshot,
  marketState: MarketState,
  stats: WindowStats,
  yesMidMicros: number,
): IntentDraft | undefined {
  const params = ctx.params;
  if (stats.stdMicros < params.minStdMicros || stats.stdMicros === 0) return undefined;
  const zScore = (yesMidMicros - stats.meanMicros) / stats.stdMicros;
  if (Math.abs(zScore) < params.entryStdDevs) return undefined;

  if (ctx.nowMs < marketState.cooldownUntilMs) return undefined;
  if (isNearEnd(market, ctx.nowMs, params.exitBeforeResolutionMs)) return undefined;
  const { yes, no } = outcomeTokenIds(market);
  if (isEngaged(ctx, yes) || isEngaged(ctx, no)) return undefined;

  const target = zScore > 0 ? no : yes;
  if (marketState.staleTokenIds.includes(target)) return undefined;
  const book = bookFor(ctx, event, target);
  if (book === undefined) return undefined;
  const reason = `${zScore > 0 ? 'yes_rich' : 'yes_cheap'} z=${zScore.toFixed(2)}`;
  return buyAtAsk(ctx, market, book, usdMicros(params.stakeUsd), reason);
}

function withMarket(state: MeanReversionState, marketId: string, market: MarketState): MeanReversionState {
  return { markets: { ...state.markets, [marketId]: market } };
}
