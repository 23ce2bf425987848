import { Alerter, channelsFromEnv } from '@floor/alerts';
import { isAbsolute, join, resolve } from 'node:path';
import { loadEnv, loadFloorConfig } from '@floor/config';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { createDb } from '@floor/db';
import { getStrategy, validateStrategyParams } from '@floor/strategies';
import {
  agentEnvironment,
  connectPm2,
  createPm2Adapter,
  DEFAULT_PM2_NAMESPACE,
  disconnectPm2,
  FloorBoss,
  watchDir,
} from '@floor/supervisor';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

/**
 * The Floor Boss process: wires config, Postgres, Redis and PM2 to the reconcile loop in @floor/supervisor
 * (supervision, circuit breakers, and each `evolution.periodMs` the evaluation: capital, clones, retirements).
 * Stopping the Boss (SIGINT from `pm2 stop`, or SIGTERM) stops every agent first, so stopping the floor
 * through PM2 leaves no agent trading unsupervised.
 */
const env = loadEnv();
const log = createLogger('boss', env.LOG_LEVEL);
const root = resolve(env.FLOOR_ROOT);
const configDir = resolve(root, env.FLOOR_CONFIG_DIR);
const strategiesDir = join(configDir, 'strategies');
const floor = (() => {
  try {
    return loadFloorConfig(join(configDir, 'floor.yaml'));
  } catch (err) {
    log.fatal({ err }, 'cannot load floor config');
    process.exit(1);
  }
})();

const dbHandle = createDb(env.DATABASE_URL, { applicationName: 'boss' });
const redis = createRedis(env.REDIS_URL, 'boss');
const names = busNames(env.FLOOR_PREFIX);
await connectPm2();

const heartbeat = startHeartbeat(redis, names, { app: 'boss', instanceId: 'boss', intervalMs: floor.heartbeat.intervalMs });
// process metrics on metricsPorts.boss, announced in the heartbeat for Prometheus discovery (file_sd via the monitor)
const metricsServer = await serveMetrics(createMetricsRegistry('boss'), floor.metricsPorts.boss, () => ({ ok: true, state: heartbeat.state })).catch(
  (err: unknown) => {
    log.warn({ err, port: floor.metricsPorts.boss }, 'metrics port unavailable; running without /metrics');
    return undefined;
  },
);
if (metricsServer) heartbeat.announceMetrics(metricsServer.port);
const alerter = new Alerter({ channels: channelsFromEnv(env), log: log.child({ part: 'alerts' }) });
const boss = new FloorBoss({
  floor,
  strategiesDir,
  agentScript: isAbsolute(env.FLOOR_AGENT_SCRIPT) ? env.FLOOR_AGENT_SCRIPT : join(root, env.FLOOR_AGENT_SCRIPT),
  cwd: root,
  agentEnv: agentEnvironment(env),
  db: dbHandle.db,
  redis,
  names,
  pm2: createPm2Adapter({ namespace: env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE }),
  log,
  validateParams: validateStrategyParams,
  paramsSchema: (strategy) => getStrategy(strategy).params,
  root,
  // the Alerter never throws and retries on its own: an alert must not hold up supervision
  alert: (event) => void alerter.send(event),
});
const watcher = watchDir({ dir: strategiesDir, log, onChange: () => boss.trigger() });

// the Boss must outlive its agents' graceful stops: PM2's kill_timeout for it (30 s) is above this deadline
installShutdown(
  log,
  async () => {
    heartbeat.setState('stopping', 'stopping agents');
    watcher.close();
    await boss.stop();
    await boss.stopAllAgents('floor-shutdown');
    await heartbeat.stop();
    metricsServer?.server.close();
    disconnectPm2();
    await redis.quit();
    await dbHandle.close();
  },
  28_000,
);

await boss.start(1_000);
heartbeat.setState('running');
log.info(
  {
    strategiesDir,
    namespace: env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE,
    bankrollUsd: floor.bankrollUsd,
    evolution: { enabled: floor.evolution.enabled, periodMs: floor.evolution.periodMs, cloneTestDataset: floor.evolution.cloneTestDataset ?? null },
  },
  'boss running',
);
