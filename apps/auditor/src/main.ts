import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Alerter, channelsFromEnv } from '@floor/alerts';
import { createAuditMetrics, onCriticalFinding, startFillAuditConsumer, startIdentityChecks } from '@floor/audit';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { floorConfigPathOf, loadEnv, loadFloorConfig, parseFloorConfig } from '@floor/config';
import { createDb } from '@floor/db';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

/** How often the floor-wide ledger identity is re-checked. */
const IDENTITY_INTERVAL_MS = 30_000;

const env = loadEnv();
const log = createLogger('auditor', env.LOG_LEVEL);
const configPath = floorConfigPathOf(env);
// From floor.yaml the auditor needs ports, heartbeat timing, audit.onCriticalFinding and the risk limits it holds
// fills to (the same file the executor reads); the defaults serve when it is absent.
const config = existsSync(configPath) ? loadFloorConfig(configPath) : parseFloorConfig({});
const names = busNames(env.FLOOR_PREFIX);
// One auditor per host: the host name keeps the consumer name stable across restarts (its pending list survives).
const instanceId = hostname();

const registry = createMetricsRegistry('auditor');
const metrics = createAuditMetrics(registry);
const dbHandle = createDb(env.DATABASE_URL, { applicationName: 'floor-auditor' });
const redis = createRedis(env.REDIS_URL, 'auditor');
const streamRedis = createRedis(env.REDIS_URL, 'auditor-stream');

const alerter = new Alerter({ channels: channelsFromEnv(env), log: log.child({ component: 'alerts' }) });
// New critical findings trip a kill switch (floor.yaml audit.onCriticalFinding) before they are stored.
const onNewFindings = onCriticalFinding({
  redis,
  db: dbHandle.db,
  names,
  mode: config.audit.onCriticalFinding,
  log: log.child({ component: 'kill-on-finding' }),
  alert: (event) => alerter.send(event),
});

const heartbeat = startHeartbeat(redis, names, { app: 'auditor', instanceId, intervalMs: config.heartbeat.intervalMs });
const metricsServer = await serveMetrics(registry, env.METRICS_PORT ?? config.metricsPorts.auditor, () => ({
  ok: true,
  state: heartbeat.state,
}));

heartbeat.announceMetrics(metricsServer.port);

const consumer = await startFillAuditConsumer({
  db: dbHandle.db,
  redis: streamRedis,
  stream: names.fillsStream,
  group: 'auditor',
  consumer: instanceId,
  log: log.child({ component: 'fill-consumer' }),
  context: { risk: config.risk },
  metrics,
  onNewFindings,
  onHealth: (state, why) => heartbeat.setState(state, why),
});
const identity = startIdentityChecks({
  db: dbHandle.db,
  intervalMs: IDENTITY_INTERVAL_MS,
  log: log.child({ component: 'ledger-identity' }),
  metrics,
  onNewFindings,
});
heartbeat.setState('running');
log.info(
  { stream: names.fillsStream, metricsPort: metricsServer.port, instanceId, onCriticalFinding: config.audit.onCriticalFinding, alertChannels: alerter.channelNames },
  'auditor running',
);

installShutdown(log, async () => {
  await consumer.stop();
  await identity.stop();
  await heartbeat.stop();
  metricsServer.server.close();
  streamRedis.disconnect();
  await redis.quit();
  await dbHandle.close();
});
