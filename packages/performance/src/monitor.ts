import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Heartbeat } from '@floor/domain';
import { insertPerformanceSnapshots, readEquitySeries, type Db, type PerformanceSnapshotRow } from '@floor/db';
import { Queues, readHeartbeats, readKillSwitch, type BusNames } from '@floor/bus';
import { computeAgentPerformance, computeFloorPerformance, computeProcessHealth, type AgentPerformance } from './compute.js';
import { targetGroupsFromHeartbeats, writeTargetsFile } from './discovery.js';
import {
  fetchActivityCounts,
  fetchAgentKillSwitches,
  fetchForecastInputs,
  fetchMarketCategories,
  fetchPerformanceInputs,
  fetchStreamStats,
  fetchTripFills,
} from './fetch.js';
import {
  createPerformanceMetrics,
  publishSnapshot,
  publishStatistics,
  type AgentForecastScores,
  type MonitorSnapshot,
  type PerformanceStatistics,
  type SeriesStatistics,
} from './metrics.js';
import { brierScore, calibrationBuckets, maxDrawdown, periodReturns, roundTrips, sharpeRatio, sortinoRatio, type RoundTrips } from './stats.js';

/** The job states whose counts are exported; completed jobs are history, not load. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

export interface MonitorOptions {
  readonly db: Db;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly registry: Registry;
  /** a heartbeat older than this makes the process count as down (the Boss's `heartbeat.staleAfterMs`) */
  readonly staleAfterMs: number;
  /** a process silent this long is dropped from the metrics (a retired agent should not stay down forever) */
  readonly forgetAfterMs?: number;
  /** the equity history Sharpe, Sortino and drawdown cover (default 24 h) */
  readonly statsWindowMs?: number;
  /** where to keep the Prometheus file_sd target list; no file without it */
  readonly targetsFile?: string;
  readonly now?: () => number;
}

export interface Monitor {
  /** Fetches everything live, computes, and publishes the gauges. Returns what it published. */
  tick(): Promise<MonitorSnapshot>;
  /**
   * Writes a performance snapshot of `tick`'s result (one row per agent and one for the floor), then recomputes
   * the series statistics (Sharpe, Sortino, drawdown, win rate, forecast scores) and publishes them.
   */
  recordSnapshot(snapshot: MonitorSnapshot): Promise<PerformanceStatistics>;
  close(): Promise<void>;
}

/** The snapshot rows of one tick: one per agent, and the floor's (agent null), all at `tsMs`. */
export function snapshotRows(agents: readonly AgentPerformance[], trades: ReadonlyMap<string, number>, tsMs: number): PerformanceSnapshotRow[] {
  const row = (agentId: string | null, p: Omit<PerformanceSnapshotRow, 'agentId' | 'tsMs' | 'trades'>, n: number): PerformanceSnapshotRow => ({
    agentId,
    tsMs,
    equityMicros: p.equityMicros,
    cashMicros: p.cashMicros,
    allocatedMicros: p.allocatedMicros,
    realizedPnlMicros: p.realizedPnlMicros,
    unrealizedPnlMicros: p.unrealizedPnlMicros,
    feesMicros: p.feesMicros,
    exposureMicros: p.exposureMicros,
    trades: n,
    positionsOpen: p.positionsOpen,
  });
  const rows = agents.map((a) => row(a.agentId, a, trades.get(a.agentId) ?? 0));
  const floorTrades = agents.reduce((s, a) => s + (trades.get(a.agentId) ?? 0), 0);
  rows.push(row(null, computeFloorPerformance(agents), floorTrades));
  return rows;
}

export function createMonitor(opts: MonitorOptions): Monitor {
  const now = opts.now ?? Date.now;
  const forgetAfterMs = opts.forgetAfterMs ?? 3_600_000;
  const statsWindowMs = opts.statsWindowMs ?? 86_400_000;
  const metrics = createPerformanceMetrics(opts.registry);
  // BullMQ only reads counts here; sharing the monitor's connection is fine (Queue does not block on it).
  const queues = Object.values(Queues).map((name) => new Queue(name, { connection: opts.redis, prefix: opts.names.bullPrefix }));
  /**
   * Heartbeat keys expire (TTL) after a process dies. Remembering the last beat keeps a dead process visible
   * as `up 0` with a growing age, instead of its series silently vanishing, until `forgetAfterMs` or until a
   * fresh instance of the same role replaces it (see computeProcessHealth).
   */
  const lastBeats = new Map<string, Heartbeat>();

  const readProcesses = async () => {
    const live = await readHeartbeats(opts.redis, opts.names);
    for (const hb of live) lastBeats.set(`${hb.app}\u0000${hb.instanceId}`, hb);
    const nowMs = now();
    for (const [key, hb] of lastBeats) if (nowMs - hb.tsMs > forgetAfterMs) lastBeats.delete(key);
    if (opts.targetsFile) {
      const groups = targetGroupsFromHeartbeats(live, nowMs, opts.staleAfterMs);
      await writeTargetsFile(opts.targetsFile, groups);
      metrics.metricsTargets.set(groups.length);
    }
    return computeProcessHealth(lastBeats.values(), nowMs, opts.staleAfterMs);
  };

  const readQueues = async () => {
    const out = new Map<string, Record<string, number>>();
    for (const q of queues) out.set(q.name, await q.getJobCounts(...QUEUE_STATES));
    return out;
  };

  const seriesStatistics = async (agentId: string | null, sinceMs: number, trips: RoundTrips): Promise<SeriesStatistics> => {
    const series = await readEquitySeries(opts.db, agentId, sinceMs);
    const returns = periodReturns(series);
    return { sharpe: sharpeRatio(returns), sortino: sortinoRatio(returns), drawdown: maxDrawdown(series), trips };
  };

  return {
    async tick() {
      const inputs = await fetchPerformanceInputs(opts.db, opts.redis, opts.names);
      const categories = await fetchMarketCategories(opts.db, inputs.agents.flatMap((a) => a.portfolio.positions.map((p) => p.marketId)));
      const agentIds = inputs.agents.map((a) => a.agent.agentId);
      const snapshot: MonitorSnapshot = {
        agents: inputs.agents.map(({ agent, portfolio }) => computeAgentPerformance(agent, portfolio, inputs.marks, categories)),
        processes: await readProcesses(),
        killSwitchOn: (await readKillSwitch(opts.redis, opts.names)).global,
        agentKillSwitches: await fetchAgentKillSwitches(opts.redis, opts.names, agentIds),
        queueJobs: await readQueues(),
        activity: await fetchActivityCounts(opts.db),
        streams: await fetchStreamStats(opts.redis, opts.names),
      };
      publishSnapshot(metrics, snapshot);
      return snapshot;
    },

    async recordSnapshot(snapshot) {
      const tsMs = now();
      await insertPerformanceSnapshots(opts.db, snapshotRows(snapshot.agents, snapshot.activity.trades, tsMs));

      const sinceMs = tsMs - statsWindowMs;
      const fills = await fetchTripFills(opts.db);
      const agents = new Map<string, SeriesStatistics>();
      let wins = 0;
      let closed = 0;
      let tripPnl = 0n;
      for (const a of snapshot.agents) {
        const trips = roundTrips(fills.get(a.agentId) ?? []);
        wins += trips.wins;
        closed += trips.closed;
        tripPnl += trips.pnlMicros;
        agents.set(a.agentId, await seriesStatistics(a.agentId, sinceMs, trips));
      }
      const floorTrips: RoundTrips = { closed, wins, winRate: closed > 0 ? wins / closed : null, pnlMicros: tripPnl };

      const forecastInputs = await fetchForecastInputs(opts.db);
      const stats: PerformanceStatistics = {
        tsMs,
        strategies: new Map(snapshot.agents.map((a) => [a.agentId, a.strategy])),
        agents,
        floor: await seriesStatistics(null, sinceMs, floorTrips),
        forecasts: forecastInputs && {
          scores: new Map(
            [...forecastInputs.resolved].map(([agentId, resolved]): [string, AgentForecastScores] => [
              agentId,
              { brier: brierScore(resolved), resolvedMarkets: resolved.length, calibration: calibrationBuckets(resolved) },
            ]),
          ),
          cost: forecastInputs.cost,
        },
      };
      publishStatistics(metrics, stats);
      return stats;
    },

    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}

export interface MonitorLoopOptions {
  /** how often the live gauges are recomputed */
  readonly tickMs: number;
  /** how often a snapshot is written and the statistics recomputed (at the first tick, then on this cadence) */
  readonly snapshotIntervalMs: number;
  readonly now?: () => number;
}

/**
 * Runs `monitor.tick()` now and then every `tickMs`, one at a time, and `recordSnapshot` after the ticks that fall
 * due. A failed step keeps the last published values and is retried on the next tick.
 */
export function startMonitorLoop(monitor: Monitor, loop: MonitorLoopOptions, log: Logger): { stop(): Promise<void> } {
  const now = loop.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let lastSnapshotMs = -Infinity;
  const step = async () => {
    const snapshot = await monitor.tick();
    if (now() - lastSnapshotMs < loop.snapshotIntervalMs) return;
    lastSnapshotMs = now();
    await monitor.recordSnapshot(snapshot);
  };
  const tick = () => {
    running = step()
      .catch((err: unknown) => log.error({ err }, 'monitor step failed; metrics keep their last values'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, loop.tickMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
