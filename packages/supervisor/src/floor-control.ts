import { createRequire } from 'node:module';
import pm2, { type StartOptions } from 'pm2';
import { z } from 'zod';
import { agentIdOfProcess } from './plan.js';
import { listAllPm2, type Pm2Process } from './pm2-adapter.js';

/**
 * Starting and stopping the whole floor under PM2, shared by `npm start`, `npm stop` and the e2e tests.
 * The ecosystem file stays the single description of the floor's processes; this module only decides the
 * order: the Boss is stopped first and alone, because stopping it stops the agents (they checkpoint), and only
 * then the services the agents were using.
 */

/** The fields of an ecosystem app this module relies on; the rest goes to PM2 untouched. */
const EcosystemApp = z.looseObject({ name: z.string().min(1), namespace: z.string().optional() });
type EcosystemApp = z.infer<typeof EcosystemApp>;

/** Loads the apps of an ecosystem file. It reads the current environment when loaded, as `pm2 start` would. */
export function loadEcosystemApps(ecosystemPath: string): EcosystemApp[] {
  const mod: unknown = createRequire(import.meta.url)(ecosystemPath);
  return z.object({ apps: z.array(EcosystemApp).min(1) }).parse(mod).apps;
}

const call = <T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

const inNamespace = (namespace: string) => (p: Pm2Process) => (p.namespace ?? 'default') === namespace;

/**
 * Starts every app of the ecosystem that is not already online. Already-running apps are left alone, so a second
 * `npm start` is harmless (PM2 would otherwise restart them, and a restarted Boss stops and restarts every
 * agent). Returns the names started.
 */
export async function startFloorApps(apps: readonly EcosystemApp[], namespace: string): Promise<string[]> {
  const running = (await listAllPm2()).filter(inNamespace(namespace));
  const started: string[] = [];
  for (const app of apps) {
    const existing = running.filter((p) => p.name === app.name);
    if (existing.some((p) => p.status === 'online' || p.status === 'launching')) continue;
    // a stopped or errored entry from an earlier run goes, so the app starts with today's config and environment
    for (const old of existing) await call<unknown>((cb) => pm2.delete(old.pmId, (err, procs) => cb(err, procs)));
    await call<unknown>((cb) => pm2.start(app as StartOptions, (err, procs) => cb(err, procs)));
    started.push(app.name);
  }
  return started;
}

export interface StopReport {
  readonly boss: boolean;
  readonly services: string[];
  /** agents still running after the Boss stopped (it was down or failed to stop them), stopped here */
  readonly leftoverAgents: string[];
}

/**
 * Stops the floor gracefully and keeps every process listed (stopped, not deleted): logs, restart counts and
 * the agents' checkpoints all stay. Order: Boss (which stops the agents), then the other services together,
 * then any agent the Boss did not stop.
 */
export async function stopFloor(namespace: string, bossName = 'boss'): Promise<StopReport> {
  const stopById = (p: Pm2Process) => call<unknown>((cb) => pm2.stop(p.pmId, (err, procs) => cb(err, procs)));
  const isUp = (p: Pm2Process) => !['stopped', 'errored'].includes(p.status);
  const ours = (await listAllPm2()).filter(inNamespace(namespace));

  const bosses = ours.filter((p) => p.name === bossName && isUp(p));
  for (const b of bosses) await stopById(b);

  const services = ours.filter((p) => p.name !== bossName && agentIdOfProcess(p.name) === undefined && isUp(p));
  await Promise.all(services.map(stopById));

  const leftovers = (await listAllPm2()).filter((p) => inNamespace(namespace)(p) && agentIdOfProcess(p.name) !== undefined && isUp(p));
  await Promise.all(leftovers.map(stopById));

  return { boss: bosses.length > 0, services: services.map((s) => s.name), leftoverAgents: leftovers.map((a) => a.name) };
}
