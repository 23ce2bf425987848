import type { z } from 'zod';
import { assessAgent, assessmentNumbers, type AgentRecord, type Assessment } from './assess.js';
import type { EvolutionConfig } from './config.js';
import type { BossDecision, ChildSpec, CloneDecision, RefuseDecision, RetireDecision } from './decisions.js';
import { breedClone } from './mutation.js';
import type { Trials } from './stats.js';

/**
 * Who is cloned and who is retired, by one test of the record (Bailey & López de Prado):
 * - promote (clone candidate): at least `minTrades` and DSR ≥ `promoteDsr`, i.e. the Sharpe beats, with that
 *   confidence, the best Sharpe the trials would show with no skill at all;
 * - retire: at least `minTrades` and PSR(0) < `retirePsr` (fairly sure the true Sharpe is not positive), or
 *   `maxBreakerTrips` breaker trips, whatever the record.
 * Bounds: retirements never take the population below `minPopulation` (the worst go first), clones never take it
 * above `maxPopulation` and at most `maxClonesPerReview` start per review (the best go first). A clone starts only
 * after its backtest passes. Everything the rules asked for and a bound stopped is a `refuse` decision.
 */

/** What the backtester returns for a clone spec over recorded data. */
export interface BacktestResult {
  /** per-trade Sharpe, as in this package */
  readonly sharpe: number;
  readonly trades: number;
  readonly pnlMicros: bigint;
}
export type Backtest = (spec: ChildSpec) => Promise<BacktestResult>;

export interface ReviewInput {
  readonly agents: readonly AgentRecord[];
  /** every variant ever tried (live and retired), for the deflation */
  readonly trials: Trials;
  /** the params schema of each agent's strategy (`getStrategy(name).params`) */
  readonly paramsSchema: (strategy: string) => z.ZodType;
  /** varies the mutations from one review to the next, reproducibly (e.g. the review's period number) */
  readonly reviewSeed: number;
  readonly config: EvolutionConfig;
}

export interface Review {
  readonly assessments: ReadonlyMap<string, Assessment>;
  readonly decisions: readonly BossDecision[];
}

/** Assesses the population, retires, breeds and backtests clones. Pure but for the `backtest` it is given. */
export async function reviewPopulation(input: ReviewInput, backtest: Backtest): Promise<Review> {
  const { config } = input;
  const assessed = input.agents.map((record) => ({ record, assessment: assessAgent(record, input.trials, config.minTrades) }));
  const assessments = new Map(assessed.map((a) => [a.record.agentId, a.assessment]));

  const retirement = selectRetirements(assessed, config);
  const population = input.agents.length - retirement.filter((d) => d.kind === 'retire').length;

  const decisions: BossDecision[] = [...retirement];
  const retired = new Set(retirement.filter((d) => d.kind === 'retire').map((d) => d.agentId));
  const candidates = assessed
    .filter((a) => !retired.has(a.record.agentId) && isPromotable(a.assessment, config))
    .sort((a, b) => b.assessment.dsr - a.assessment.dsr);

  let room = Math.min(config.maxClonesPerReview, Math.max(0, config.maxPopulation - population));
  for (const { record, assessment } of candidates) {
    const numbers = assessmentNumbers(assessment);
    if (room === 0) {
      decisions.push(refuse('clone', record, `promotable (DSR ${numbers.dsr} ≥ ${config.promoteDsr}) but the population is full or this review's clones are used`, numbers));
      continue;
    }
    const child = breedClone(record, input.paramsSchema(record.strategy), input.reviewSeed, config.mutation);
    const verdict = await vetClone(record, assessment, child, backtest, config);
    decisions.push(verdict);
    if (verdict.kind === 'clone') room -= 1;
  }
  return { assessments, decisions };
}

export function isPromotable(a: Assessment, config: EvolutionConfig): boolean {
  return !a.onProbation && a.dsr >= config.promoteDsr;
}

/** Why an agent should be retired, or undefined. */
export function retirementReason(record: AgentRecord, a: Assessment, config: EvolutionConfig): string | undefined {
  if (record.breakerTrips >= config.maxBreakerTrips) return `${record.breakerTrips} breaker trips (limit ${config.maxBreakerTrips})`;
  if (!a.onProbation && a.psr < config.retirePsr) return `PSR ${a.psr.toFixed(4)} that its Sharpe is above 0, below ${config.retirePsr}, after ${a.trades} trades`;
  return undefined;
}

function selectRetirements(assessed: readonly { record: AgentRecord; assessment: Assessment }[], config: EvolutionConfig): (RetireDecision | RefuseDecision)[] {
  const due = assessed
    .map((a) => ({ ...a, reason: retirementReason(a.record, a.assessment, config) }))
    .filter((a): a is typeof a & { reason: string } => a.reason !== undefined)
    // the worst record goes first: most trips, then lowest PSR
    .sort((a, b) => b.record.breakerTrips - a.record.breakerTrips || a.assessment.psr - b.assessment.psr);
  let retirable = Math.max(0, assessed.length - config.minPopulation);
  return due.map(({ record, assessment, reason }) => {
    const numbers = { ...assessmentNumbers(assessment), breakerTrips: record.breakerTrips };
    if (retirable === 0) return refuse('retire', record, `${reason}, but the population is at its minimum of ${config.minPopulation}`, numbers);
    retirable -= 1;
    return { kind: 'retire', agentId: record.agentId, reason, numbers, lineage: record.lineage };
  });
}

/** Starts a clone only if its backtest shows enough trades, a Sharpe above the bar and a profit. */
export async function vetClone(
  parent: AgentRecord,
  assessment: Assessment,
  child: ChildSpec,
  backtest: Backtest,
  config: EvolutionConfig,
): Promise<CloneDecision | RefuseDecision> {
  const parentNumbers = assessmentNumbers(assessment);
  if (child.mutated.length === 0) return refuse('clone', parent, 'no valid mutation of the params was found', parentNumbers);
  const result = await backtest(child);
  const numbers = {
    ...parentNumbers,
    childAgentId: child.agentId,
    backtestSharpe: result.sharpe,
    backtestTrades: result.trades,
    backtestPnlMicros: result.pnlMicros,
  };
  const { minTrades, minSharpe } = config.backtest;
  const failures = [
    result.trades < minTrades ? `${result.trades} trades < ${minTrades}` : '',
    !(result.sharpe > minSharpe) ? `Sharpe ${result.sharpe} ≤ ${minSharpe}` : '',
    result.pnlMicros <= 0n ? 'no profit' : '',
  ].filter(Boolean);
  if (failures.length > 0) return refuse('clone', parent, `clone ${child.agentId} failed its backtest: ${failures.join(', ')}`, numbers);
  return {
    kind: 'clone',
    agentId: parent.agentId,
    reason: `DSR ${parentNumbers.dsr} ≥ ${config.promoteDsr} after ${assessment.trades} trades; the clone passed its backtest`,
    numbers,
    lineage: parent.lineage,
    child,
  };
}

function refuse(refused: 'clone' | 'retire', record: AgentRecord, reason: string, numbers: RefuseDecision['numbers']): RefuseDecision {
  return { kind: 'refuse', refused, agentId: record.agentId, reason, numbers, lineage: record.lineage };
}
