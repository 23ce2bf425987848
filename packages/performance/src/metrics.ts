import { Gauge, type Registry } from 'prom-client';
import { MarketCategory } from '@floor/domain';
import { computeFloorPerformance, microsToUsd, returnOnAllocated, UNKNOWN_CATEGORY, type AgentPerformance, type ProcessHealth } from './compute.js';
import type { ActivityCounts, StreamStats } from './fetch.js';
import type { CalibrationBucket, Drawdown, RoundTrips } from './stats.js';

/**
 * The monitor's gauges. Names are what Grafana and alerting read: change them only with the dashboards
 * (grafana/dashboards/*.json; tests/e2e/observability.e2e.test.ts checks every expression there returns data).
 *
 * Labels stay low-cardinality: agent, strategy, app/instance (one per process), category, status, code, model,
 * bucket. Never an order, market or token id.
 */
export function createPerformanceMetrics(registry: Registry) {
  const registers = [registry];
  const agentGauge = (name: string, help: string) => new Gauge<'agent' | 'strategy'>({ name, help, labelNames: ['agent', 'strategy'], registers });
  const floorGauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers });
  return {
    // ---- per agent, every tick
    agentEquity: agentGauge('floor_agent_equity_usd', 'Agent cash plus open positions at mark (at cost when unmarked), USD'),
    agentCash: agentGauge('floor_agent_cash_usd', 'Agent cash per the ledger, USD'),
    agentAllocated: agentGauge('floor_agent_allocated_usd', 'Capital allocated to the agent, USD'),
    agentRealizedPnl: agentGauge('floor_agent_realized_pnl_usd', 'Agent realized PnL before fees, USD'),
    agentUnrealizedPnl: agentGauge('floor_agent_unrealized_pnl_usd', 'Agent marked value minus cost of marked open positions, USD'),
    agentFees: agentGauge('floor_agent_fees_usd', 'Fees the agent has paid, USD'),
    agentPnl: agentGauge('floor_agent_pnl_usd', 'Agent equity minus allocated capital (realized + unrealized - fees), USD'),
    agentReturn: agentGauge('floor_agent_return_ratio', 'Agent PnL over allocated capital (0.01 = 1 %)'),
    agentExposure: agentGauge('floor_agent_exposure_usd', 'Agent open positions at mark (at cost when unmarked), USD'),
    agentExposureByCategory: gauge('floor_agent_category_exposure_usd', 'Agent open positions at mark by market category, USD', ['agent', 'strategy', 'category']),
    agentPositionsOpen: agentGauge('floor_agent_positions_open', 'Open positions (tokens with a non-zero size)'),
    // Gauges read from Postgres rather than counters: the counts of record, correct after a monitor restart,
    // and only ever growing because fills, orders and risk events are never deleted.
    agentFills: agentGauge('floor_agent_fills_total', 'Fills (trades and settlements) recorded for the agent'),
    agentTrades: agentGauge('floor_agent_trades_total', 'Trade fills (settlements excluded) recorded for the agent'),
    agentOrders: gauge('floor_agent_orders', 'Orders recorded for the agent in Postgres, by status', ['agent', 'strategy', 'status']),
    agentDenials: gauge('floor_agent_denials', 'Intents of the agent the risk gate denied (risk_events), by code', ['agent', 'strategy', 'code']),
    agentUnmarked: agentGauge('floor_agent_unmarked_positions', 'Open positions with no usable book, valued at cost'),
    agentKillSwitch: agentGauge('floor_agent_kill_switch', "1 while the agent's own kill switch is on"),

    // ---- per agent, every snapshot (series statistics)
    agentSharpe: agentGauge('floor_agent_sharpe_ratio', 'Sharpe ratio of snapshot-to-snapshot equity returns over the stats window (per interval, not annualised)'),
    agentSortino: agentGauge('floor_agent_sortino_ratio', 'Sortino ratio of snapshot-to-snapshot equity returns over the stats window (per interval, not annualised)'),
    agentMaxDrawdown: agentGauge('floor_agent_max_drawdown_ratio', 'Largest peak-to-trough equity fall over the stats window, fraction of the peak'),
    agentMaxDrawdownUsd: agentGauge('floor_agent_max_drawdown_usd', 'Largest peak-to-trough equity fall over the stats window, USD'),
    agentDrawdown: agentGauge('floor_agent_drawdown_ratio', 'Current equity fall from its peak over the stats window, fraction of the peak'),
    agentRoundTrips: agentGauge('floor_agent_round_trips_total', 'Positions opened from flat and closed back to flat (by sells or settlement)'),
    agentWinRate: agentGauge('floor_agent_win_ratio', 'Share of closed round trips with PnL after fees above zero'),

    // ---- the floor
    floorEquity: floorGauge('floor_equity_usd', 'Sum of agent equity, USD'),
    floorPnl: floorGauge('floor_pnl_usd', 'Sum of agent PnL (equity minus allocated), USD'),
    floorAllocated: floorGauge('floor_allocated_usd', 'Capital allocated to agents, USD'),
    floorRealizedPnl: floorGauge('floor_realized_pnl_usd', 'Sum of agent realized PnL before fees, USD'),
    floorUnrealizedPnl: floorGauge('floor_unrealized_pnl_usd', 'Sum of agent unrealized PnL, USD'),
    floorFees: floorGauge('floor_fees_usd', 'Fees paid by all agents, USD'),
    floorReturn: floorGauge('floor_return_ratio', 'Floor PnL over allocated capital'),
    floorExposure: gauge('floor_exposure_usd', 'Open positions of all agents at mark, by market category, USD', ['category']),
    floorSharpe: floorGauge('floor_sharpe_ratio', 'Sharpe ratio of the floor equity series over the stats window (per snapshot interval)'),
    floorSortino: floorGauge('floor_sortino_ratio', 'Sortino ratio of the floor equity series over the stats window (per snapshot interval)'),
    floorMaxDrawdown: floorGauge('floor_max_drawdown_ratio', 'Largest peak-to-trough fall of floor equity over the stats window, fraction'),
    floorDrawdown: floorGauge('floor_drawdown_ratio', 'Current fall of floor equity from its peak over the stats window, fraction'),
    floorWinRate: floorGauge('floor_win_ratio', 'Share of all closed round trips with PnL after fees above zero'),
    snapshotTimestamp: floorGauge('floor_performance_snapshot_timestamp_seconds', 'When the monitor last wrote performance_snapshots'),

    // ---- AI forecasts (only when the forecasts table exists)
    forecastBrier: agentGauge('floor_forecast_brier_score', 'Brier score of the agent’s last forecast per resolved market (0 perfect, 0.25 coin flip)'),
    forecastResolved: agentGauge('floor_forecast_resolved_markets', 'Resolved markets the agent forecast'),
    calibrationCount: gauge('floor_forecast_calibration_forecasts', 'Scored forecasts per probability bucket', ['agent', 'strategy', 'bucket']),
    calibrationProbability: gauge('floor_forecast_calibration_mean_probability', 'Mean forecast probability per bucket', ['agent', 'strategy', 'bucket']),
    calibrationObserved: gauge('floor_forecast_calibration_observed_ratio', 'Share of the bucket’s markets that resolved YES', ['agent', 'strategy', 'bucket']),
    llmCost: gauge('floor_llm_cost_usd', 'LLM spend on forecasts, by agent and model, USD', ['agent', 'strategy', 'model']),

    // ---- processes and plumbing
    processUp: gauge('floor_process_up', 'Is the process heartbeat fresh (1) or older than heartbeat.staleAfterMs (0)', ['app', 'instance']),
    heartbeatAge: gauge('floor_heartbeat_age_seconds', 'Age of the last heartbeat of a process', ['app', 'instance']),
    eventLoopLag: gauge('floor_heartbeat_event_loop_lag_seconds', 'Worst event-loop delay over the last heartbeat interval, as the process reported it', ['app', 'instance']),
    killSwitch: floorGauge('floor_kill_switch', '1 while the global kill switch is on'),
    queueJobs: gauge('floor_queue_jobs', 'BullMQ jobs by queue and state', ['queue', 'state']),
    streamLength: gauge('floor_stream_length', 'Entries in a floor-wide Redis stream (XLEN)', ['stream']),
    streamPending: gauge('floor_stream_group_pending', 'Entries delivered to a consumer group but not acknowledged', ['stream', 'group']),
    streamLag: gauge('floor_stream_group_lag', 'Entries not yet delivered to a consumer group', ['stream', 'group']),
    metricsTargets: floorGauge('floor_metrics_targets', 'Processes listed for Prometheus in the file_sd targets file'),
  };
}
export type PerformanceMetrics = ReturnType<typeof createPerformanceMetrics>;

/** What one monitor tick saw. */
export interface MonitorSnapshot {
  readonly agents: readonly AgentPerformance[];
  readonly processes: readonly ProcessHealth[];
  readonly killSwitchOn: boolean;
  readonly agentKillSwitches: ReadonlySet<string>;
  /** queue → state → count */
  readonly queueJobs: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly activity: ActivityCounts;
  readonly streams: StreamStats;
}

/**
 * Exposure is exported for every category, zero included: a flat book then draws a line at 0 instead of a gap, and
 * a category appearing does not look like a new series. Categories outside the enum (none today) are added.
 */
function withEveryCategory(exposure: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const out = new Map<string, bigint>([...MarketCategory.options, UNKNOWN_CATEGORY].map((c) => [c, 0n]));
  for (const [category, micros] of exposure) out.set(category, micros);
  return out;
}

const setRatio = (g: Gauge, value: number | null, labels: Record<string, string> = {}) => {
  // a statistic that is undefined (too little history) is left out rather than exported as a misleading 0
  if (value !== null && Number.isFinite(value)) g.set(labels, value);
};

/**
 * Replaces every tick gauge's values with the snapshot's. Synchronous from reset to last set, so a scrape (which
 * runs between event-loop turns) never sees a half-written set; resetting drops series of agents that are gone.
 */
export function publishSnapshot(metrics: PerformanceMetrics, snapshot: MonitorSnapshot): void {
  const m = metrics;
  const tickGauges = [
    m.agentEquity, m.agentCash, m.agentAllocated, m.agentRealizedPnl, m.agentUnrealizedPnl, m.agentFees, m.agentPnl, m.agentReturn,
    m.agentExposure, m.agentExposureByCategory, m.agentPositionsOpen, m.agentFills, m.agentTrades, m.agentOrders, m.agentDenials,
    m.agentUnmarked, m.agentKillSwitch, m.floorExposure, m.floorReturn, m.processUp, m.heartbeatAge, m.eventLoopLag, m.queueJobs,
    m.streamLength, m.streamPending, m.streamLag,
  ];
  for (const g of tickGauges) g.reset();

  const strategyOf = new Map(snapshot.agents.map((a) => [a.agentId, a.strategy]));
  const labelsOf = (agent: string) => ({ agent, strategy: strategyOf.get(agent) ?? 'unknown' });
  for (const a of snapshot.agents) {
    const labels = labelsOf(a.agentId);
    m.agentEquity.set(labels, microsToUsd(a.equityMicros));
    m.agentCash.set(labels, microsToUsd(a.cashMicros));
    m.agentAllocated.set(labels, microsToUsd(a.allocatedMicros));
    m.agentRealizedPnl.set(labels, microsToUsd(a.realizedPnlMicros));
    m.agentUnrealizedPnl.set(labels, microsToUsd(a.unrealizedPnlMicros));
    m.agentFees.set(labels, microsToUsd(a.feesMicros));
    m.agentPnl.set(labels, microsToUsd(a.pnlMicros));
    setRatio(m.agentReturn, returnOnAllocated(a.pnlMicros, a.allocatedMicros), labels);
    m.agentExposure.set(labels, microsToUsd(a.exposureMicros));
    for (const [category, micros] of withEveryCategory(a.exposureByCategory)) m.agentExposureByCategory.set({ ...labels, category }, microsToUsd(micros));
    m.agentPositionsOpen.set(labels, a.positionsOpen);
    m.agentFills.set(labels, a.fillCount);
    m.agentTrades.set(labels, snapshot.activity.trades.get(a.agentId) ?? 0);
    m.agentUnmarked.set(labels, a.unmarkedPositions);
    m.agentKillSwitch.set(labels, snapshot.agentKillSwitches.has(a.agentId) ? 1 : 0);
  }
  for (const o of snapshot.activity.orders) m.agentOrders.set({ ...labelsOf(o.agentId), status: o.key }, o.n);
  for (const d of snapshot.activity.denials) m.agentDenials.set({ ...labelsOf(d.agentId), code: d.key }, d.n);

  const floor = computeFloorPerformance(snapshot.agents);
  m.floorEquity.set(microsToUsd(floor.equityMicros));
  m.floorPnl.set(microsToUsd(floor.pnlMicros));
  m.floorAllocated.set(microsToUsd(floor.allocatedMicros));
  m.floorRealizedPnl.set(microsToUsd(floor.realizedPnlMicros));
  m.floorUnrealizedPnl.set(microsToUsd(floor.unrealizedPnlMicros));
  m.floorFees.set(microsToUsd(floor.feesMicros));
  setRatio(m.floorReturn, returnOnAllocated(floor.pnlMicros, floor.allocatedMicros));
  for (const [category, micros] of withEveryCategory(floor.exposureByCategory)) m.floorExposure.set({ category }, microsToUsd(micros));

  for (const p of snapshot.processes) {
    const labels = { app: p.app, instance: p.instance };
    m.processUp.set(labels, p.up ? 1 : 0);
    m.heartbeatAge.set(labels, p.ageSeconds);
    m.eventLoopLag.set(labels, p.eventLoopLagSeconds);
  }
  m.killSwitch.set(snapshot.killSwitchOn ? 1 : 0);
  for (const [queue, counts] of snapshot.queueJobs) {
    for (const [state, n] of Object.entries(counts)) m.queueJobs.set({ queue, state }, n);
  }
  for (const [stream, n] of snapshot.streams.lengths) m.streamLength.set({ stream }, n);
  for (const g of snapshot.streams.groups) {
    m.streamPending.set({ stream: g.stream, group: g.group }, g.pending);
    if (g.lag !== null) m.streamLag.set({ stream: g.stream, group: g.group }, g.lag);
  }
}

/** Series statistics of one agent (or of the floor) over the stats window. */
export interface SeriesStatistics {
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly drawdown: Drawdown;
  readonly trips: RoundTrips;
}

export interface AgentForecastScores {
  readonly brier: number | null;
  readonly resolvedMarkets: number;
  readonly calibration: readonly CalibrationBucket[];
}

/** What one snapshot step computed. */
export interface PerformanceStatistics {
  readonly tsMs: number;
  readonly strategies: ReadonlyMap<string, string>;
  readonly agents: ReadonlyMap<string, SeriesStatistics>;
  readonly floor: SeriesStatistics;
  /** null when the floor has no forecasts table */
  readonly forecasts: {
    readonly scores: ReadonlyMap<string, AgentForecastScores>;
    readonly cost: ReadonlyArray<{ readonly agentId: string; readonly model: string; readonly costMicros: bigint }>;
  } | null;
}

/** Replaces the snapshot-step gauges with these statistics (same all-at-once rule as `publishSnapshot`). */
export function publishStatistics(metrics: PerformanceMetrics, stats: PerformanceStatistics): void {
  const m = metrics;
  const statGauges = [
    m.agentSharpe, m.agentSortino, m.agentMaxDrawdown, m.agentMaxDrawdownUsd, m.agentDrawdown, m.agentRoundTrips, m.agentWinRate,
    m.floorSharpe, m.floorSortino, m.floorMaxDrawdown, m.floorDrawdown, m.floorWinRate, m.forecastBrier, m.forecastResolved,
    m.calibrationCount, m.calibrationProbability, m.calibrationObserved, m.llmCost,
  ];
  for (const g of statGauges) g.reset();
  const labelsOf = (agent: string) => ({ agent, strategy: stats.strategies.get(agent) ?? 'unknown' });

  for (const [agentId, s] of stats.agents) {
    const labels = labelsOf(agentId);
    setRatio(m.agentSharpe, s.sharpe, labels);
    setRatio(m.agentSortino, s.sortino, labels);
    m.agentMaxDrawdown.set(labels, s.drawdown.fraction);
    m.agentMaxDrawdownUsd.set(labels, microsToUsd(s.drawdown.micros));
    m.agentDrawdown.set(labels, s.drawdown.currentFraction);
    m.agentRoundTrips.set(labels, s.trips.closed);
    setRatio(m.agentWinRate, s.trips.winRate, labels);
  }
  setRatio(m.floorSharpe, stats.floor.sharpe);
  setRatio(m.floorSortino, stats.floor.sortino);
  m.floorMaxDrawdown.set(stats.floor.drawdown.fraction);
  m.floorDrawdown.set(stats.floor.drawdown.currentFraction);
  setRatio(m.floorWinRate, stats.floor.trips.winRate);
  m.snapshotTimestamp.set(stats.tsMs / 1000);

  if (stats.forecasts) {
    for (const [agentId, f] of stats.forecasts.scores) {
      const labels = labelsOf(agentId);
      setRatio(m.forecastBrier, f.brier, labels);
      m.forecastResolved.set(labels, f.resolvedMarkets);
      for (const b of f.calibration) {
        const bucket = { ...labels, bucket: b.bucket };
        m.calibrationCount.set(bucket, b.count);
        m.calibrationProbability.set(bucket, b.meanProbability);
        m.calibrationObserved.set(bucket, b.observedFrequency);
      }
    }
    for (const c of stats.forecasts.cost) m.llmCost.set({ ...labelsOf(c.agentId), model: c.model }, microsToUsd(c.costMicros));
  }
}
