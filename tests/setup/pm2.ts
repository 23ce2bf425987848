import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root, where PM2 runs the floor from. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PM2_BIN = join(ROOT, 'node_modules', '.bin', 'pm2');
export const run = promisify(execFile);

export interface Pm2Proc {
  readonly name: string;
  readonly pid: number;
  readonly status: string;
  readonly restarts: number;
}

/**
 * The `pm2` command line bound to one environment: a test passes its private PM2_HOME (and database, Redis
 * prefix, config folder) in `env`, so it drives its own daemon and never a user's.
 */
export function pm2Cli(env: () => NodeJS.ProcessEnv) {
  const pm2 = async (...args: string[]) => (await run(PM2_BIN, args, { cwd: ROOT, env: env() })).stdout;
  const processes = async (): Promise<Pm2Proc[]> => {
    const out = await pm2('jlist');
    const parsed = JSON.parse(out.slice(out.indexOf('['))) as Array<{ name: string; pid: number; pm2_env: { status: string; restart_time: number } }>;
    return parsed.map((p) => ({ name: p.name, pid: p.pid, status: p.pm2_env.status, restarts: p.pm2_env.restart_time }));
  };
  const online = async (name: string) => (await processes()).find((p) => p.name === name && p.status === 'online' && p.pid > 0);
  return { pm2, processes, online };
}
