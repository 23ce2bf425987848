import { hostname } from 'node:os';
import type { Server } from 'node:http';
import { floorConfigPathOf, loadEnv, loadFloorConfig } from '@floor/config';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { createDb } from '@floor/db';
import { createExecutor } from '@floor/execution';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

/** The executor: the one door to the exchange. Paper trading only for now. */
const env = loadEnv();
const floorConfig = loadFloorConfig(floorConfigPathOf(env));
const log = createLogger('executor', env.LOG_LEVEL);
const names = busNames(env.FLOOR_PREFIX);
const db = createDb(env.DATABASE_URL, { applicationName: 'floor-executor' });
const redis = createRedis(env.REDIS_URL, 'floor-executor');
redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
const registry = createMetricsRegistry('executor');

if (floorConfig.execution.mode === 'live') {
  log.warn('execution.mode is live, but this executor only trades on the paper exchange');
}

const heartbeat = startHeartbeat(redis, names, {
  app: 'executor',
  instanceId: `${hostname()}-${process.pid}`,
  intervalMs: floorConfig.heartbeat.intervalMs,
});

let metricsServer: Server | undefined;
try {
  metricsServer = (await serveMetrics(registry, floorConfig.metricsPorts.executor, () => ({ ok: true, state: heartbeat.state }))).server;
} catch (err) {
  // metrics are for people; a busy port must not stop orders from being processed
  log.warn({ err, port: floorConfig.metricsPorts.executor }, 'metrics port unavailable; running without /metrics');
}

const executor = createExecutor({ db: db.db, redis, names, limits: floorConfig.limits, log, metrics: registry });

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
