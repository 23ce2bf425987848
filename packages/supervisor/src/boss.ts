import { RestartLoopDetector, type AlertEvent } from '@floor/alerts';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { agentIdFromFile, loadStrategyDir, type AgentSpec, type Env, type FloorConfig, type ParamsValidator } from '@floor/config';
import { readHeartbeats, type BusNames } from '@floor/bus';
import { agentProcessName } from '@floor/domain';
import {
  finishEvolutionPeriod,
  hasEvaluatedPeriod,
  latestEvolutionPeriod,
  listAgents,
  recordLifecycleEvent,
  setAgentStatus,
  startEvolutionPeriod,
  upsertAgent,
  type Actor,
  type Db,
  type LifecycleKind,
} from '@floor/db';
import { riskOverrideToJson, shareOfMicros } from '@floor/risk';
import type { Logger } from '@floor/telemetry';
import { BreakerRunner } from './breaker-runner.js';
import { applyCapitalSplit, applyProbationCapital, splitRef } from './capital.js';
import { periodOf, type CloneTest } from './evolution/period.js';
import { runEvaluationPeriod, type EvaluationSummary } from './evolution/evaluate.js';
import { publishConfigErrors, type ConfigErrorEntry } from './config-errors.js';
import { agentIdOfProcess, planAgents, specHash, stableJson, type AgentAction } from './plan.js';
import type { Pm2Port, Pm2Process } from './pm2-adapter.js';
import type { Heartbeat } from '@floor/domain';

export interface BossOptions {
  readonly floor: FloorConfig;
  readonly strategiesDir: string;
  /** absolute path of the agent script */
  readonly agentScript: string;
  /** working directory of agent processes (the repo root) */
  readonly cwd: string;
  /** environment every agent gets, before its AGENT_ID */
  readonly agentEnv: Readonly<Record<string, string>>;
  readonly agentKillTimeoutMs?: number;
  readonly db: Db;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly pm2: Pm2Port;
  readonly log: Logger;
  readonly validateParams: ParamsValidator;
  /** a strategy's params schema (`getStrategy(name).params`): the bounds clones are mutated within */
  readonly paramsSchema: (strategy: string) => z.ZodType;
  /** the repo root, which `evolution.cloneTestDataset` is relative to; default `cwd` */
  readonly root?: string;
  /** replaces the clone backtest on the dataset (tests) */
  readonly cloneTest?: CloneTest;
  readonly now?: () => number;
  /** alerts (breaker trips, agents restarting in a loop); absent = none */
  readonly alert?: (event: AlertEvent) => void;
}

const ACTOR: Actor = { type: 'system', app: 'boss' };
const MAX_BACKOFF_MS = 60_000;

/**
 * The whole environment of an agent process: the adapter tells PM2 not to inherit the Boss's own, so this list
 * is all an agent gets. Secrets go along only when set.
 */
export function agentEnvironment(env: Env): Record<string, string> {
  const out: Record<string, string> = {
    DATABASE_URL: env.DATABASE_URL,
    REDIS_URL: env.REDIS_URL,
    FLOOR_PREFIX: env.FLOOR_PREFIX,
    FLOOR_CONFIG_DIR: env.FLOOR_CONFIG_DIR,
    FLOOR_ROOT: env.FLOOR_ROOT,
    FLOOR_STATE_DIR: env.FLOOR_STATE_DIR,
    LOG_LEVEL: env.LOG_LEVEL,
  };
  if (env.FLOOR_PM2_NAMESPACE) out.FLOOR_PM2_NAMESPACE = env.FLOOR_PM2_NAMESPACE;
  for (const key of ['PATH', 'HOME', 'TZ'] as const) {
    const value = env[key];
    if (value) out[key] = value;
  }
  if (env.ENABLE_LIVE_TRADING) out.ENABLE_LIVE_TRADING = 'true';
  const secrets = {
    POLYMARKET_PRIVATE_KEY: env.POLYMARKET_PRIVATE_KEY,
    POLYMARKET_API_KEY: env.POLYMARKET_API_KEY,
    POLYMARKET_API_SECRET: env.POLYMARKET_API_SECRET,
    POLYMARKET_API_PASSPHRASE: env.POLYMARKET_API_PASSPHRASE,
    OPENAI_API_KEY: env.OPENAI_API_KEY,
    ANTHROPIC_API_KEY: env.ANTHROPIC_API_KEY,
  };
  for (const [key, value] of Object.entries(secrets)) if (value) out[key] = value;
  return out;
}

/**
 * The Floor Boss's reconcile loop: read the strategy folder, fix the capital split, compare the wanted agents
 * with what PM2 runs and what the heartbeats say, and act. Every decision is `planAgents`; this class only
 * gathers its inputs and carries its actions out, writing a lifecycle event and an audit row for each.
 *
 * It keeps no state that matters across restarts: a new Boss re-reads the folder, finds the running agents
 * in PM2 with the spec hash they were started with, and adopts them.
 */
export class FloorBoss {
  private specs: AgentSpec[] = [];
  private brokenAgentIds = new Set<string>();
  private folderMissing = false;
  private dirty = true;
  private readonly knownErrors = new Map<string, string>();
  private readonly upserted = new Map<string, string>();
  private appliedSplit: string | undefined;
  /** set by a scan; cleared once the split of that scan is in the ledger (a failure retries next tick) */
  private splitDue = true;
  private readonly backoff = new Map<string, { count: number; untilMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = true;
  private tickMs = 1_000;
  private afterTick: (() => void) | undefined;
  /**
   * Whose capital rule applies: weights from the strategy files until the first evaluation period is done,
   * performance from then on (`undefined` until read from Postgres).
   */
  private performanceCapital: boolean | undefined;
  /** the last period the Boss knows to be recorded (baseline or evaluated) */
  private knownPeriod: number | undefined;
  private readonly breakers: BreakerRunner;
  /** restart counts PM2 reported last tick, per process name */
  private readonly restartCounts = new Map<string, number>();
  /** agents seen faulted, with the pid that reported it (a new pid faulting again is recorded again) */
  private readonly faulted = new Map<string, number>();
  private readonly seenAgents = new Set<string>();
  /** five restarts of one agent within ten minutes is a loop */
  private readonly restartLoop = new RestartLoopDetector({ maxRestarts: 5, windowMs: 10 * 60_000 });

  constructor(private readonly opts: BossOptions) {
    this.breakers = new BreakerRunner({
      db: opts.db,
      redis: opts.redis,
      names: opts.names,
      risk: opts.floor.risk,
      bankrollMicros: opts.floor.bankrollUsd,
      log: opts.log.child({ part: 'breakers' }),
      ...(opts.alert ? { alert: opts.alert } : {}),
    });
  }

  /**
   * Counts every restart of an agent PM2 reports (a crash, or our restart of a hung one), and alerts once when an agent restarts
   * in a loop: a restart storm is something a person must look at.
   */
  private noteRestarts(processes: readonly Pm2Process[], nowMs: number): void {
    for (const p of processes) {
      const agentId = agentIdOfProcess(p.name);
      if (!agentId) continue;
      const before = this.restartCounts.get(p.name);
      this.restartCounts.set(p.name, p.restarts);
      for (let i = before ?? p.restarts; i < p.restarts; i += 1) this.recordRestart(agentId, nowMs);
    }
  }

  /**
   * An agent whose strategy threw keeps running (and heartbeating) without trading: the Boss records it — agent row
   * `faulted`, a lifecycle event, an alert — rather than restarting it, since the same event would fault it again.
   * When it heartbeats `running` again (its file was fixed, or it was restarted), it is `active` again.
   */
  private async noteFaults(heartbeats: readonly Heartbeat[]): Promise<void> {
    for (const hb of heartbeats) {
      if (hb.app !== 'agent' || !hb.agentId) continue;
      const known = this.faulted.get(hb.agentId);
      // the first heartbeat a (re)started Boss sees of an agent settles what an earlier Boss may have left behind
      const firstSight = !this.seenAgents.has(hb.agentId);
      this.seenAgents.add(hb.agentId);
      if (hb.state === 'faulted' && known !== hb.pid) {
        this.faulted.set(hb.agentId, hb.pid);
        if (await setAgentStatus(this.opts.db, hb.agentId, 'faulted', { unless: ['retired', 'stopped', 'faulted'] })) {
          this.opts.log.error({ agentId: hb.agentId, detail: hb.detail }, 'agent faulted: it stays up without trading');
          await this.record('faulted', hb.agentId, { detail: hb.detail, pid: hb.pid }, 'agent.faulted');
          this.opts.alert?.({ type: 'critical_finding', rule: 'agent_faulted', agentId: hb.agentId, refId: null, detail: { detail: hb.detail } });
        }
      } else if (hb.state === 'running' && (known !== undefined || firstSight)) {
        this.faulted.delete(hb.agentId);
        if (await setAgentStatus(this.opts.db, hb.agentId, 'active', { unless: ['retired', 'stopped', 'active'] })) {
          await this.record('recovered', hb.agentId, { pid: hb.pid });
        }
      }
    }
  }

  private recordRestart(agentId: string, nowMs: number): void {
    const loop = this.restartLoop.record(agentId, nowMs);
    if (loop) this.opts.alert?.(loop);
  }

  private get now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * Starts the loop: a tick now, then one `tickMs` after each tick ends (ticks never overlap). Resolves when the
   * first tick is over (successful or not), so the caller can report `running` only once the Boss has looked.
   */
  start(tickMs = 1_000): Promise<void> {
    this.tickMs = tickMs;
    this.stopped = false;
    const first = new Promise<void>((resolve) => {
      this.afterTick = resolve;
    });
    this.schedule(0);
    return first;
  }

  /** The strategy folder changed: rescan it and reconcile soon. */
  trigger(): void {
    this.dirty = true;
    if (!this.stopped && !this.current) this.schedule(0);
  }

  /** Stops the loop and waits for a tick in progress, so no start races a shutdown. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.current = this.reconcileOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.opts.log.error({ err }, 'reconcile failed; retrying next tick'))
        .finally(() => {
          this.current = undefined;
          this.afterTick?.();
          this.afterTick = undefined;
          if (!this.stopped) this.schedule(this.tickMs);
        });
    }, delayMs);
  }

  /**
   * One pass: scan (if the folder changed), split capital (if the agent set changed), run the breakers, evaluate
   * the population (once a period), plan, act.
   */
  async reconcileOnce(): Promise<AgentAction[]> {
    if (this.dirty) {
      this.dirty = false;
      try {
        await this.scan();
      } catch (err) {
        // a half-recorded scan is redone next tick rather than trusted
        this.dirty = true;
        throw err;
      }
    }
    await this.ensureCapitalSplit();
    await this.superviseRisk();
    // an evaluation that moved or wrote strategy files marks the folder dirty: the next tick rescans it
    await this.evaluateIfDue();
    const [processes, heartbeats] = await Promise.all([this.opts.pm2.list(), readHeartbeats(this.opts.redis, this.opts.names)]);
    const nowMs = this.now;
    this.noteRestarts(processes, nowMs);
    await this.noteFaults(heartbeats);
    this.forgiveHealthy(processes);
    const retain = this.folderMissing
      ? processes.flatMap((p) => agentIdOfProcess(p.name) ?? [])
      : [...this.brokenAgentIds];
    const holdUntilMs = new Map([...this.backoff].map(([id, b]) => [id, b.untilMs] as const));
    const actions = planAgents({
      specs: this.specs,
      processes,
      heartbeats,
      nowMs,
      staleAfterMs: this.opts.floor.heartbeat.staleAfterMs,
      startupGraceMs: this.opts.floor.heartbeat.startupGraceMs,
      retain,
      holdUntilMs,
    });
    for (const action of actions) {
      try {
        await this.act(action, processes);
      } catch (err) {
        this.holdOff(action.agentId);
        this.opts.log.error({ err, agentId: action.agentId, action: action.kind, reason: action.reason }, 'agent action failed');
      }
    }
    return actions;
  }

  /** Reads the strategy folder, reports what is wrong with it, and records the agents in Postgres. */
  private async scan(): Promise<void> {
    const { agents, errors } = loadStrategyDir(this.opts.strategiesDir, this.opts.validateParams);
    this.folderMissing = errors.some((e) => e.file === this.opts.strategiesDir);
    this.brokenAgentIds = new Set(errors.filter((e) => e.file !== this.opts.strategiesDir).map((e) => agentIdFromFile(e.file)));
    this.specs = agents.filter((a) => a.enabled);
    this.splitDue = true;
    await this.noteConfigErrors(errors, agents);
    for (const spec of agents) {
      // the risk block is not in specHash (a new limit needs no agent restart), but the row must follow it
      const risk = spec.risk ? riskOverrideToJson(spec.risk) : null;
      const key = `${specHash(spec)}:${spec.weight}:${spec.enabled}:${stableJson(risk)}`;
      if (this.upserted.get(spec.agentId) === key) continue;
      await upsertAgent(this.opts.db, {
        id: spec.agentId,
        strategy: spec.strategy,
        params: spec.resolvedParams,
        weight: spec.weight,
        markets: spec.markets,
        status: spec.enabled ? 'active' : 'stopped',
        sourceFile: spec.file,
        live: spec.live,
        risk,
      });
      this.upserted.set(spec.agentId, key);
    }
  }

  /** Publishes the current errors and logs each new one once, with the file and the field at fault. */
  private async noteConfigErrors(errors: readonly ConfigErrorEntry[], agents: readonly AgentSpec[]): Promise<void> {
    await publishConfigErrors(this.opts.redis, this.opts.names, errors);
    const current = new Map(errors.map((e) => [e.file, e.message] as const));
    for (const [file, message] of current) {
      if (this.knownErrors.get(file) === message) continue;
      this.knownErrors.set(file, message);
      const agentId = agentIdFromFile(file);
      this.opts.log.error({ file, agentId, problem: message }, 'strategy file rejected; its agent is not started or changed');
      await this.record('config_error', agentId, { file, message });
    }
    for (const file of [...this.knownErrors.keys()]) {
      if (current.has(file)) continue;
      this.knownErrors.delete(file);
      const fixed = agents.find((a) => a.file === file);
      this.opts.log.info({ file }, fixed ? 'strategy file fixed' : 'strategy file with an error is gone');
      if (fixed) await this.record('config_fixed', fixed.agentId, { file });
    }
  }

  /**
   * Applies the capital split once per distinct agent set and weights (after a Boss restart the same split is a
   * no-op). An agent whose file is broken keeps running on its last good config, so it keeps its last good
   * weight in the split too; only agents that really left are released. With the folder missing nothing is
   * decided: that is far more likely a mistake than a wish to defund every agent.
   */
  private async ensureCapitalSplit(): Promise<void> {
    if (!this.splitDue || this.folderMissing) return;
    this.performanceCapital ??= await hasEvaluatedPeriod(this.opts.db);
    if (this.performanceCapital) {
      await this.ensureProbationCapital();
      return;
    }
    const rows = await listAgents(this.opts.db);
    const weighted = this.specs.map((s) => ({ agentId: s.agentId, weight: s.weight }));
    for (const row of rows) {
      if (this.brokenAgentIds.has(row.id) && row.status === 'active') weighted.push({ agentId: row.id, weight: row.weight });
    }
    const bankrollMicros = this.opts.floor.bankrollUsd;
    const ref = splitRef(bankrollMicros, weighted);
    if (ref === this.appliedSplit) {
      this.splitDue = false;
      return;
    }
    const kept = new Set(weighted.map((w) => w.agentId));
    const released = rows.filter((r) => !kept.has(r.id) && !this.brokenAgentIds.has(r.id)).map((r) => r.id);
    const results = await applyCapitalSplit(this.opts.db, { bankrollMicros, agents: weighted, released, actor: ACTOR, log: this.opts.log });
    const moved = results.filter((r) => r.movedMicros !== 0n);
    if (moved.length) this.opts.log.info({ ref, moved }, 'capital split applied');
    this.appliedSplit = ref;
    this.splitDue = false;
  }

  /**
   * Once capital follows performance, the agent set changing no longer re-splits the bankroll: a newcomer gets
   * its probation capital, an agent that left gets its idle cash taken back, and the rest wait for the next
   * evaluation period.
   */
  private async ensureProbationCapital(): Promise<void> {
    const rows = await listAgents(this.opts.db);
    const wanted = new Set(this.specs.map((s) => s.agentId));
    for (const row of rows) if (this.brokenAgentIds.has(row.id) && row.status === 'active') wanted.add(row.id);
    const released = rows.filter((r) => !wanted.has(r.id) && !this.brokenAgentIds.has(r.id)).map((r) => r.id);
    const results = await applyProbationCapital(this.opts.db, {
      probationMicros: shareOfMicros(this.opts.floor.bankrollUsd, this.opts.floor.evolution.allocation.probationShare),
      agents: [...wanted],
      released,
      actor: ACTOR,
    });
    const moved = results.filter((r) => r.movedMicros !== 0n);
    if (moved.length) this.opts.log.info({ moved }, 'probation capital and releases applied');
    this.splitDue = false;
  }

  /** The circuit breakers' tick; a failure is logged and retried next tick, never stops supervision. */
  private async superviseRisk(): Promise<void> {
    try {
      await this.breakers.tick(this.now);
    } catch (err) {
      this.opts.log.error({ err }, 'breaker tick failed; retrying next tick');
    }
  }

  /**
   * Runs the evaluation of the current period if it is due. The first period a floor sees is its baseline (no
   * record yet to judge); each later one is evaluated once.
   */
  private async evaluateIfDue(): Promise<void> {
    const { evolution } = this.opts.floor;
    if (!evolution.enabled || this.folderMissing) return;
    const nowMs = this.now;
    const period = periodOf(nowMs, evolution.periodMs);
    if (this.knownPeriod === undefined) this.knownPeriod = (await latestEvolutionPeriod(this.opts.db))?.period;
    if (this.knownPeriod !== undefined && this.knownPeriod >= period) return;
    if (this.knownPeriod === undefined) {
      await startEvolutionPeriod(this.opts.db, { period, periodMs: evolution.periodMs, kind: 'baseline' });
      await finishEvolutionPeriod(this.opts.db, period, { baseline: true });
      this.knownPeriod = period;
      this.opts.log.info({ period, periodMs: evolution.periodMs }, 'evolution baseline recorded; the first evaluation is next period');
      return;
    }
    await this.evaluatePeriod(period);
  }

  /** Evaluates one period now (the loop calls it on schedule; tests and operators may call it directly). */
  async evaluatePeriod(period: number): Promise<EvaluationSummary> {
    const nowMs = this.now;
    const summary = await runEvaluationPeriod(
      {
        db: this.opts.db,
        floor: this.opts.floor,
        strategiesDir: this.opts.strategiesDir,
        root: this.opts.root ?? this.opts.cwd,
        validateParams: this.opts.validateParams,
        paramsSchema: this.opts.paramsSchema,
        log: this.opts.log.child({ part: 'evolution', period }),
        redis: this.opts.redis,
        names: this.opts.names,
        nowMs,
        ...(this.opts.cloneTest ? { cloneTest: this.opts.cloneTest } : {}),
      },
      period,
    );
    this.knownPeriod = period;
    this.performanceCapital = true;
    this.dirty = true;
    // agents paused by a loss streak and kept by the review start the new period afresh
    const kept = this.specs.map((s) => s.agentId).filter((id) => !summary.retired.includes(id));
    await this.breakers.resetLossStreaks(kept, nowMs, 'boss (new evaluation period)');
    return summary;
  }

  /** The breakers' current state (for status and tests). */
  get breakerState() {
    return this.breakers.current;
  }

  /** Runs the breakers once now (the loop does it every tick). */
  tickBreakers() {
    return this.breakers.tick(this.now);
  }

  private async act(action: AgentAction, processes: readonly Pm2Process[]): Promise<void> {
    const proc = processes.find((p) => p.name === action.processName);
    const log = this.opts.log.child({ agentId: action.agentId });
    switch (action.kind) {
      case 'start': {
        await this.opts.pm2.startAgent(this.processOptions(action.spec, action.specHash));
        // a process that stopped or crashed on its own may be crash-looping: give it room before the next try
        if (action.reason === 'not-running') this.holdOff(action.agentId);
        log.info({ reason: action.reason, detail: action.detail }, 'agent started');
        await this.record('started', action.agentId, { reason: action.reason, detail: action.detail, specHash: action.specHash }, 'agent.started');
        return;
      }
      case 'restart': {
        if (action.reason === 'hung' && proc) {
          // same spec: a plain restart (PM2 sends SIGINT, then SIGKILL after kill_timeout if it is truly stuck)
          await this.opts.pm2.restart(proc);
        } else {
          await this.opts.pm2.startAgent(this.processOptions(action.spec, action.specHash));
        }
        log.warn({ reason: action.reason, detail: action.detail, oldPid: proc?.pid }, 'agent restarted');
        const kind: LifecycleKind = action.reason === 'hung' ? 'restarted_hung' : 'restarted_changed';
        await this.record(kind, action.agentId, { detail: action.detail, oldPid: proc?.pid ?? null, specHash: action.specHash }, 'agent.restarted');
        return;
      }
      case 'stop': {
        if (proc) await this.opts.pm2.remove(proc);
        // a retired agent's row keeps saying why it stopped
        await setAgentStatus(this.opts.db, action.agentId, 'stopped', { unless: ['retired'] });
        this.upserted.delete(action.agentId);
        log.info({ detail: action.detail }, 'agent stopped');
        await this.record('stopped', action.agentId, { reason: action.reason, detail: action.detail }, 'agent.stopped');
        return;
      }
    }
  }

  private processOptions(spec: AgentSpec, hash: string) {
    return {
      processName: agentProcessName(spec.agentId),
      script: this.opts.agentScript,
      cwd: this.opts.cwd,
      env: { ...this.opts.agentEnv, AGENT_ID: spec.agentId },
      specHash: hash,
      killTimeoutMs: this.opts.agentKillTimeoutMs ?? 10_000,
    };
  }

  /**
   * Stops every agent process gracefully (each checkpoints on SIGINT/SIGTERM) and waits for them. Used when the
   * Boss itself is stopped, so stopping the floor through PM2 stops the agents too. The processes stay listed as
   * stopped; the next Boss starts them again.
   */
  async stopAllAgents(reason: string): Promise<number> {
    const running = (await this.opts.pm2.list()).filter(
      (p) => agentIdOfProcess(p.name) !== undefined && !['stopped', 'errored'].includes(p.status),
    );
    const results = await Promise.allSettled(running.map((p) => this.opts.pm2.stop(p)));
    let stopped = 0;
    for (const [i, r] of results.entries()) {
      const proc = running[i] as Pm2Process;
      const agentId = agentIdOfProcess(proc.name) as string;
      if (r.status === 'rejected') {
        this.opts.log.error({ err: r.reason as unknown, agentId }, 'could not stop agent');
        continue;
      }
      stopped += 1;
      await this.record('stopped', agentId, { reason }, 'agent.stopped').catch((err: unknown) =>
        this.opts.log.warn({ err, agentId }, 'could not record agent stop'),
      );
    }
    this.opts.log.info({ stopped, reason }, 'agents stopped');
    return stopped;
  }

  private holdOff(agentId: string): void {
    const count = (this.backoff.get(agentId)?.count ?? 0) + 1;
    const delayMs = Math.min(1_000 * 2 ** (count - 1), MAX_BACKOFF_MS);
    this.backoff.set(agentId, { count, untilMs: this.now + delayMs });
  }

  /** An agent that has stayed up past its startup grace is healthy again: its back-off starts over. */
  private forgiveHealthy(processes: readonly Pm2Process[]): void {
    for (const p of processes) {
      const agentId = agentIdOfProcess(p.name);
      if (agentId && p.status === 'online' && p.uptimeMs > this.opts.floor.heartbeat.startupGraceMs) this.backoff.delete(agentId);
    }
  }

  private record(kind: LifecycleKind, agentId: string, detail: Record<string, unknown>, auditAction?: string): Promise<void> {
    return recordLifecycleEvent(this.opts.db, {
      app: 'boss',
      agentId,
      kind,
      detail,
      ...(auditAction ? { audit: { actor: ACTOR, action: auditAction } } : {}),
    });
  }
}
