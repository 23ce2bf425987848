import { Gauge, type Registry } from 'prom-client';
import { computeFloorPerformance, microsToUsd, type AgentPerformance, type ProcessHealth } from './compute.js';

const AGENT_LABELS = ['agent', 'strategy'] as const;
type AgentLabel = (typeof AGENT_LABELS)[number];

/** The monitor's gauges. Names are what Grafana and alerting read: change them only with the dashboards. */
export function createPerformanceMetrics(registry: Registry) {
  const agentGauge = (name: string, help: string) =>
    new Gauge<AgentLabel>({ name, help, labelNames: AGENT_LABELS, registers: [registry] });
  return {
    agentEquity: agentGauge('floor_agent_equity_usd', 'Agent cash plus open positions at mark (at cost when unmarked), USD'),
    agentCash: agentGauge('floor_agent_cash_usd', 'Agent cash per the ledger, USD'),
    agentRealizedPnl: agentGauge('floor_agent_realized_pnl_usd', 'Agent realized PnL before fees, USD'),
    agentUnrealizedPnl: agentGauge('floor_agent_unrealized_pnl_usd', 'Agent marked value minus cost of marked open positions, USD'),
    agentFees: agentGauge('floor_agent_fees_usd', 'Fees the agent has paid, USD'),
    agentPnl: agentGauge('floor_agent_pnl_usd', 'Agent equity minus allocated capital (realized + unrealized - fees), USD'),
    agentPositionsOpen: agentGauge('floor_agent_positions_open', 'Open positions (tokens with a non-zero size)'),
    // A gauge read from Postgres rather than a counter: it is the count of record, correct after a monitor restart,
    // and only ever grows because fills are never deleted.
    agentFills: agentGauge('floor_agent_fills_total', 'Fills (trades and settlements) recorded for the agent'),
    agentUnmarked: agentGauge('floor_agent_unmarked_positions', 'Open positions with no usable book, valued at cost'),
    floorEquity: new Gauge({ name: 'floor_equity_usd', help: 'Sum of agent equity, USD', registers: [registry] }),
    floorPnl: new Gauge({ name: 'floor_pnl_usd', help: 'Sum of agent PnL (equity minus allocated), USD', registers: [registry] }),
    processUp: new Gauge<'app' | 'instance'>({
      name: 'floor_process_up',
      help: '1 while the process heartbeat is fresh, 0 once it is older than heartbeat.staleAfterMs',
      labelNames: ['app', 'instance'],
      registers: [registry],
    }),
    heartbeatAge: new Gauge<'app' | 'instance'>({
      name: 'floor_heartbeat_age_seconds',
      help: 'Age of the last heartbeat of a process',
      labelNames: ['app', 'instance'],
      registers: [registry],
    }),
    killSwitch: new Gauge({ name: 'floor_kill_switch', help: '1 while the global kill switch is on', registers: [registry] }),
    queueJobs: new Gauge<'queue' | 'state'>({
      name: 'floor_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
    }),
  };
}
export type PerformanceMetrics = ReturnType<typeof createPerformanceMetrics>;

export interface MonitorSnapshot {
  readonly agents: readonly AgentPerformance[];
  readonly processes: readonly ProcessHealth[];
  readonly killSwitchOn: boolean;
  /** queue → state → count */
  readonly queueJobs: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

/**
 * Replaces every gauge's values with the snapshot's. Synchronous from reset to last set, so a scrape (which
 * runs between event-loop turns) never sees a half-written set; resetting drops series of agents that are gone.
 */
export function publishSnapshot(metrics: PerformanceMetrics, snapshot: MonitorSnapshot): void {
  const agentGauges = [
    metrics.agentEquity, metrics.agentCash, metrics.agentRealizedPnl, metrics.agentUnrealizedPnl, metrics.agentFees,
    metrics.agentPnl, metrics.agentPositionsOpen, metrics.agentFills, metrics.agentUnmarked,
  ];
  for (const g of agentGauges) g.reset();
  for (const a of snapshot.agents) {
    const labels = { agent: a.agentId, strategy: a.strategy };
    metrics.agentEquity.set(labels, microsToUsd(a.equityMicros));
    metrics.agentCash.set(labels, microsToUsd(a.cashMicros));
    metrics.agentRealizedPnl.set(labels, microsToUsd(a.realizedPnlMicros));
    metrics.agentUnrealizedPnl.set(labels, microsToUsd(a.unrealizedPnlMicros));
    metrics.agentFees.set(labels, microsToUsd(a.feesMicros));
    metrics.agentPnl.set(labels, microsToUsd(a.pnlMicros));
    metrics.agentPositionsOpen.set(labels, a.positionsOpen);
    metrics.agentFills.set(labels, a.fillCount);
    metrics.agentUnmarked.set(labels, a.unmarkedPositions);
  }
  const floor = computeFloorPerformance(snapshot.agents);
  metrics.floorEquity.set(microsToUsd(floor.equityMicros));
  metrics.floorPnl.set(microsToUsd(floor.pnlMicros));

  metrics.processUp.reset();
  metrics.heartbeatAge.reset();
  for (const p of snapshot.processes) {
    const labels = { app: p.app, instance: p.instance };
    metrics.processUp.set(labels, p.up ? 1 : 0);
    metrics.heartbeatAge.set(labels, p.ageSeconds);
  }
  metrics.killSwitch.set(snapshot.killSwitchOn ? 1 : 0);
  metrics.queueJobs.reset();
  for (const [queue, counts] of snapshot.queueJobs) {
    for (const [state, n] of Object.entries(counts)) metrics.queueJobs.set({ queue, state }, n);
  }
}
