import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnv, loadFloorConfig, parseFloorConfig, parseStrategyFile, stateDirOf, type AgentSpec, type FloorConfig } from '@floor/config';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { createDb } from '@floor/db';
import { getStrategy, validateStrategyParams, type AnyStrategy } from '@floor/strategies';
import { createLogger, createMetricsRegistry, installShutdown, serveMetrics } from '@floor/telemetry';
import { createLiveForecasts } from './forecasts.js';
import { createAgentRuntime } from './runtime.js';

export interface AgentProcessOptions {
  /**
   * The strategy this agent runs, given the one its file names (from the registry). Default: that one, unchanged.
   * Tests use it to run the real agent around a strategy of their own (tests/fixtures/faulty-agent.ts).
   */
  readonly strategy?: (registered: AnyStrategy, agent: { readonly agentId: string; readonly spec: AgentSpec }) => AnyStrategy;
}

/**
 * One trader agent process, from the environment to a running loop (STYLE #8: config, logger, clients, wiring,
 * shutdown; the logic is in `createAgentRuntime`). The Boss starts it under PM2 as `agent-<id>` with AGENT_ID set;
 * its strategy file is `<FLOOR_ROOT>/<FLOOR_CONFIG_DIR>/strategies/<AGENT_ID>.yaml` (or .yml).
 *
 * It owns the process: a missing AGENT_ID or a bad file exits 2 (a restart cannot fix it), a failed boot exits 1
 * (crash-only: PM2 restarts it), SIGINT/SIGTERM stop it gracefully. Resolves once the agent runs.
 */
export async function runAgentProcess(options: AgentProcessOptions = {}): Promise<void> {
  const env = loadEnv();
  const agentId = env.AGENT_ID;
  if (!agentId) {
    console.error('agent: AGENT_ID is not set (the Boss sets it to the strategy file name, e.g. AGENT_ID=momentum-1)');
    process.exit(2);
  }
  const log = createLogger('agent', env.LOG_LEVEL, { agentId });

  const configDir = resolve(env.FLOOR_ROOT, env.FLOOR_CONFIG_DIR);
  let spec: AgentSpec;
  let floor: FloorConfig;
  try {
    const floorFile = join(configDir, 'floor.yaml');
    floor = existsSync(floorFile) ? loadFloorConfig(floorFile) : parseFloorConfig({});
    const strategyFile = ['yaml', 'yml'].map((ext) => join(configDir, 'strategies', `${agentId}.${ext}`)).find((f) => existsSync(f));
    if (!strategyFile) throw new Error(`no strategy file ${join(configDir, 'strategies', `${agentId}.yaml`)} (or .yml)`);
    spec = parseStrategyFile(readFileSync(strategyFile, 'utf8'), strategyFile, validateStrategyParams);
  } catch (err) {
    log.fatal({ err }, 'agent config invalid');
    process.exit(2);
  }

  const db = createDb(env.DATABASE_URL, { max: 2, applicationName: `agent-${agentId}` });
  const reader = createRedis(env.REDIS_URL, `agent-${agentId}-xread`);
  const writer = createRedis(env.REDIS_URL, `agent-${agentId}`);
  const names = busNames(env.FLOOR_PREFIX);
  const heartbeat = startHeartbeat(writer, names, { app: 'agent', instanceId: agentId, agentId, intervalMs: floor.heartbeat.intervalMs });

  // /metrics on a free port, announced in the heartbeat: the monitor lists it for Prometheus (file_sd), so agents
  // the Boss starts later are scraped too. Metrics are for people: a failure to serve them does not stop trading.
  const metricsServer = await serveMetrics(createMetricsRegistry('agent'), 0, () => ({ ok: true, state: heartbeat.state })).catch((err: unknown) => {
    log.warn({ err }, 'metrics unavailable; running without /metrics');
    return undefined;
  });
  if (metricsServer) heartbeat.announceMetrics(metricsServer.port);

  // An AI agent without its API keys must not trade, and must not crash-loop either: it stays up, faulted, and its
  // heartbeat names the missing variable, which `floor status` shows. The rest of the floor is unaffected.
  const forecasts = createLiveForecasts({ spec, env, db: db.db, log });
  if (forecasts.kind === 'missing-keys') {
    const detail = `missing environment variable(s): ${forecasts.missing.join(', ')}`;
    log.error({ missing: forecasts.missing }, 'AI agent cannot start without its API keys');
    heartbeat.setState('faulted', detail);
    installShutdown(log, async () => {
      await heartbeat.stop('stopping');
      await db.close();
      reader.disconnect();
      await writer.quit();
    });
    await new Promise<never>(() => undefined);
  }

  const registered = getStrategy(spec.strategy);
  const runtime = createAgentRuntime({
    agentId,
    spec,
    strategy: options.strategy ? options.strategy(registered, { agentId, spec }) : registered,
    db: db.db,
    redis: { reader, writer },
    names,
    log,
    checkpointIntervalMs: floor.checkpointIntervalMs,
    heartbeat,
    localCheckpointDir: join(stateDirOf(env), 'checkpoints'),
    ...(forecasts.kind === 'ready' ? { forecasts: forecasts.broker } : {}),
  });

  installShutdown(log, async () => {
    await runtime.stop();
    await heartbeat.stop('stopping');
    metricsServer?.server.close();
    await db.close();
    reader.disconnect();
    await writer.quit();
  });

  try {
    await runtime.start();
  } catch (err) {
    // crash-only: PM2 restarts us and the next boot takes the same path (Postgres or Redis may be back)
    log.fatal({ err }, 'agent boot failed');
    process.exit(1);
  }
  log.info({ strategy: spec.strategy, markets: spec.markets, live: spec.live }, 'agent running');
}
