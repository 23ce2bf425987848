import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Heartbeat } from '@floor/domain';
import type { Db } from '@floor/db';
import { Queues, readHeartbeats, readKillSwitch, type BusNames } from '@floor/bus';
import { computeAgentPerformance, computeProcessHealth } from './compute.js';
import { fetchPerformanceInputs } from './fetch.js';
import { createPerformanceMetrics, publishSnapshot, type MonitorSnapshot } from './metrics.js';

/** The job states whose counts are exported; completed jobs are history, not load. */
const QUEUE_STATES = ['waiting', 'active', 'failed'] as const;

export interface MonitorOptions {
  readonly db: Db;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly registry: Registry;
  /** a heartbeat older than this makes the process count as down (the Boss's `heartbeat.staleAfterMs`) */
  readonly staleAfterMs: number;
  /** a process silent this long is dropped from the metrics (a retired agent should not stay down forever) */
  readonly forgetAfterMs?: number;
  readonly now?: () => number;
}

export interface Monitor {
  /** Fetches everything, computes, and publishes the gauges. Returns what it published. */
  tick(): Promise<MonitorSnapshot>;
  close(): Promise<void>;
}

export function createMonitor(opts: MonitorOptions): Monitor {
  const now = opts.now ?? Date.now;
  const forgetAfterMs = opts.forgetAfterMs ?? 3_600_000;
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
    for (const hb of await readHeartbeats(opts.redis, opts.names)) lastBeats.set(`${hb.app}\u0000${hb.instanceId}`, hb);
    const nowMs = now();
    for (const [key, hb] of lastBeats) if (nowMs - hb.tsMs > forgetAfterMs) lastBeats.delete(key);
    return computeProcessHealth(lastBeats.values(), nowMs, opts.staleAfterMs);
  };

  const readQueues = async () => {
    const out = new Map<string, Record<string, number>>();
    for (const q of queues) out.set(q.name, await q.getJobCounts(...QUEUE_STATES));
    return out;
  };

  return {
    async tick() {
      const inputs = await fetchPerformanceInputs(opts.db, opts.redis, opts.names);
      const snapshot: MonitorSnapshot = {
        agents: inputs.agents.map(({ agent, portfolio }) => computeAgentPerformance(agent, portfolio, inputs.marks)),
        processes: await readProcesses(),
        killSwitchOn: (await readKillSwitch(opts.redis, opts.names)).global,
        queueJobs: await readQueues(),
      };
      publishSnapshot(metrics, snapshot);
      return snapshot;
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}

/** Runs `monitor.tick()` now and then every `intervalMs`, one at a time; a failed tick keeps the last values. */
export function startMonitorLoop(monitor: Monitor, intervalMs: number, log: Logger): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    running = monitor
      .tick()
      .then(() => undefined)
      .catch((err: unknown) => log.error({ err }, 'monitor tick failed; metrics keep their last values'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
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
