import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { configDirOf, floorConfigPathOf, loadEnv, loadFloorConfig, parseFloorConfig } from '@floor/config';
import { createDb } from '@floor/db';
import { Alerter, channelsFromEnv } from '@floor/alerts';
import { createMonitor, startDailySummary, startMonitorLoop } from '@floor/performance';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

const env = loadEnv();
const log = createLogger('monitor', env.LOG_LEVEL);
const configPath = floorConfigPathOf(env);
// The monitor needs only ports and heartbeat timing from floor.yaml; the defaults serve when it is absent.
const config = existsSync(configPath) ? loadFloorConfig(configPath) : parseFloorConfig({});
const names = busNames(env.FLOOR_PREFIX);

const registry = createMetricsRegistry('monitor');
const dbHandle = createDb(env.DATABASE_URL, { applicationName: 'floor-monitor' });
const redis = createRedis(env.REDIS_URL, 'monitor');
const heartbeat = startHeartbeat(redis, names, { app: 'monitor', instanceId: hostname(), intervalMs: config.heartbeat.intervalMs });

// Prometheus discovers every process through this file (file_sd, config/prometheus.yml): the monitor rewrites it
// from the heartbeats, in which each process announces its /metrics port.
const targetsFile = resolve(configDirOf(env), config.monitor.prometheusTargetsFile);
const monitor = createMonitor({
  db: dbHandle.db,
  redis,
  names,
  registry,
  staleAfterMs: config.heartbeat.staleAfterMs,
  statsWindowMs: config.monitor.statsWindowMs,
  targetsFile,
});
const metricsServer = await serveMetrics(registry, env.METRICS_PORT ?? config.metricsPorts.monitor, () => ({
  ok: true,
  state: heartbeat.state,
}));
heartbeat.announceMetrics(metricsServer.port);
const loop = startMonitorLoop(monitor, { tickMs: config.monitor.tickMs, snapshotIntervalMs: config.monitor.snapshotIntervalMs }, log);
// once a day, yesterday's numbers and the audit chain's head to the configured alert channels (if any)
const alerter = new Alerter({ channels: channelsFromEnv(env), log: log.child({ part: 'alerts' }) });
const summary = alerter.channelNames.length > 0 ? startDailySummary({ db: dbHandle.db, redis, names, send: (e) => alerter.send(e), log }) : undefined;
heartbeat.setState('running');
log.info({ metricsPort: metricsServer.port, targetsFile, ...config.monitor }, 'monitor running');

installShutdown(log, async () => {
  summary?.stop();
  await loop.stop();
  await monitor.close();
  await heartbeat.stop();
  metricsServer.server.close();
  await redis.quit();
  await dbHandle.close();
});
