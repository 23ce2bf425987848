import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { floorConfigPathOf, loadEnv, loadFloorConfig } from '@floor/config';
import { busNames, createRedis, recordVenueCall, startHeartbeat } from '@floor/bus';
import { createDb } from '@floor/db';
import { createExecutor, openLiveVenue } from '@floor/execution';
import { countingVenue } from '@floor/live-venue';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

/** The executor: the one door to the exchange (paper, and live behind three gates: see @floor/execution live-gates). */
const env = loadEnv();
const floorConfig = loadFloorConfig(floorConfigPathOf(env));
const log = createLogger('executor', env.LOG_LEVEL);
const names = busNames(env.FLOOR_PREFIX);
const db = createDb(env.DATABASE_URL, { applicationName: 'floor-executor' });
const redis = createRedis(env.REDIS_URL, 'floor-executor');
redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
const registry = createMetricsRegistry('executor');

const heartbeat = startHeartbeat(redis, names, {
  app: 'executor',
  instanceId: `${hostname()}-${process.pid}`,
  intervalMs: floorConfig.heartbeat.intervalMs,
});

let metricsServer: Server | undefined;
try {
  const served = await serveMetrics(registry, floorConfig.metricsPorts.executor, () => ({ ok: true, state: heartbeat.state }));
  metricsServer = served.server;
  heartbeat.announceMetrics(served.port);
} catch (err) {
  // metrics are for people; a busy port must not stop orders from being processed
  log.warn({ err, port: floorConfig.metricsPorts.executor }, 'metrics port unavailable; running without /metrics');
}

// gates 1 and 2; says once which wallet and host live orders use (gate 3 is each agent's `live: true`)
const opened = openLiveVenue({ execution: floorConfig.execution, env, log });
// every exchange call is counted for the Boss's API-error breaker (a failed count is not worth failing a trade for)
const venue = opened && countingVenue(opened, (ok) => void recordVenueCall(redis, names, ok).catch(() => undefined));
const executor = createExecutor({
  db: db.db,
  redis,
  names,
  // every intent is decided with risk.agent (merged with the agent's own `risk:` override) and risk.floor
  risk: floorConfig.risk,
  bankrollMicros: floorConfig.bankrollUsd,
  log,
  metrics: registry,
  live: venue ? { venue, settings: floorConfig.execution.live } : undefined,
  reportState: (state, detail) => heartbeat.setState(state, detail),
});

installShutdown(log, async () => {
  heartbeat.setState('stopping');
  await executor.close();
  await heartbeat.stop();
  metricsServer?.close();
  await redis.quit();
  await db.close();
});

await executor.start();
heartbeat.setState('running');
