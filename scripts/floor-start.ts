/**
 * `npm start`: check Postgres and Redis, create and migrate the database, start the floor under PM2.
 * `npm run demo` adds `--demo` (make sure the recorded demo dataset exists) and `--attach` (stay in the
 * foreground with a status line every few seconds; Ctrl-C stops the floor gracefully).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { busNames, createRedis, pingRedis } from '@floor/bus';
import { loadEnv, loadFloorConfig, type Env } from '@floor/config';
import { createDb, ensureDatabase, migrateDb, redactUrl } from '@floor/db';
import { formatMicros } from '@floor/domain';
import { collectFloorStatus, type FloorStatus } from '@floor/floor-status';
import {
  connectPm2,
  createPm2Adapter,
  DEFAULT_PM2_NAMESPACE,
  disconnectPm2,
  loadEcosystemApps,
  startFloorApps,
  stopFloor,
} from '@floor/supervisor';

const args = new Set(process.argv.slice(2));
const attach = args.has('--attach');
const demo = args.has('--demo');
const say = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string) => process.stderr.write(`${line}\n`);

async function checkPostgres(env: Env): Promise<string | undefined> {
  // the admin database: the floor's own may not exist yet, which is not an error
  const admin = new URL(env.DATABASE_URL);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message || (err as Error).name;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(env: Env): Promise<string | undefined> {
  try {
    await pingRedis(env.REDIS_URL, 3_000);
    return undefined;
  } catch (err) {
    return (err as Error).message || (err as Error).name;
  }
}

function ensureDemoData(root: string, dataset: string): void {
  const path = resolve(root, dataset);
  if (existsSync(path)) return;
  const generator = join(root, 'scripts', 'generate-demo-data.ts');
  if (!existsSync(generator)) {
    fail(`demo dataset ${dataset} is missing and there is no generator (scripts/generate-demo-data.ts)`);
    process.exit(1);
  }
  say(`demo dataset ${dataset} is missing; generating it (npm run data:generate)…`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', generator], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    fail('could not generate the demo dataset');
    process.exit(1);
  }
}

function statusLine(s: FloorStatus): string {
  const procs = s.processes ?? [];
  const online = procs.filter((p) => p.status === 'online').length;
  const t = s.totals;
  return [
    new Date(s.generatedAtMs).toISOString().slice(11, 19),
    `processes ${online}/${procs.length} online`,
    `agents ${s.agents.filter((a) => a.process?.status === 'online').length}/${s.agents.length}`,
    `equity ${t.equity.usd}${t.missingMarks ? '*' : ''}`,
    `realized ${t.realizedPnl.usd}`,
    `unrealized ${t.unrealizedPnl.usd}`,
    `fees ${t.fees.usd}`,
    `config errors ${s.configErrors.length}`,
    `kill ${s.killSwitch.on ? 'ON' : 'off'}`,
  ].join(' | ');
}

async function attachUntilSignal(env: Env, namespace: string, staleAfterMs: number): Promise<never> {
  const dbHandle = createDb(env.DATABASE_URL, { max: 2, applicationName: 'floor-start' });
  const redis = createRedis(env.REDIS_URL, 'floor-start');
  const names = busNames(env.FLOOR_PREFIX);
  const pm2 = createPm2Adapter({ namespace });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the floor gracefully (the Boss stops the agents first)…`);
    try {
      const report = await stopFloor(namespace);
      say(`stopped: boss ${report.boss ? 'yes' : 'was not running'}; services ${report.services.join(', ') || 'none'}`);
      disconnectPm2();
      redis.disconnect();
      await dbHandle.close();
      process.exit(0);
    } catch (err) {
      fail(`could not stop the floor cleanly: ${(err as Error).message}; try \`npm stop\``);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  say('attached: a status line every 3 s; Ctrl-C stops the floor.');
  for (;;) {
    if (!stopping) {
      try {
        const status = await collectFloorStatus({ db: dbHandle.db, redis, names, pm2List: await pm2.list(), staleAfterMs });
        say(statusLine(status));
      } catch (err) {
        say(`status unavailable: ${(err as Error).message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 3_000));
  }
}

/** The bundled synthetic dataset the demo's sandbox venue replays, and how fast (6.5 sim-days in ~5 minutes, then an endless simulated market). */
const DEMO_DATASET = 'data/demo.jsonl.gz';
const DEMO_SANDBOX_ARGS = `--data ${DEMO_DATASET} --then-sim --speed 1800 --port 8787`;

async function main(): Promise<void> {
  if (demo) {
    // The demo is the ordinary floor with its own config folder (feed: sandbox) plus the sandbox venue as one more
    // PM2 app. These variables go to the PM2 children (ecosystem.config.cjs reads them), so they are set here,
    // before the environment is parsed, rather than read from it.
    process.env.FLOOR_CONFIG_DIR ??= 'config/demo';
    process.env.FLOOR_SANDBOX_ARGS ??= DEMO_SANDBOX_ARGS;
  }
  const env = loadEnv();
  const root = resolve(env.FLOOR_ROOT);
  const floor = loadFloorConfig(join(resolve(root, env.FLOOR_CONFIG_DIR), 'floor.yaml'));
  const namespace = env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE;

  const [pgProblem, redisProblem] = await Promise.all([checkPostgres(env), checkRedis(env)]);
  if (pgProblem || redisProblem) {
    if (pgProblem) fail(`Postgres is not reachable at ${redactUrl(env.DATABASE_URL)}: ${pgProblem}`);
    if (redisProblem) fail(`Redis is not reachable at ${redactUrl(env.REDIS_URL)}: ${redisProblem}`);
    const which = pgProblem && redisProblem ? 'both' : pgProblem ? 'Postgres' : 'Redis';
    fail(`Start ${which} and run \`npm start\` again:`);
    fail('  with Docker:   docker compose up -d postgres redis');
    fail('  without:       start the local service (e.g. `sudo systemctl start postgresql redis-server`,');
    fail('                 or `brew services start postgresql redis`), or set DATABASE_URL / REDIS_URL.');
    process.exit(1);
  }

  // migrations run as the owner (DATABASE_MIGRATION_URL) when the floor itself connects as the restricted role
  const ownerUrl = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
  const { created } = await ensureDatabase(ownerUrl);
  await migrateDb(ownerUrl);
  say(`Postgres ${redactUrl(env.DATABASE_URL)} ready${created ? ' (database created)' : ''}, schema migrated; Redis ${redactUrl(env.REDIS_URL)} ready`);
  if (demo) ensureDemoData(root, DEMO_DATASET);

  await connectPm2();
  const started = await startFloorApps(loadEcosystemApps(join(root, 'ecosystem.config.cjs')), namespace);
  say(started.length ? `started under PM2: ${started.join(', ')}` : 'the floor was already running');
  say(`mode: ${floor.execution.mode}; bankroll ${formatMicros(floor.bankrollUsd)} USD; strategies in ${join(env.FLOOR_CONFIG_DIR, 'strategies')}/`);
  say('  npx pm2 ls           processes (agents appear as agent-<id> once the Boss starts them)');
  say('  npx floor status     agents, cash, PnL, heartbeats, config errors');
  say('  npx pm2 logs boss    what the Boss is doing');
  say('  npm stop             stop everything gracefully');

  if (attach) await attachUntilSignal(env, namespace, floor.heartbeat.staleAfterMs);
  disconnectPm2();
}

main().catch((err: unknown) => {
  fail(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
