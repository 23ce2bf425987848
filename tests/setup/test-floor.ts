import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busNames, createRedis, type BusNames } from '@floor/bus';
import { createDb, type DbHandle } from '@floor/db';
import { createTestDatabase, createTestRedisPrefix } from './harness.js';
import { pm2Cli, ROOT, run } from './pm2.js';

/**
 * Everything a whole floor under test owns, so that it never touches a user's floor or another test's: a temp
 * folder (config, strategies, local state, a private PM2_HOME), its own database cloned from the migrated template,
 * its own Redis key prefix and PM2 namespace. `open()` creates the database and the environment PM2 and the floor's
 * scripts get; `close()` kills the private PM2 daemon and removes all of it.
 */
export function createTestFloor(label: string) {
  const tmp = mkdtempSync(join(tmpdir(), `floor-${label}-`));
  const pm2Home = join(tmp, 'pm2');
  const configDir = join(tmp, 'config');
  const strategiesDir = join(configDir, 'strategies');
  mkdirSync(strategiesDir, { recursive: true });
  const redisPrefix = createTestRedisPrefix(label);
  const names: BusNames = busNames(redisPrefix.prefix);
  const redis = createRedis(redisPrefix.redisUrl, `${label}-e2e`);
  const namespace = `${label}-${redisPrefix.prefix.slice(-6)}`;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let dbHandle: DbHandle | undefined;
  let env: NodeJS.ProcessEnv = {};
  const cli = pm2Cli(() => env);

  const opened = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`test floor ${label}: ${what} before open()`);
    return value;
  };

  return {
    tmp,
    pm2Home,
    configDir,
    strategiesDir,
    redisPrefix,
    names,
    redis,
    namespace,
    ...cli,
    get db() {
      return opened(dbHandle, 'db').db;
    },
    /** the test database's own URL (the floor may be pointed elsewhere, e.g. through a proxy) */
    get databaseUrl() {
      return opened(database, 'databaseUrl').url;
    },
    get env() {
      return env;
    },
    /** runs one of the repo's TypeScript scripts (scripts/floor-start.ts …) with the floor's environment */
    script: (file: string, ...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', join(ROOT, file), ...args], { cwd: ROOT, env, maxBuffer: 10 * 1024 * 1024 }),
    /** the `floor` command line as a user runs it, with the floor's environment; resolves to its stdout */
    floorCli: async (...args: string[]) => (await run(process.execPath, [join(ROOT, 'bin', 'floor.mjs'), ...args], { cwd: ROOT, env })).stdout,

    /**
     * Creates the database and the floor's environment; `extraEnv` adds or overrides variables (FLOOR_AGENT_SCRIPT,
     * or a DATABASE_URL that reaches the database through a proxy).
     */
    async open(opts: { extraEnv?: (databaseUrl: string) => NodeJS.ProcessEnv } = {}): Promise<void> {
      database = await createTestDatabase(label);
      dbHandle = createDb(database.url, { applicationName: `${label}-e2e` });
      env = {
        ...process.env,
        PM2_HOME: pm2Home,
        DATABASE_URL: database.url,
        REDIS_URL: redisPrefix.redisUrl,
        FLOOR_PREFIX: redisPrefix.prefix,
        FLOOR_CONFIG_DIR: configDir,
        // local state (checkpoints kept during a Postgres outage) stays in the temp folder
        FLOOR_STATE_DIR: join(tmp, 'state'),
        FLOOR_PM2_NAMESPACE: namespace,
        LOG_LEVEL: 'info',
      };
      // a test that wants a fixture agent says so; one inherited from the shell must not leak in
      delete env.FLOOR_AGENT_SCRIPT;
      Object.assign(env, opts.extraEnv?.(database.url) ?? {});
    },

    /**
     * Writes config/floor.yaml from the test's lines, plus port 0 for every process's /metrics: each binds a free
     * port, so a test never collides with a floor running on the same machine.
     */
    writeFloorYaml(lines: readonly string[]): void {
      writeFileSync(join(configDir, 'floor.yaml'), [...lines, 'metricsPorts: { monitor: 0, executor: 0, collector: 0, boss: 0, auditor: 0 }', ''].join('\n'));
    },

    /** the folder where agents keep checkpoints while Postgres is unreachable (FLOOR_STATE_DIR/<prefix>/checkpoints) */
    localCheckpointDir: join(tmp, 'state', redisPrefix.prefix, 'checkpoints'),

    async close(): Promise<void> {
      // the private daemon goes with everything it runs; the user's PM2 is never touched
      await cli.pm2('kill').catch(() => undefined);
      redis.disconnect();
      await dbHandle?.close();
      await database?.drop();
      await redisPrefix.cleanup();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
export type TestFloor = ReturnType<typeof createTestFloor>;
