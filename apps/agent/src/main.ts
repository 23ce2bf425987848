import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnv, loadFloorConfig, parseFloorConfig, parseStrategyFile, type AgentSpec, type FloorConfig } from '@floor/config';
import { busNames, createRedis, startHeartbeat } from '@floor/bus';
import { createDb } from '@floor/db';
import { createAgentRuntime } from '@floor/agent-runtime';
import { validateStrategyParams } from '@floor/strategies';
import { createLogger, installShutdown } from '@floor/telemetry';

/**
 * One trader agent (STYLE #8: config, logger, clients, wiring, shutdown; the logic is in @floor/agent-runtime).
 * The Boss starts it under PM2 as `agent-<id>` with AGENT_ID set; its strategy file is
 * `<FLOOR_ROOT>/<FLOOR_CONFIG_DIR>/strategies/<AGENT_ID>.yaml` (or .yml).
 */
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

const runtime = createAgentRuntime({
  agentId,
  spec,
  db: db.db,
  redis: { reader, writer },
  names,
  log,
  checkpointIntervalMs: floor.checkpointIntervalMs,
  heartbeat,
});

installShutdown(log, async () => {
  await runtime.stop();
  await heartbeat.stop('stopping');
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
