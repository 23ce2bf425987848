import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import { agentTripCount, initialBreakerState, parseBreakerState, shareOfMicros } from '@floor/risk';
import { agentTradingScope, clearTradingState, type BusNames } from '@floor/bus';
import { loadStrategyDir, type AgentSpec, type FloorConfig, type ParamsValidator } from '@floor/config';
import {
  allocateCapital as allocateInLedger,
  finishEvolutionPeriod,
  getEvolutionPeriod,
  listAgents,
  loadBreakerState,
  readAgentPortfolio,
  readTradeFills,
  recordEvolutionDecision,
  recordLifecycleEvent,
  registerCloneAgent,
  setAgentStatus,
  startEvolutionPeriod,
  type Actor,
  type Db,
} from '@floor/db';
import type { AllocateDecision, CloneDecision, RefuseDecision, RetireDecision } from '@floor/evolution';
import type { z } from 'zod';
import type { Logger } from '@floor/telemetry';
import { clampTarget } from '../capital.js';
import { cloneFileText } from './clone-file.js';
import { cloneTestFor } from './clone-test.js';
import { decidePeriod, mutatedParams, trialsOf, type CloneTest, type PopulationMember } from './period.js';
import { foldFills, tradesByAgent } from './trips.js';

/**
 * One evaluation period, applied: read the records, decide (period.ts), then carry each decision out and record
 * it in `evolution_decisions` and the audit log with its numbers.
 *
 * - retire: the strategy file moves to `strategies/retired/` (the folder-driven supervision stops the process;
 *   moving it back restores the agent), the agents row becomes `retired`, its idle cash goes back to the floor;
 * - clone: the agents row (parent, generation) first, then `strategies/<childId>.yaml`, which the supervision
 *   starts like any file; its capital comes with the allocation below;
 * - allocate: each agent's allotment is moved to its target through the ledger, never below what it has
 *   deployed, under the ref `evolution-p<period>`;
 * - refuse: recorded only.
 *
 * A period with `finished_at` is never run again. A crash half-way re-runs it: the file moves, the clone (same
 * seed, same id) and the ledger refs are idempotent; the decision rows of the first attempt stay as they were.
 */

export const BOSS_ACTOR: Actor = { type: 'system', app: 'boss' };
export const RETIRED_DIR = 'retired';

export interface EvaluationDeps {
  readonly db: Db;
  readonly floor: FloorConfig;
  readonly strategiesDir: string;
  /** the repo root (the clone-test dataset path is relative to it) */
  readonly root: string;
  readonly validateParams: ParamsValidator;
  readonly paramsSchema: (strategy: string) => z.ZodType;
  readonly log: Logger;
  readonly redis?: Redis;
  readonly names?: BusNames;
  /** replaces the dataset backtest (tests) */
  readonly cloneTest?: CloneTest;
  readonly nowMs?: number;
}

export interface EvaluationSummary {
  readonly period: number;
  readonly skipped: boolean;
  readonly population: number;
  readonly retired: readonly string[];
  readonly cloned: readonly string[];
  readonly refused: number;
  readonly allocatedMicros: bigint;
  readonly unallocatedMicros: bigint;
}

export async function runEvaluationPeriod(deps: EvaluationDeps, period: number): Promise<EvaluationSummary> {
  const { db, floor, log } = deps;
  const config = floor.evolution;
  const nowMs = deps.nowMs ?? Date.now();
  const existing = await getEvolutionPeriod(db, period);
  if (existing?.finishedAt) {
    return { period, skipped: true, population: 0, retired: [], cloned: [], refused: 0, allocatedMicros: 0n, unallocatedMicros: 0n };
  }
  await startEvolutionPeriod(db, { period, periodMs: config.periodMs, kind: 'evaluation' });

  // --- read
  const { agents: specs } = loadStrategyDir(deps.strategiesDir, deps.validateParams);
  const rows = await listAgents(db);
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const { closed } = foldFills(new Map(), await readTradeFills(db));
  const trades = tradesByAgent(closed);
  const stored = await loadBreakerState(db);
  const breakers = stored ? parseBreakerState(stored.state) : initialBreakerState();

  const supervised = specs.filter((s) => s.enabled && rowById.get(s.agentId)?.status !== 'retired');
  const population: PopulationMember[] = [];
  for (const spec of supervised) {
    const row = rowById.get(spec.agentId);
    const portfolio = await readAgentPortfolio(db, spec.agentId);
    const deployed = portfolio.allocatedMicros - portfolio.cashMicros;
    population.push({
      agentId: spec.agentId,
      strategy: spec.strategy,
      params: spec.resolvedParams,
      lineage: { parentId: row?.parentId ?? null, generation: row?.generation ?? 0 },
      trades: trades.get(spec.agentId) ?? [],
      deployedMicros: deployed > 0n ? deployed : 0n,
      breakerTrips: agentTripCount(breakers, spec.agentId),
    });
  }
  const everyAgent = [...new Set([...rows.map((r) => r.id), ...population.map((p) => p.agentId)])];
  const trials = trialsOf(trades, everyAgent, config.minTrades);
  const probationMicros = shareOfMicros(floor.bankrollUsd, config.allocation.probationShare);
  const cloneTest =
    deps.cloneTest ?? (await cloneTestFor({ config, root: deps.root, capitalMicros: probationMicros, validateParams: deps.validateParams }));
  const dataset = 'dataset' in cloneTest && typeof cloneTest.dataset === 'string' ? cloneTest.dataset : (config.cloneTestDataset ?? '');

  // --- decide
  const decided = await decidePeriod(
    { period, bankrollMicros: floor.bankrollUsd, population, trials, paramsSchema: deps.paramsSchema, config },
    cloneTest,
  );

  // --- apply: retirements first (they free room and capital), then clones, refusals, the allocation
  const specById = new Map(specs.map((s) => [s.agentId, s]));
  for (const d of decided.retirements) await retire(deps, period, d, specById.get(d.agentId));
  const cloned: string[] = [];
  for (const d of decided.clones) {
    const parent = specById.get(d.agentId);
    if (!parent) continue;
    if (await clone(deps, period, d, parent, { nowMs, dataset })) cloned.push(d.child.agentId);
  }
  for (const d of decided.refusals) await record(deps, period, d, lineageOf(d));
  let allocatedMicros = 0n;
  for (const d of decided.allocation.decisions) allocatedMicros += await allocate(deps, period, d);

  const summary: EvaluationSummary = {
    period,
    skipped: false,
    population: population.length,
    retired: decided.retirements.map((d) => d.agentId),
    cloned,
    refused: decided.refusals.length,
    allocatedMicros,
    unallocatedMicros: floor.bankrollUsd - allocatedMicros,
  };
  await finishEvolutionPeriod(db, period, { ...summary, bankrollMicros: floor.bankrollUsd, trials });
  log.info({ ...summary, trials }, 'evaluation period done');
  return summary;
}

function lineageOf(d: { lineage: { parentId: string | null; generation: number } }): Record<string, unknown> {
  return { parentId: d.lineage.parentId, generation: d.lineage.generation };
}

function record(deps: EvaluationDeps, period: number, d: AllocateDecision | CloneDecision | RetireDecision | RefuseDecision, lineage: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  const numbers = d.kind === 'refuse' ? { refused: d.refused, ...d.numbers, ...extra } : { ...d.numbers, ...extra };
  return recordEvolutionDecision(deps.db, { period, kind: d.kind, agentId: d.agentId, reason: d.reason, numbers, lineage }, BOSS_ACTOR);
}

async function retire(deps: EvaluationDeps, period: number, d: RetireDecision, spec: AgentSpec | undefined): Promise<void> {
  // the file first: once it is gone the supervision stops the agent, whatever happens next
  let movedTo: string | null = null;
  if (spec && existsSync(spec.file)) {
    const dir = join(dirname(spec.file), RETIRED_DIR);
    mkdirSync(dir, { recursive: true });
    movedTo = join(dir, basename(spec.file));
    renameSync(spec.file, movedTo);
  }
  await setAgentStatus(deps.db, d.agentId, 'retired');
  const released = await releaseIdleCapital(deps, d.agentId, `evolution-p${period}:retire`);
  if (deps.redis && deps.names) await clearTradingState(deps.redis, deps.names, agentTradingScope(d.agentId));
  await recordLifecycleEvent(deps.db, {
    app: 'boss',
    agentId: d.agentId,
    kind: 'retired',
    detail: { period, reason: d.reason, file: spec?.file ?? null, movedTo },
    audit: { actor: BOSS_ACTOR, action: 'agent.retired' },
  });
  await record(deps, period, d, lineageOf(d), { releasedMicros: released, movedTo: movedTo ?? '' });
  deps.log.warn({ agentId: d.agentId, reason: d.reason, movedTo, releasedMicros: released }, 'agent retired');
}

/** Takes an agent's idle cash back to the floor: its allotment drops to what it has deployed. */
async function releaseIdleCapital(deps: EvaluationDeps, agentId: string, ref: string): Promise<bigint> {
  const portfolio = await readAgentPortfolio(deps.db, agentId);
  const { targetMicros } = clampTarget({ targetMicros: 0n, allocatedMicros: portfolio.allocatedMicros, cashMicros: portfolio.cashMicros });
  if (targetMicros === portfolio.allocatedMicros) return 0n;
  const moved = await allocateInLedger(deps.db, { agentId, targetMicros, ref: `${ref}@${portfolio.allocatedMicros}`, actor: BOSS_ACTOR });
  return -moved;
}

async function clone(deps: EvaluationDeps, period: number, d: CloneDecision, parent: AgentSpec, meta: { nowMs: number; dataset: string }): Promise<boolean> {
  const { child } = d;
  const file = join(deps.strategiesDir, `${child.agentId}.yaml`);
  const lineage = {
    parentId: child.parentId,
    generation: child.generation,
    childAgentId: child.agentId,
    seed: child.seed,
    mutated: mutatedParams(parent.resolvedParams, child),
    file,
  };
  // the row first, so the folder scan that the new file triggers finds the lineage in place
  await registerCloneAgent(deps.db, { id: child.agentId, strategy: child.strategy, params: { ...child.params }, markets: parent.markets, parentId: child.parentId, generation: child.generation, sourceFile: file });
  if (!existsSync(file)) {
    const partial = join(deps.strategiesDir, `.${child.agentId}.yaml.partial`);
    writeFileSync(partial, cloneFileText(d, parent, { period, nowMs: meta.nowMs, dataset: meta.dataset }));
    renameSync(partial, file);
  }
  await recordLifecycleEvent(deps.db, {
    app: 'boss',
    agentId: child.agentId,
    kind: 'cloned',
    detail: { period, ...lineage },
    audit: { actor: BOSS_ACTOR, action: 'agent.cloned' },
  });
  await record(deps, period, d, lineage);
  deps.log.info({ parentId: child.parentId, childId: child.agentId, generation: child.generation, mutated: lineage.mutated }, 'winner cloned');
  return true;
}

/** Moves the agent's allotment to the decision's target (never below its deployed capital). Returns the target applied. */
async function allocate(deps: EvaluationDeps, period: number, d: AllocateDecision): Promise<bigint> {
  const portfolio = await readAgentPortfolio(deps.db, d.agentId);
  const { targetMicros, clamped } = clampTarget({ targetMicros: d.targetMicros, allocatedMicros: portfolio.allocatedMicros, cashMicros: portfolio.cashMicros });
  let movedMicros = 0n;
  if (targetMicros !== portfolio.allocatedMicros) {
    movedMicros = await allocateInLedger(deps.db, { agentId: d.agentId, targetMicros, ref: `evolution-p${period}@${portfolio.allocatedMicros}`, actor: BOSS_ACTOR });
  }
  await record(deps, period, d, lineageOf(d), { appliedTargetMicros: targetMicros, previousMicros: portfolio.allocatedMicros, movedMicros, clamped });
  return targetMicros;
}
