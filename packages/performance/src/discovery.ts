import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Heartbeat } from '@floor/domain';

/**
 * Prometheus discovery of the floor's processes (file_sd). Every process serves /metrics on loopback and
 * announces the port in its heartbeat (`metricsPort`); the monitor turns the fresh heartbeats into a file_sd
 * target list, which Prometheus re-reads on change. An agent the Boss starts later is scraped within one monitor
 * tick of its first heartbeat, and one that stops drops out once its heartbeat goes stale.
 */

/** One file_sd target group, as Prometheus reads it. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * One group per live process that announced a port. Labels: `app`, `instance` (the heartbeat's instance id, which
 * for an agent is its id), and `agent` for agents. Sorted, so an unchanged floor writes an identical file.
 */
export function targetGroupsFromHeartbeats(heartbeats: Iterable<Heartbeat>, nowMs: number, staleAfterMs: number, host = '127.0.0.1'): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const hb of heartbeats) {
    if (hb.metricsPort === undefined || nowMs - hb.tsMs > staleAfterMs) continue;
    groups.push({
      targets: [`${host}:${hb.metricsPort}`],
      labels: { app: hb.app, instance: hb.instanceId, ...(hb.agentId ? { agent: hb.agentId } : {}) },
    });
  }
  return groups.sort((a, b) => (a.labels.app ?? '').localeCompare(b.labels.app ?? '') || (a.labels.instance ?? '').localeCompare(b.labels.instance ?? ''));
}

/**
 * Writes the target list if it changed, atomically (a temp file renamed over the old one), so Prometheus never
 * reads half a file. Returns whether it wrote.
 */
export async function writeTargetsFile(path: string, groups: readonly TargetGroup[]): Promise<boolean> {
  const text = `${JSON.stringify(groups, null, 2)}\n`;
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === text) return false;
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
  return true;
}
