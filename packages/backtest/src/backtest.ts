import { matchesSelector, type MarketSelector } from '@floor/config';
import { midMicros, MICROS_PER_UNIT, type AgentOrderEvent, type Book, type MarketEvent, type MarketInfo, type OrderIntent, type OrderStatus } from '@floor/domain';
import { createForecastBroker, createKernel, type DropReason, type ForecastBrokerStats, type ForecastRecord } from '@floor/kernel';
import { brierScore, calibrationTable, type CalibrationBucket, type CalibrationSample, type ForecastPort } from '@floor/llm';
import { forecastBudgetLimits, getStrategy, type AnyStrategy } from '@floor/strategies';
import { DrawdownTracker, periodReturns, roundTripStats, sharpeRatio, sortinoRatio, type RoundTrip, type RoundTripStats } from './metrics.js';
import { createSimExecutor, type BacktestOrder, type BacktestTrade } from './sim-executor.js';

/**
 * A backtest: one strategy, run through the live agent's kernel (`createKernel`, clock = event time) over a stream of
 * market events, with its intents executed by the paper exchange and booked exactly as the executor books them
 * (sim-executor.ts). Fills and order outcomes go back into the kernel as the live agent receives them, so the
 * strategy cannot tell a backtest from the floor. Deterministic: the same inputs give the same result.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** What a backtest needs of a strategy file (`AgentSpec` from @floor/config fits). */
export interface BacktestSpec {
  readonly agentId?: string;
  readonly strategy: string;
  /** params already validated by the strategy's schema (`validateStrategyParams`) */
  readonly resolvedParams: Record<string, unknown>;
  readonly markets?: MarketSelector;
}

export interface BacktestProgress {
  readonly events: number;
  readonly tsMs: number;
  readonly marketsResolved: number;
  readonly marketsTotal: number;
}

export interface RunBacktestOptions {
  readonly spec: BacktestSpec;
  readonly events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>;
  /** markets known before the first event (a dataset header's); `listed` events add more */
  readonly markets?: readonly MarketInfo[];
  readonly capitalMicros: bigint;
  /** events before this time are skipped */
  readonly fromMs?: number;
  /** events at or after this time are not read */
  readonly toMs?: number;
  /** the return period for Sharpe and Sortino and the spacing of the equity curve; default one hour */
  readonly periodMs?: number;
  /** answers the forecast requests of an AI strategy; without one, requests go unanswered (and are counted) */
  readonly forecastPort?: ForecastPort;
  /** the strategy object, instead of the registry's `spec.strategy` (tests) */
  readonly strategy?: AnyStrategy;
  readonly onProgress?: (progress: BacktestProgress) => void;
  /** events between two `onProgress` calls; default 5,000 */
  readonly progressEvery?: number;
}

export interface EquityPoint {
  readonly tsMs: number;
  readonly equityMicros: bigint;
  readonly cashMicros: bigint;
  /** open positions marked at the mid */
  readonly exposureMicros: bigint;
}

export interface ForecastReport {
  readonly source: string;
  /** aggregated forecasts made */
  readonly count: number;
  /** of which for markets that resolved within the backtest (the ones scored) */
  readonly scored: number;
  /** mean squared error of the aggregated (uncalibrated) probability against the outcome; null when none scored */
  readonly brier: number | null;
  readonly calibration: readonly CalibrationBucket[];
  readonly broker: ForecastBrokerStats;
}

export interface BacktestReport {
  readonly agentId: string;
  readonly strategy: string;
  readonly params: Record<string, unknown>;
  /** first and last event time seen */
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly events: number;
  readonly markets: { readonly seen: number; readonly resolved: number; readonly traded: number };
  readonly capitalMicros: bigint;
  readonly finalEquityMicros: bigint;
  readonly pnlMicros: bigint;
  /** pnl / capital */
  readonly returnFraction: number;
  /** per-period equity returns, annualised over 365 days */
  readonly period: { readonly ms: number; readonly label: string; readonly returns: number };
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly maxDrawdownMicros: bigint;
  readonly maxDrawdownFraction: number;
  readonly roundTrips: RoundTripStats;
  /** trade fills (settlements excluded) */
  readonly tradeCount: number;
  readonly settlementCount: number;
  readonly orders: Readonly<Record<OrderStatus, number>>;
  readonly feesMicros: bigint;
  readonly realizedPnlMicros: bigint;
  readonly unrealizedPnlMicros: bigint;
  /** open positions marked at the mid: time-weighted average and maximum */
  readonly exposure: { readonly averageMicros: bigint; readonly maxMicros: bigint; readonly maxFractionOfEquity: number };
  /** the ledger identity: cash + positions at cost = capital − fees + realized, and the kernel's mirror agrees */
  readonly ledger: {
    readonly cashMicros: bigint;
    readonly positionsAtCostMicros: bigint;
    readonly identityHolds: boolean;
    readonly kernelAgrees: boolean;
  };
  /** drafts the kernel refused, by reason */
  readonly drops: Readonly<Partial<Record<DropReason, number>>>;
  /** forecast requests dropped because the backtest was given no forecast port */
  readonly unansweredForecastRequests: number;
  readonly fault: string | null;
  readonly forecasts: ForecastReport | null;
}

export interface BacktestResult {
  readonly report: BacktestReport;
  /** every intent the strategy sent and what became of it, in decision order (the live floor's `orders` table) */
  readonly orders: readonly BacktestOrder[];
  readonly trades: readonly BacktestTrade[];
  readonly equity: readonly EquityPoint[];
  readonly roundTrips: readonly RoundTrip[];
  readonly forecasts: readonly ForecastRecord[];
}

const DEFAULT_AGENT_ID = 'backtest';

export async function runBacktest(opts: RunBacktestOptions): Promise<BacktestResult> {
  const agentId = opts.spec.agentId ?? DEFAULT_AGENT_ID;
  const strategy = opts.strategy ?? getStrategy(opts.spec.strategy);
  const selector = opts.spec.markets ?? 'all';
  const periodMs = opts.periodMs ?? HOUR_MS;
  if (!(periodMs > 0)) throw new RangeError('periodMs must be positive');
  const progressEvery = opts.progressEvery ?? 5_000;

  const drops: Partial<Record<DropReason, number>> = {};
  const kernel = createKernel({
    agentId,
    strategy,
    params: opts.spec.resolvedParams,
    live: false,
    onDrop: (d) => {
      drops[d.reason] = (drops[d.reason] ?? 0) + 1;
    },
  });
  kernel.restore({ portfolio: { cashMicros: opts.capitalMicros, allocatedMicros: opts.capitalMicros, positions: [], lastFillSeq: 0n } });

  const markets = new Map<string, MarketInfo>();
  const addMarket = (info: MarketInfo) => {
    if (!matchesSelector(selector, info)) return;
    markets.set(info.marketId, info);
    kernel.addMarket(info);
  };
  for (const info of opts.markets ?? []) addMarket(info);

  const executor = createSimExecutor(agentId, opts.capitalMicros);
  const forecasts: ForecastRecord[] = [];
  const broker = opts.forecastPort
    ? createForecastBroker({
        agentId,
        port: opts.forecastPort,
        limits: forecastBudgetLimits(opts.spec.resolvedParams),
        record: (rows) => {
          forecasts.push(...rows);
        },
      })
    : undefined;

  const books = new Map<string, Book>();
  const marks = new Map<string, bigint>();
  const winners = new Map<string, string>();
  const trips = createRoundTripTracker();
  const drawdown = new DrawdownTracker();
  const equity: EquityPoint[] = [];
  let unansweredForecasts = 0;

  let events = 0;
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  let periodEnd: number | undefined;
  let maxExposure = 0n;
  let maxExposureFraction = 0;
  let exposureTimeIntegral = 0n;
  let lastExposure = 0n;

  function markToMid(): { equityMicros: bigint; exposureMicros: bigint } {
    let exposureMicros = 0n;
    for (const [tokenId, p] of executor.positions()) {
      const mark = marks.get(tokenId);
      // a token never quoted is carried at cost
      exposureMicros += mark === undefined ? p.costMicros : (p.sizeMicros * mark) / MICROS_PER_UNIT;
    }
    return { equityMicros: executor.cashMicros + exposureMicros, exposureMicros };
  }

  /** Runs intents through the executor and feeds fills and outcomes back, including the intents they cause. */
  function execute(intents: readonly OrderIntent[], nowMs: number): void {
    const work = [...intents];
    for (let intent = work.shift(); intent; intent = work.shift()) {
      const { fills, outcome } = executor.execute(intent, markets.get(intent.marketId), books.get(intent.tokenId), nowMs);
      for (const fill of fills) work.push(...deliver(fill));
      work.push(...deliver(outcome));
    }
  }

  function deliver(event: AgentOrderEvent): OrderIntent[] {
    if (event.type === 'fill') trips.observe(event, executor.positions().get(event.tokenId)?.sizeMicros ?? 0n);
    return kernel.onAgentEvent(event).intents;
  }

  async function serveForecasts(): Promise<void> {
    if (broker) {
      const intents = await broker.serve(kernel);
      if (lastTs !== undefined) execute(intents, lastTs);
    } else {
      unansweredForecasts += kernel.takeForecastRequests().length;
    }
  }

  function closePeriods(tsMs: number): void {
    if (periodEnd === undefined) {
      periodEnd = (Math.floor(tsMs / periodMs) + 1) * periodMs;
      equity.push({ tsMs: periodEnd - periodMs, equityMicros: opts.capitalMicros, cashMicros: opts.capitalMicros, exposureMicros: 0n });
      return;
    }
    if (tsMs < periodEnd) return;
    // the state before this event is the state at the end of every period it skipped
    const { equityMicros, exposureMicros } = markToMid();
    while (tsMs >= periodEnd) {
      equity.push({ tsMs: periodEnd, equityMicros, cashMicros: executor.cashMicros, exposureMicros });
      periodEnd += periodMs;
    }
  }

  for await (const event of opts.events) {
    if (opts.fromMs !== undefined && event.tsEventMs < opts.fromMs) continue;
    if (opts.toMs !== undefined && event.tsEventMs >= opts.toMs) break;
    if (event.type === 'listed') addMarket(event.market);
    if (!markets.has(event.marketId)) continue;

    closePeriods(event.tsEventMs);
    if (lastTs !== undefined) exposureTimeIntegral += lastExposure * BigInt(event.tsEventMs - lastTs);
    firstTs ??= event.tsEventMs;
    lastTs = event.tsEventMs;
    events += 1;

    if (event.type === 'book') {
      books.set(event.tokenId, event);
      const mid = midMicros(event);
      if (mid !== undefined) marks.set(event.tokenId, mid);
    }
    execute(kernel.onMarketEvent(event), event.tsEventMs);
    if (event.type === 'resolved') {
      const market = markets.get(event.marketId) as MarketInfo;
      winners.set(event.marketId, event.winningTokenId);
      for (const t of market.tokens) marks.set(t.tokenId, t.tokenId === event.winningTokenId ? MICROS_PER_UNIT : 0n);
      for (const fill of executor.settle(market, event.winningTokenId, event.tsEventMs)) execute(deliver(fill), event.tsEventMs);
    }
    await serveForecasts();

    const { equityMicros, exposureMicros } = markToMid();
    drawdown.observe(equityMicros);
    lastExposure = exposureMicros;
    if (exposureMicros > maxExposure) maxExposure = exposureMicros;
    if (equityMicros > 0n) maxExposureFraction = Math.max(maxExposureFraction, Number(exposureMicros) / Number(equityMicros));

    if (opts.onProgress && events % progressEvery === 0) {
      opts.onProgress({ events, tsMs: event.tsEventMs, marketsResolved: winners.size, marketsTotal: markets.size });
    }
  }

  const final = markToMid();
  if (lastTs !== undefined) equity.push({ tsMs: lastTs, equityMicros: final.equityMicros, cashMicros: executor.cashMicros, exposureMicros: final.exposureMicros });
  opts.onProgress?.({ events, tsMs: lastTs ?? 0, marketsResolved: winners.size, marketsTotal: markets.size });

  const returns = periodReturns(equity.map((p) => p.equityMicros));
  const positionsAtCost = [...executor.positions().values()].reduce((s, p) => s + p.costMicros, 0n);
  const kernelBook = kernel.portfolio();
  const kernelAgrees =
    kernelBook.cashMicros === executor.cashMicros &&
    kernelBook.positions.length === executor.positions().size &&
    kernelBook.positions.every((p) => {
      const held = executor.positions().get(p.tokenId);
      return held !== undefined && held.sizeMicros === p.sizeMicros && held.costMicros === p.costMicros;
    });
  const trades = executor.trades();
  const spanMs = firstTs !== undefined && lastTs !== undefined ? lastTs - firstTs : 0;

  const report: BacktestReport = {
    agentId,
    strategy: strategy.name,
    params: opts.spec.resolvedParams,
    fromMs: firstTs ?? null,
    toMs: lastTs ?? null,
    events,
    markets: { seen: markets.size, resolved: winners.size, traded: new Set(trades.filter((t) => t.kind === 'trade').map((t) => t.marketId)).size },
    capitalMicros: opts.capitalMicros,
    finalEquityMicros: final.equityMicros,
    pnlMicros: final.equityMicros - opts.capitalMicros,
    returnFraction: opts.capitalMicros > 0n ? Number(final.equityMicros - opts.capitalMicros) / Number(opts.capitalMicros) : 0,
    period: { ms: periodMs, label: periodLabel(periodMs), returns: returns.length },
    sharpe: sharpeRatio(returns, periodMs),
    sortino: sortinoRatio(returns, periodMs),
    ...drawdown.result(),
    roundTrips: roundTripStats(trips.closed),
    tradeCount: trades.filter((t) => t.kind === 'trade').length,
    settlementCount: trades.filter((t) => t.kind === 'settlement').length,
    orders: executor.orderCounts(),
    feesMicros: executor.feesMicros,
    realizedPnlMicros: executor.realizedPnlMicros,
    unrealizedPnlMicros: final.exposureMicros - positionsAtCost,
    exposure: {
      averageMicros: spanMs > 0 ? exposureTimeIntegral / BigInt(spanMs) : 0n,
      maxMicros: maxExposure,
      maxFractionOfEquity: maxExposureFraction,
    },
    ledger: {
      cashMicros: executor.cashMicros,
      positionsAtCostMicros: positionsAtCost,
      identityHolds: executor.cashMicros + positionsAtCost === opts.capitalMicros - executor.feesMicros + executor.realizedPnlMicros,
      kernelAgrees,
    },
    drops,
    unansweredForecastRequests: unansweredForecasts,
    fault: kernel.fault ? kernel.fault.error.message : null,
    forecasts: broker && opts.forecastPort ? forecastReport(opts.forecastPort.source, forecasts, winners, markets, broker.stats()) : null,
  };
  return { report, orders: executor.orders(), trades, equity, roundTrips: trips.closed, forecasts };
}

/** Budget and cooldown of an AI strategy's `llm` params; generous defaults when a strategy has none. */
/** Scores the aggregated forecasts of markets that resolved: Brier score and a ten-bucket reliability table. */
function forecastReport(
  source: string,
  records: readonly ForecastRecord[],
  winners: ReadonlyMap<string, string>,
  markets: ReadonlyMap<string, MarketInfo>,
  broker: ForecastBrokerStats,
): ForecastReport {
  const aggregated = records.filter((r) => r.aggregated);
  const samples: CalibrationSample[] = [];
  for (const r of aggregated) {
    const winner = winners.get(r.marketId);
    const yes = markets.get(r.marketId)?.tokens[0]?.tokenId;
    if (winner === undefined || yes === undefined) continue;
    samples.push({ probability: r.probability, outcome: winner === yes ? 1 : 0 });
  }
  return {
    source,
    count: aggregated.length,
    scored: samples.length,
    brier: samples.length > 0 ? brierScore(samples) : null,
    calibration: calibrationTable(samples, 10),
    broker,
  };
}

/** Round trips per token, flat to flat, from the fills in booking order. */
function createRoundTripTracker() {
  const open = new Map<string, { marketId: string; openedAtMs: number; pnlMicros: bigint }>();
  const closed: RoundTrip[] = [];
  return {
    closed,
    /** `sizeAfter`: the position in the fill's token once the fill is booked */
    observe(fill: { tokenId: string; marketId: string; kind: string; tsMs: number; realizedPnlMicros: bigint; feeMicros: bigint }, sizeAfter: bigint) {
      const trip = open.get(fill.tokenId) ?? { marketId: fill.marketId, openedAtMs: fill.tsMs, pnlMicros: 0n };
      trip.pnlMicros += fill.realizedPnlMicros - fill.feeMicros;
      if (sizeAfter > 0n) {
        open.set(fill.tokenId, trip);
        return;
      }
      open.delete(fill.tokenId);
      closed.push({ tokenId: fill.tokenId, marketId: trip.marketId, openedAtMs: trip.openedAtMs, closedAtMs: fill.tsMs, pnlMicros: trip.pnlMicros, settled: fill.kind === 'settlement' });
    },
  };
}

export function periodLabel(periodMs: number): string {
  if (periodMs % DAY_MS === 0) return periodMs === DAY_MS ? 'day' : `${periodMs / DAY_MS} days`;
  if (periodMs % HOUR_MS === 0) return periodMs === HOUR_MS ? 'hour' : `${periodMs / HOUR_MS} hours`;
  return `${periodMs} ms`;
}
