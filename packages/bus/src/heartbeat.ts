import type { Redis } from 'ioredis';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Heartbeat, type ProcessState } from '@floor/domain';
import type { BusNames } from './names.js';

export interface HeartbeatOptions {
  readonly app: string;
  readonly instanceId: string;
  readonly agentId?: string;
  readonly intervalMs: number;
  /** the key expires after this long without a beat, so dead processes vanish from the listing */
  readonly ttlMs?: number;
}

/**
 * Publishes `{app, pid, state, tsMs, eventLoopLagMs}` to a key with a TTL every interval. The Boss compares
 * `tsMs` with its clock: a process whose loop is blocked stops beating even though PM2 still sees it alive.
 */
export function startHeartbeat(redis: Redis, names: BusNames, opts: HeartbeatOptions) {
  const startedAtMs = Date.now();
  let state: ProcessState = 'starting';
  let detail = '';
  let metricsPort: number | undefined;
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();
  const key = names.heartbeatKey(opts.app, opts.instanceId);
  const beat = async () => {
    const hb: Heartbeat = {
      type: 'heartbeat',
      v: 1,
      app: opts.app,
      instanceId: opts.instanceId,
      ...(opts.agentId ? { agentId: opts.agentId } : {}),
      pid: process.pid,
      state,
      tsMs: Date.now(),
      startedAtMs,
      eventLoopLagMs: Math.round(lag.max / 1e6),
      detail,
      ...(metricsPort ? { metricsPort } : {}),
    };
    lag.reset();
    await redis.set(key, JSON.stringify(hb), 'PX', opts.ttlMs ?? Math.max(opts.intervalMs * 30, 60_000));
  };
  const timer = setInterval(() => void beat().catch(() => undefined), opts.intervalMs);
  timer.unref();
  void beat().catch(() => undefined);
  return {
    setState(next: ProcessState, why = '') {
      state = next;
      detail = why;
      void beat().catch(() => undefined);
    },
    /** Announces the port this process serves /metrics on; the monitor lists it for Prometheus (file_sd). */
    announceMetrics(port: number) {
      metricsPort = port;
      void beat().catch(() => undefined);
    },
    get state() {
      return state;
    },
    async stop(finalState: ProcessState = 'stopping') {
      clearInterval(timer);
      lag.disable();
      state = finalState;
      await beat().catch(() => undefined);
    },
  };
}
export type HeartbeatHandle = ReturnType<typeof startHeartbeat>;

/** Reads every heartbeat under the prefix. Malformed values are skipped. */
export async function readHeartbeats(redis: Redis, names: BusNames): Promise<Heartbeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', names.heartbeatScanPattern, 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const out: Heartbeat[] = [];
  for (const v of values) {
    if (!v) continue;
    try {
      const parsed = Heartbeat.safeParse(JSON.parse(v));
      if (parsed.success) out.push(parsed.data);
    } catch {
      /* a corrupt heartbeat is as good as none */
    }
  }
  return out;
}
