import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import pm2 from 'pm2';
import { z } from 'zod';
import type { ProcessView } from './plan.js';

/**
 * The Boss's hands: a thin promise wrapper over PM2's programmatic API. It talks to the daemon of the current
 * PM2_HOME (PM2 resolves it from the environment when the module loads), so a test with a private PM2_HOME
 * never touches the user's processes.
 *
 * Operations go by pm_id rather than name: PM2 resolves a name across every namespace, and a name shared with
 * some other app in the same daemon must not be stopped by us.
 */

/** PM2 namespace of the floor's processes when FLOOR_PM2_NAMESPACE is not set (ecosystem.config.cjs agrees). */
export const DEFAULT_PM2_NAMESPACE = 'floor';

export interface Pm2Process extends ProcessView {
  readonly pmId: number;
  readonly namespace: string | undefined;
}

/** How one agent process is run. */
export interface AgentProcessOptions {
  readonly processName: string;
  /** absolute path of the script */
  readonly script: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly specHash: string;
  /** time for a graceful stop (checkpoint) before PM2 sends SIGKILL */
  readonly killTimeoutMs: number;
}

/** The PM2 operations the Boss needs; the real one is `createPm2Adapter`. */
export interface Pm2Port {
  list(): Promise<Pm2Process[]>;
  startAgent(opts: AgentProcessOptions): Promise<void>;
  restart(proc: Pm2Process): Promise<void>;
  stop(proc: Pm2Process): Promise<void>;
  /** stop (gracefully) and forget the process */
  remove(proc: Pm2Process): Promise<void>;
}

/** The environment variable carrying the spec hash an agent was started with; read back to adopt it later. */
export const SPEC_HASH_ENV = 'FLOOR_AGENT_SPEC_HASH';

const Pm2ListEntry = z.object({
  name: z.string(),
  pid: z.number().optional(),
  pm_id: z.number(),
  pm2_env: z
    .object({
      status: z.string().default('unknown'),
      pm_uptime: z.number().optional(),
      restart_time: z.number().default(0),
      namespace: z.string().optional(),
      env: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

function toProcess(raw: unknown, nowMs: number): Pm2Process | undefined {
  const parsed = Pm2ListEntry.safeParse(raw);
  if (!parsed.success) return undefined;
  const p = parsed.data;
  const env = p.pm2_env;
  const status = env?.status ?? 'unknown';
  const hash = env?.env?.[SPEC_HASH_ENV];
  return {
    name: p.name,
    pmId: p.pm_id,
    namespace: env?.namespace,
    status,
    // PM2 reports pid 0 for a process that is not running
    pid: p.pid ? p.pid : undefined,
    restarts: env?.restart_time ?? 0,
    uptimeMs: status === 'online' && env?.pm_uptime ? Math.max(0, nowMs - env.pm_uptime) : 0,
    specHash: typeof hash === 'string' ? hash : undefined,
  };
}

const call = <T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** Connects to (or, if none runs, starts) the PM2 daemon of the current PM2_HOME. */
export function connectPm2(): Promise<void> {
  return call<void>((cb) => pm2.connect((err) => cb(err, undefined)));
}

export function disconnectPm2(): void {
  pm2.disconnect();
}

/** Every process the daemon knows, in every namespace. */
export async function listAllPm2(nowMs = Date.now()): Promise<Pm2Process[]> {
  const raw = await call<unknown[]>((cb) => pm2.list((err, list) => cb(err, list as unknown[])));
  return raw.flatMap((r) => toProcess(r, nowMs) ?? []);
}

/**
 * Whether a PM2 daemon runs for the current PM2_HOME, without starting one (`pm2.connect` would). Read-only
 * tools (`floor status`) use it so that looking at a stopped floor does not leave a daemon behind.
 */
export function isPm2DaemonRunning(): boolean {
  const constants = z
    .object({ PM2_PID_FILE_PATH: z.string(), DAEMON_RPC_PORT: z.string() })
    .parse(createRequire(import.meta.url)('pm2/constants'));
  if (!existsSync(constants.DAEMON_RPC_PORT) || !existsSync(constants.PM2_PID_FILE_PATH)) return false;
  const pid = Number.parseInt(readFileSync(constants.PM2_PID_FILE_PATH, 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive but someone else's; anything else: gone
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PM2 adapter for one floor: lists and manages only the processes of its namespace. */
export function createPm2Adapter(opts: { namespace: string }): Pm2Port {
  const ours = (p: Pm2Process) => (p.namespace ?? 'default') === opts.namespace;
  const byId = (verb: 'stop' | 'restart' | 'delete', pmId: number) =>
    call<unknown>((cb) => pm2[verb](pmId, (err, procs) => cb(err, procs)));

  return {
    async list() {
      return (await listAllPm2()).filter(ours);
    },
    async startAgent(agent) {
      // A previous incarnation (stopped, errored or running an old spec) goes first: PM2 would otherwise restart
      // it with its old environment instead of starting the new spec.
      for (const old of (await listAllPm2()).filter((p) => ours(p) && p.name === agent.processName)) {
        await byId('delete', old.pmId);
      }
      await call<unknown>((cb) =>
        pm2.start(
          {
            name: agent.processName,
            namespace: opts.namespace,
            script: agent.script,
            cwd: agent.cwd,
            interpreter: 'node',
            node_args: ['--import', 'tsx'],
            env: { ...agent.env, [SPEC_HASH_ENV]: agent.specHash },
            // PM2 merges the caller's whole environment into a new app, and the Boss's environment holds PM2's
            // own settings for the Boss (kill_timeout, namespace, max_restarts, ...), which would override the
            // agent's. filter_env drops every inherited name containing '' (all of them): `env` is the lot.
            filter_env: [''],
            autorestart: true,
            kill_timeout: agent.killTimeoutMs,
            exp_backoff_restart_delay: 200,
            // PM2's own crash-loop guard; past it the process shows `errored` and the Boss backs off
            max_restarts: 10,
            min_uptime: 5_000,
            merge_logs: true,
            time: false,
          },
          (err, procs) => cb(err, procs),
        ),
      );
    },
    async restart(proc) {
      await byId('restart', proc.pmId);
    },
    async stop(proc) {
      await byId('stop', proc.pmId);
    },
    async remove(proc) {
      if (proc.status === 'online' || proc.status === 'launching') await byId('stop', proc.pmId);
      await byId('delete', proc.pmId);
    },
  };
}
