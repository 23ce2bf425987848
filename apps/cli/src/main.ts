import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Argument, Command, CommanderError } from 'commander';
import { busNames, createRedis, setAgentKillSwitch, setKillSwitch } from '@floor/bus';
import { FloorConfig, loadEnv, loadFloorConfig, type Env } from '@floor/config';
import { AGENT_ID_RE, agentProcessName } from '@floor/domain';
import { appendAudit, createDb, listAgents, redactUrl } from '@floor/db';
import { collectFloorStatus, renderFloorStatus } from '@floor/floor-status';
import {
  connectPm2,
  createPm2Adapter,
  DEFAULT_PM2_NAMESPACE,
  disconnectPm2,
  isPm2DaemonRunning,
  type Pm2Process,
} from '@floor/supervisor';

/**
 * `floor`: the operator's command line. Exit codes: 0 ok, 1 error (a dependency down, a failed write),
 * 2 usage (unknown command or option, bad argument).
 */

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

/** Postgres and Redis for one command, failing fast instead of retrying forever when one is down. */
async function withClients<T>(env: Env, fn: (c: { db: ReturnType<typeof createDb>['db']; redis: ReturnType<typeof createRedis> }) => Promise<T>): Promise<T> {
  const dbHandle = createDb(env.DATABASE_URL, { max: 2, applicationName: 'floor-cli' });
  const redis = createRedis(env.REDIS_URL, 'floor-cli', { maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 3_000 });
  redis.on('error', () => undefined);
  try {
    return await fn({ db: dbHandle.db, redis });
  } finally {
    redis.disconnect();
    await dbHandle.close();
  }
}

/** What PM2 runs in the floor's namespace, or undefined when no daemon runs (never starts one just to look). */
async function floorProcesses(env: Env): Promise<Pm2Process[] | undefined> {
  if (!isPm2DaemonRunning()) return undefined;
  await connectPm2();
  try {
    return await createPm2Adapter({ namespace: env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE }).list();
  } finally {
    disconnectPm2();
  }
}

/** The floor config for display thresholds; a broken floor.yaml must not stop `floor status` from working. */
function floorConfigOrDefault(env: Env): FloorConfig {
  try {
    return loadFloorConfig(join(resolve(env.FLOOR_ROOT, env.FLOOR_CONFIG_DIR), 'floor.yaml'));
  } catch {
    return FloorConfig.parse({});
  }
}

const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

function buildProgram(env: Env): Command {
  const program = new Command('floor')
    .description('Operate the Polymarket trading floor (paper trading unless all three live switches are on)')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('status')
    .description('processes, heartbeats, agents with cash/positions/PnL, config errors and the kill switch')
    .option('--json', 'print the status as JSON (same numbers as the table)')
    .action(async (opts: { json?: boolean }) => {
      const pm2List = await floorProcesses(env);
      const floor = floorConfigOrDefault(env);
      const status = await withClients(env, ({ db, redis }) =>
        collectFloorStatus({ db, redis, names: busNames(env.FLOOR_PREFIX), pm2List, staleAfterMs: floor.heartbeat.staleAfterMs }),
      );
      if (opts.json) printJson(status);
      else process.stdout.write(`${renderFloorStatus(status)}\n`);
    });

  program
    .command('agents')
    .description('the agents the Boss knows, their strategy, weight and process')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const pm2List = (await floorProcesses(env)) ?? [];
      const rows = await withClients(env, ({ db }) => listAgents(db));
      const agents = rows.map((r) => {
        const proc = pm2List.find((p) => p.name === agentProcessName(r.id));
        return {
          agentId: r.id,
          strategy: r.strategy,
          status: r.status,
          weight: r.weight,
          live: r.live,
          generation: r.generation,
          process: proc ? { status: proc.status, pid: proc.pid ?? null, restarts: proc.restarts, uptimeMs: proc.uptimeMs } : null,
          sourceFile: r.sourceFile,
          params: r.params,
        };
      });
      if (opts.json) {
        printJson(agents);
        return;
      }
      if (agents.length === 0) {
        process.stdout.write('no agents yet: drop a strategy file into config/strategies/\n');
        return;
      }
      const lines = agents.map((a) =>
        [a.agentId, a.strategy, a.status, String(a.weight), a.live ? 'LIVE' : 'paper', a.process?.status ?? '-', a.sourceFile ?? '-'],
      );
      const header = ['AGENT', 'STRATEGY', 'STATUS', 'WEIGHT', 'MODE', 'PROCESS', 'FILE'];
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
      for (const l of [header, ...lines]) process.stdout.write(`${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
    });

  program
    .command('kill')
    .description('turn the kill switch on or off: when on, the executor denies every new order (of one agent with --agent)')
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .option('--agent <id>', 'only this agent')
    .option('--reason <text>', 'why, recorded with the switch and in the audit log', 'set by operator')
    .action(async (state: 'on' | 'off', opts: { agent?: string; reason: string }) => {
      if (opts.agent !== undefined && !AGENT_ID_RE.test(opts.agent)) {
        throw new CommanderError(EXIT_USAGE, 'floor.usage', `not an agent id: ${opts.agent}`);
      }
      const on = state === 'on';
      const names = busNames(env.FLOOR_PREFIX);
      await withClients(env, async ({ db, redis }) => {
        // The switch first: it is what protects the money. If the audit write then fails, the command exits 1
        // with the switch already set, which is the safe way round.
        if (opts.agent) await setAgentKillSwitch(redis, names, opts.agent, on, opts.reason);
        else await setKillSwitch(redis, names, on, opts.reason);
        await appendAudit(db, {
          actor: { type: 'operator', user: userInfo().username },
          action: 'killswitch.set',
          subject: opts.agent ?? 'floor',
          detail: { on, reason: opts.reason },
        });
      });
      process.stdout.write(`kill switch ${on ? 'ON' : 'off'} for ${opts.agent ? `agent ${opts.agent}` : 'the whole floor'}\n`);
    });

  return program;
}

async function main(argv: string[]): Promise<number> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (err) {
    process.stderr.write(`floor: ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT_OK;
      if (err.code === 'floor.usage') process.stderr.write(`floor: ${err.message}\n`);
      // commander has already printed its own usage message
      return EXIT_USAGE;
    }
    process.stderr.write(`floor: ${describeFailure(err, env)}\n`);
    return EXIT_ERROR;
  }
}

/** Error codes that mean "the floor's Postgres/Redis is not there or not set up", not a bug. */
const NOT_SET_UP = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '3D000' /* no such database */, '42P01' /* no such table */]);

/**
 * One line that says what failed, without a stack trace or a password. Drizzle wraps driver errors ("Failed
 * query: …"), so the root cause is the informative part.
 */
function describeFailure(err: unknown, env: Env): string {
  let root: unknown = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = root instanceof Error ? root.message || root.name : String(root);
  const code = (root as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NOT_SET_UP.has(code)) {
    return `${message} (Postgres ${redactUrl(env.DATABASE_URL)}, Redis ${redactUrl(env.REDIS_URL)}; \`npm start\` checks both and creates the database)`;
  }
  return message;
}

process.exitCode = await main(process.argv);
