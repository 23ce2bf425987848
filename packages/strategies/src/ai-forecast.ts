import { z } from 'zod';
import { bestAsk, midMicros, minBig, type MarketEvent, type MarketInfo } from '@floor/domain';
import {
  calibrate,
  currentCalibration,
  EnsembleConfig,
  forecastInputFromMarket,
  LlmProvider,
  missingApiKeys,
  sizeBinaryTrade,
  type CalibrationSample,
  type SizedTrade,
} from '@floor/llm';
import { bookFor, isEngaged, isNearEnd, outcomeTokenIds, sharesForBudget, stakeUsdParam, usdMicros } from './entries.js';
import { checkMarketExits, ExitParams, ruleWithDefault } from './exits.js';
import type { ForecastRequest, IntentDraft, Strategy, StrategyContext } from './strategy.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** resolved forecasts kept for calibration; the oldest drop out first */
const MAX_SAMPLES = 1_000;

/**
 * AI forecast: trade a binary market when a calibrated model probability disagrees with its price by more than
 * the fees and a minimum edge.
 *
 * The strategy never calls a model. On a fresh YES book it asks for a forecast (`Decision.forecastRequests`) when
 * it has none for the market or the last one is older than `refreshMs`; the agent runtime asks its forecast port
 * (the ensemble live, a deterministic stand-in in a backtest) within the daily budget and per-market cooldown
 * (`llm.dailyBudgetUsd`, `llm.cooldownMs`) and delivers the answer to `onForecast`.
 *
 * Entry: q = calibrate(ensemble probability) (Platt; learned from this agent's own resolved forecasts once there
 * are `llm.calibration.minSamples`, else the configured a, b). Edge per share = q − ask − taker fee for YES, and
 * (1 − q) − ask − fee for NO; the better side is bought at its ask when the edge reaches `llm.minEdgeBps`, sized
 * at `llm.kellyFraction` of Kelly on the agent's cash and capped at `maxStakeUsd` (fees included). Checked on every
 * book while the forecast is younger than `maxForecastAgeMs`. Exits: the shared exit rules (exits.ts).
 */
export const AiForecastParams = z
  .object({
    llm: EnsembleConfig.describe('the forecast ensemble: models, aggregation, calibration, min edge, Kelly fraction, budget, cooldown'),
    maxStakeUsd: stakeUsdParam(50, 'most one entry may cost, taker fee included, whatever Kelly says'),
    maxOpenPositions: z.number().int().min(1).max(100).default(10).describe('open positions across all markets'),
    refreshMs: z
      .number()
      .int()
      .min(MINUTE_MS)
      .max(30 * DAY_MS)
      .default(6 * HOUR_MS)
      .describe('ask for a new forecast of a market once its last request is this old, ms'),
    maxForecastAgeMs: z
      .number()
      .int()
      .min(MINUTE_MS)
      .max(30 * DAY_MS)
      .default(DAY_MS)
      .describe('do not open a position on a forecast older than this, ms'),
    minConfidence: z.number().min(0).max(1).default(0).describe('ignore forecasts whose mean model confidence is below this'),
    ...ExitParams.shape,
    stopLossBps: ruleWithDefault(ExitParams.shape.stopLossBps, 3_000),
  })
  .strict();
export type AiForecastParams = z.output<typeof AiForecastParams>;

interface MarketForecast {
  /** uncalibrated ensemble probability of YES */
  readonly probability: number;
  readonly confidence: number;
  readonly atMs: number;
}

export interface AiForecastState {
  readonly forecasts: Readonly<Record<string, MarketForecast>>;
  /** marketId → event time of the last forecast request */
  readonly requestedAtMs: Readonly<Record<string, number>>;
  /** the last forecast of each resolved market against its outcome, oldest first */
  readonly samples: readonly CalibrationSample[];
  /** Platt parameters in force, refitted when a market resolves */
  readonly calibration: { readonly a: number; readonly b: number; readonly source: 'config' | 'fitted' };
}

const AiForecastStateSchema = z.object({
  forecasts: z.record(z.string(), z.object({ probability: z.number().min(0).max(1), confidence: z.number().min(0).max(1), atMs: z.number().int() })),
  requestedAtMs: z.record(z.string(), z.number().int()),
  samples: z.array(z.object({ probability: z.number().min(0).max(1), outcome: z.union([z.literal(0), z.literal(1)]) })),
  calibration: z.object({ a: z.number(), b: z.number(), source: z.enum(['config', 'fitted']) }),
});

type Ctx = StrategyContext<AiForecastParams>;

export const aiForecast: Strategy<AiForecastParams, AiForecastState> = {
  name: 'ai-forecast',
  interfaceVersion: 1,
  description: 'Buys the side a calibrated LLM-ensemble forecast says is underpriced after fees; Kelly-sized, capped.',
  params: AiForecastParams,

  init: (params) => ({ forecasts: {}, requestedAtMs: {}, samples: [], calibration: calibrationFor([], params) }),

  restoreState(raw, params) {
    const parsed = AiForecastStateSchema.safeParse(raw);
    if (!parsed.success) return aiForecast.init(params);
    // the calibration config may have changed since the checkpoint
    return { ...parsed.data, calibration: calibrationFor(parsed.data.samples, params) };
  },

  onMarketEvent(ctx, state, event) {
    if (event.type === 'resolved') return { state: resolve(ctx, state, event.marketId, event.winningTokenId), intents: [] };
    if (event.type === 'listed') return { state, intents: [] };
    const market = ctx.market(event.marketId);
    if (!market) return { state, intents: [] };

    const exits = checkMarketExits(ctx, market, event, ctx.params);
    if (exits.length > 0) return { state, intents: exits };
    if (isNearEnd(market, ctx.nowMs, ctx.params.exitBeforeResolutionMs)) return { state, intents: [] };

    const request = forecastRequest(ctx, state, market, event);
    if (request) {
      return {
        state: { ...state, requestedAtMs: { ...state.requestedAtMs, [market.marketId]: ctx.nowMs } },
        intents: [],
        forecastRequests: [request],
      };
    }
    const entry = event.type === 'book' && !event.stale ? entryDraft(ctx, state, market, event) : undefined;
    return { state, intents: entry ? [entry] : [] };
  },

  onForecast(ctx, state, event) {
    const forecast: MarketForecast = { probability: event.probability, confidence: event.confidence, atMs: event.tsMs };
    const next = { ...state, forecasts: { ...state.forecasts, [event.marketId]: forecast } };
    const market = ctx.market(event.marketId);
    if (!market || isNearEnd(market, ctx.nowMs, ctx.params.exitBeforeResolutionMs)) return { state: next, intents: [] };
    const entry = entryDraft(ctx, next, market);
    return { state: next, intents: entry ? [entry] : [] };
  },
};

const StartupView = z.object({
  llm: z.object({ models: z.array(z.object({ provider: LlmProvider, requiresApiKey: z.boolean().default(true) })).min(1) }),
});

/** Why the AI agent may not start: the API-key variables its models need and the environment lacks. */
export function aiForecastStartupCheck(
  spec: { readonly strategy: string; readonly resolvedParams: Record<string, unknown> },
  env: Partial<Record<'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY', string | undefined>>,
): { readonly ok: true } | { readonly ok: false; readonly missing: string[] } {
  if (spec.strategy !== aiForecast.name) return { ok: true };
  // the models list reads the same in a raw strategy file and in parsed params
  const { llm } = StartupView.parse(spec.resolvedParams);
  // missingApiKeys reads only `provider` and `requiresApiKey` of each model
  const missing = missingApiKeys(llm as Pick<EnsembleConfig, 'models'>, env);
  return missing.length === 0 ? { ok: true } : { ok: false, missing };
}

/**
 * Sizes a buy of the underpriced side for calibrated probability `q`, or undefined below the minimum edge. Kelly on
 * the agent's cash, then capped at `maxStakeUsd` (the cap re-sizes at the same price, fee included).
 */
export function sizeForecastTrade(args: {
  readonly params: AiForecastParams;
  readonly market: MarketInfo;
  readonly probabilityYes: number;
  readonly yesAskMicros: bigint | undefined;
  readonly noAskMicros: bigint | undefined;
  readonly cashMicros: bigint;
}): SizedTrade | undefined {
  const { params, market } = args;
  const trade = sizeBinaryTrade({
    probabilityYes: args.probabilityYes,
    yesAskMicros: args.yesAskMicros,
    noAskMicros: args.noAskMicros,
    fee: market.fee,
    limits: {
      minEdgeBps: params.llm.minEdgeBps,
      kellyFraction: params.llm.kellyFraction,
      capitalMicros: args.cashMicros,
      minOrderSizeMicros: market.minOrderSizeMicros,
    },
  });
  if (!trade) return undefined;
  const capMicros = usdMicros(params.maxStakeUsd);
  if (trade.costMicros <= capMicros) return trade;
  const sizeMicros = sharesForBudget(capMicros, trade.priceMicros, market.fee);
  if (sizeMicros <= 0n || sizeMicros < market.minOrderSizeMicros) return undefined;
  return { ...trade, sizeMicros, costMicros: minBig(trade.costMicros, capMicros) };
}

function calibrationFor(samples: readonly CalibrationSample[], params: AiForecastParams): AiForecastState['calibration'] {
  const c = currentCalibration(samples, params.llm.calibration);
  return { a: c.a, b: c.b, source: c.source };
}

/** A resolved market: its last forecast becomes a calibration sample, and the market is forgotten. */
function resolve(ctx: Ctx, state: AiForecastState, marketId: string, winningTokenId: string): AiForecastState {
  const { [marketId]: forecast, ...forecasts } = state.forecasts;
  const { [marketId]: _requested, ...requestedAtMs } = state.requestedAtMs;
  const market = ctx.market(marketId);
  if (!forecast || !market) return { ...state, forecasts, requestedAtMs };
  const outcome: 0 | 1 = winningTokenId === outcomeTokenIds(market).yes ? 1 : 0;
  const samples = [...state.samples, { probability: forecast.probability, outcome }].slice(-MAX_SAMPLES);
  return { forecasts, requestedAtMs, samples, calibration: calibrationFor(samples, ctx.params) };
}

/** A request when a fresh YES book arrives and the market has no forecast, or only an old one. */
function forecastRequest(ctx: Ctx, state: AiForecastState, market: MarketInfo, event: MarketEvent): ForecastRequest | undefined {
  const { yes, no } = outcomeTokenIds(market);
  if (event.type !== 'book' || event.stale || event.tokenId !== yes) return undefined;
  const last = state.requestedAtMs[market.marketId];
  if (last !== undefined && ctx.nowMs - last < ctx.params.refreshMs) return undefined;
  // an open position is managed by the exit rules; a new forecast would not change them
  if (isEngaged(ctx, yes) || isEngaged(ctx, no)) return undefined;
  const noBook = ctx.book(no);
  const input = forecastInputFromMarket({ market, asOfMs: ctx.nowMs, yesBook: event, ...(noBook ? { noBook } : {}) });
  return input ? { marketId: market.marketId, input } : undefined;
}

function entryDraft(ctx: Ctx, state: AiForecastState, market: MarketInfo, event?: MarketEvent): IntentDraft | undefined {
  const { params, portfolio } = ctx;
  const forecast = state.forecasts[market.marketId];
  if (!forecast || ctx.nowMs - forecast.atMs > params.maxForecastAgeMs || forecast.confidence < params.minConfidence) return undefined;
  if (portfolio.openPositionCount >= params.maxOpenPositions) return undefined;
  const { yes, no } = outcomeTokenIds(market);
  if (isEngaged(ctx, yes) || isEngaged(ctx, no)) return undefined;

  const yesBook = event ? bookFor(ctx, event, yes) : ctx.book(yes);
  const noBook = event ? bookFor(ctx, event, no) : ctx.book(no);
  if (!yesBook || midMicros(yesBook) === undefined) return undefined;
  const q = calibrate(forecast.probability, state.calibration);
  const trade = sizeForecastTrade({
    params,
    market,
    probabilityYes: q,
    yesAskMicros: bestAsk(yesBook),
    noAskMicros: noBook ? bestAsk(noBook) : undefined,
    cashMicros: portfolio.cashMicros,
  });
  if (!trade) return undefined;
  return {
    marketId: market.marketId,
    tokenId: trade.outcome === 'YES' ? yes : no,
    side: 'BUY',
    limitPriceMicros: trade.priceMicros,
    sizeMicros: trade.sizeMicros,
    orderType: 'FAK',
    reason: `ai edge ${trade.edgeBps.toFixed(0)}bps q=${q.toFixed(3)} ${trade.outcome}`,
  };
}

/**
 * The forecast broker's budget limits from an ai-forecast agent's params — the schema's parsed output (an
 * AgentSpec's `resolvedParams`), which is what both the live agent and the backtest hold.
 */
export function forecastBudgetLimits(params: Record<string, unknown>): { readonly dailyBudgetMicros: bigint; readonly cooldownMs: number } {
  const llm = (params as Partial<AiForecastParams>).llm;
  return { dailyBudgetMicros: llm?.dailyBudgetUsd ?? 0n, cooldownMs: llm?.cooldownMs ?? 0 };
}
