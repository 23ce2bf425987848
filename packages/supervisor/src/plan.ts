import { createHash } from 'node:crypto';
import type { AgentSpec } from '@floor/config';
import { agentProcessName, type Heartbeat } from '@floor/domain';

/**
 * The Boss's decisions as a pure function: given the strategy files, what PM2 shows and the heartbeats in
 * Redis, which agent processes to start, restart or stop. No I/O and no clock of its own, so every rule is
 * a unit test and a restarted Boss reaches the same decisions as the one that died.
 */

/** What PM2 reports about one process, reduced to what the planner needs. */
export interface ProcessView {
  readonly name: string;
  /** PM2 status: online, launching, stopping, stopped, errored, waiting restart, one-launch-status */
  readonly status: string;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly uptimeMs: number;
  /** the spec hash the process was started with (from its environment); absent if someone else started it */
  readonly specHash?: string | undefined;
}

export type AgentAction =
  | {
      readonly kind: 'start';
      readonly agentId: string;
      readonly processName: string;
      readonly spec: AgentSpec;
      readonly specHash: string;
      /** `new`: no process yet; `not-running`: PM2 shows it stopped or errored */
      readonly reason: 'new' | 'not-running';
      readonly detail: string;
    }
  | {
      readonly kind: 'restart';
      readonly agentId: string;
      readonly processName: string;
      readonly spec: AgentSpec;
      readonly specHash: string;
      readonly reason: 'hung' | 'changed';
      readonly detail: string;
    }
  | {
      readonly kind: 'stop';
      readonly agentId: string;
      readonly processName: string;
      readonly reason: 'removed';
      readonly detail: string;
    };

export interface PlanInput {
  /** the agents that should run (enabled, valid files) */
  readonly specs: readonly AgentSpec[];
  readonly processes: readonly ProcessView[];
  readonly heartbeats: readonly Heartbeat[];
  readonly nowMs: number;
  /** a heartbeat older than this (strictly) means the agent is hung */
  readonly staleAfterMs: number;
  /** how long a fresh process may run before its first heartbeat */
  readonly startupGraceMs: number;
  /**
   * Agents whose file is currently broken: whatever runs keeps running on its last good config rather than
   * being stopped over a typo.
   */
  readonly retain?: Iterable<string>;
  /** agents not to start or restart before the given time (back-off after a crash loop) */
  readonly holdUntilMs?: ReadonlyMap<string, number>;
}

const AGENT_PREFIX = agentProcessName('');
/** PM2 states in which the process is on its way somewhere; acting now would race PM2 itself. */
const TRANSITIONAL = new Set(['launching', 'stopping', 'waiting restart', 'one-launch-status']);
const NOT_RUNNING = new Set(['stopped', 'errored']);

/**
 * A stable hash of everything in a spec that the agent process reads. Weight is left out on purpose: it only
 * changes the capital split, which the Boss applies through the ledger without a restart.
 */
export function specHash(spec: AgentSpec): string {
  const material = stableJson({
    agentId: spec.agentId,
    strategy: spec.strategy,
    params: spec.resolvedParams,
    markets: spec.markets,
    live: spec.live,
  });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so equal content hashes equally whatever order the YAML had. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/** The agent id of an agent process name, or undefined for any other process. */
export function agentIdOfProcess(name: string): string | undefined {
  return name.startsWith(AGENT_PREFIX) && name.length > AGENT_PREFIX.length ? name.slice(AGENT_PREFIX.length) : undefined;
}

/** The newest heartbeat of this agent's current process (a beat from a previous pid says nothing about this one). */
export function currentHeartbeat(heartbeats: readonly Heartbeat[], agentId: string, pid: number | undefined): Heartbeat | undefined {
  let best: Heartbeat | undefined;
  for (const hb of heartbeats) {
    if (hb.app !== 'agent' || (hb.agentId ?? hb.instanceId) !== agentId || hb.pid !== pid) continue;
    if (!best || hb.tsMs > best.tsMs) best = hb;
  }
  return best;
}

/** Why an online agent counts as hung, or undefined if it is healthy (or too young to judge). */
export function hungReason(
  proc: ProcessView,
  heartbeat: Heartbeat | undefined,
  opts: { nowMs: number; staleAfterMs: number; startupGraceMs: number },
): string | undefined {
  if (heartbeat) {
    const ageMs = opts.nowMs - heartbeat.tsMs;
    return ageMs > opts.staleAfterMs ? `heartbeat ${ageMs} ms old (limit ${opts.staleAfterMs} ms)` : undefined;
  }
  return proc.uptimeMs > opts.startupGraceMs
    ? `no heartbeat ${proc.uptimeMs} ms after start (grace ${opts.startupGraceMs} ms)`
    : undefined;
}

/**
 * Decides what to do. Stops come first (they free capacity), then restarts, then starts; within a kind,
 * agents are in id order so the output is deterministic.
 */
export function planAgents(input: PlanInput): AgentAction[] {
  const retain = new Set(input.retain ?? []);
  const held = (agentId: string) => (input.holdUntilMs?.get(agentId) ?? Number.NEGATIVE_INFINITY) > input.nowMs;
  const processes = new Map<string, ProcessView>();
  for (const p of input.processes) {
    const agentId = agentIdOfProcess(p.name);
    if (agentId !== undefined) processes.set(agentId, p);
  }
  const specs = new Map(input.specs.map((s) => [s.agentId, s] as const));

  const stops: AgentAction[] = [];
  const restarts: AgentAction[] = [];
  const starts: AgentAction[] = [];

  for (const [agentId, proc] of processes) {
    if (specs.has(agentId) || retain.has(agentId)) continue;
    // an agent already stopped by PM2 is still deleted, so `pm2 ls` stops listing an agent whose file is gone
    stops.push({ kind: 'stop', agentId, processName: proc.name, reason: 'removed', detail: 'no enabled strategy file' });
  }

  for (const [agentId, spec] of specs) {
    if (held(agentId)) continue;
    const hash = specHash(spec);
    const processName = agentProcessName(agentId);
    const proc = processes.get(agentId);
    if (!proc) {
      starts.push({ kind: 'start', agentId, processName, spec, specHash: hash, reason: 'new', detail: `from ${spec.file}` });
      continue;
    }
    if (NOT_RUNNING.has(proc.status)) {
      starts.push({ kind: 'start', agentId, processName, spec, specHash: hash, reason: 'not-running', detail: `PM2 shows it ${proc.status}` });
      continue;
    }
    if (TRANSITIONAL.has(proc.status)) continue;
    if (proc.specHash !== hash) {
      const detail = proc.specHash ? `spec ${proc.specHash} -> ${hash}` : `process has no spec hash; now ${hash}`;
      restarts.push({ kind: 'restart', agentId, processName, spec, specHash: hash, reason: 'changed', detail });
      continue;
    }
    const hung = hungReason(proc, currentHeartbeat(input.heartbeats, agentId, proc.pid), input);
    if (hung) restarts.push({ kind: 'restart', agentId, processName, spec, specHash: hash, reason: 'hung', detail: hung });
  }

  const byId = (a: AgentAction, b: AgentAction) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
  return [...stops.sort(byId), ...restarts.sort(byId), ...starts.sort(byId)];
}
