import { Command, CommanderError } from 'commander';
import { createRedis } from '@floor/bus';
import { FloorConfig, floorConfigPathOf, loadFloorConfig, type Env } from '@floor/config';
import { createDb } from '@floor/db';
import { connectPm2, createPm2Adapter, DEFAULT_PM2_NAMESPACE, disconnectPm2, isPm2DaemonRunning, type Pm2Process } from '@floor/supervisor';

/** What every `floor` command shares: exit codes, clients that fail fast, PM2's view, JSON output. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/** Postgres and Redis for one command, failing fast instead of retrying forever when one is down. */
export async function withClients<T>(env: Env, fn: (c: { db: ReturnType<typeof createDb>['db']; redis: ReturnType<typeof createRedis> }) => Promise<T>): Promise<T> {
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
export async function floorProcesses(env: Env): Promise<Pm2Process[] | undefined> {
  if (!isPm2DaemonRunning()) return undefined;
  await connectPm2();
  try {
    return await createPm2Adapter({ namespace: env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE }).list();
  } finally {
    disconnectPm2();
  }
}

/** The floor config for display thresholds; a broken floor.yaml must not stop `floor status` from working. */
export function floorConfigOrDefault(env: Env): FloorConfig {
  try {
    return loadFloorConfig(floorConfigPathOf(env));
  } catch {
    return FloorConfig.parse({});
  }
}

export const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);


/** A usage error (exit 2) with a message, for checks commander cannot express. */
export function usageError(message: string): CommanderError {
  return new CommanderError(EXIT_USAGE, 'floor.usage', message);
}

/** A command's registration: it adds itself to the program. */
export type RegisterCommand = (program: Command, env: Env) => void;
