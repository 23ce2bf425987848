/**
 * The collector process: brings market data in from the configured source (a replayed dataset, the seeded
 * simulator, live Polymarket or the sandbox venue) and fans it out on Redis. Thin by design; the work lives in
 * @floor/feed and @floor/polymarket.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { busNames, createRedis, createSettlementsQueue, recordVenueCall, startHeartbeat } from '@floor/bus';
import { floorConfigPathOf, loadEnv, loadFloorConfig, parseFloorConfig } from '@floor/config';
import { createDb } from '@floor/db';
import { createCollectorMetrics, createMarketsWriter, readCollectorCursor, runCollector, sourceFromConfig } from '@floor/feed';
import { createLiveFeedMetrics, RedisRateLimiter } from '@floor/polymarket';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';

const env = loadEnv();
const log = createLogger('collector', env.LOG_LEVEL);
const configPath = floorConfigPathOf(env);
const floorConfig = existsSync(configPath) ? loadFloorConfig(configPath) : parseFloorConfig({}, configPath);
if (!existsSync(configPath)) log.info({ configPath }, 'no floor config file; using defaults');
const names = busNames(env.FLOOR_PREFIX);

const redis = createRedis(env.REDIS_URL, 'collector');
redis.on('error', (err) => log.warn({ err }, 'redis error'));
const registry = createMetricsRegistry('collector');
const metrics = createCollectorMetrics(registry);

// a live source draws on the floor-wide venue rate budget, shared with every other process through Redis
const source = sourceFromConfig(floorConfig.feed, env.FLOOR_ROOT, {
  polymarket: floorConfig.polymarket,
  limiter: new RedisRateLimiter({ redis, keyPrefix: names.prefix }),
  log,
  metrics: createLiveFeedMetrics(registry),
  // counted for the Boss's API-error breaker; a lost count is not worth disturbing the feed for
  onVenueCall: (ok) => void recordVenueCall(redis, names, ok).catch(() => undefined),
});
try {
  await source.open?.();
} catch (err) {
  // a missing or broken dataset is a setup problem: say which file and stop, restarts will not fix it
  log.fatal({ err, source: source.name }, (err as Error).message);
  process.exit(1);
}

const settlementsQueue = createSettlementsQueue(redis, names);
const dbHandle = createDb(env.DATABASE_URL, { max: 2, applicationName: 'collector' });
const marketsWriter = createMarketsWriter({ db: dbHandle.db, log: log.child({ component: 'markets-writer' }) });

const saved = await readCollectorCursor(redis, names);
if (saved?.source === source.name && source.resume?.(saved.cursor)) log.info({ source: source.name, cursor: saved.cursor }, 'resuming from saved cursor');
else if (saved) log.info({ saved: saved.source, source: source.name }, 'saved cursor is for another source; starting from the beginning');

const metricsPort = env.METRICS_PORT ?? floorConfig.metricsPorts.collector;
const metricsServer = await serveMetrics(registry, metricsPort).catch((err: unknown) => {
  log.warn({ err, port: metricsPort }, 'metrics port unavailable; running without /metrics');
  return undefined;
});

const heartbeat = startHeartbeat(redis, names, { app: 'collector', instanceId: `${hostname()}-${process.pid}`, intervalMs: floorConfig.heartbeat.intervalMs });
if (metricsServer) heartbeat.announceMetrics(metricsServer.port);
const stop = new AbortController();
heartbeat.setState('running', source.name);
const run = runCollector({ source, redis, names, settlementsQueue, log, metrics, marketsWriter, signal: stop.signal }).then(
  (result) => {
    // a finished replay stays up and idle: exiting would make PM2 restart it into the same end
    if (result.stopped === 'ended') heartbeat.setState('idle', `${source.name} ended after ${result.published} events`);
  },
  (err: unknown) => {
    log.fatal({ err }, 'collector loop failed');
    process.exit(1);
  },
);

installShutdown(log, async () => {
  stop.abort();
  await run;
  await marketsWriter.close();
  await heartbeat.stop();
  await settlementsQueue.close();
  await dbHandle.close();
  metricsServer?.server.close();
  await redis.quit();
});
