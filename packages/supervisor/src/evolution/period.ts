import type { z } from 'zod';
import {
  allocateCapital,
  assessAgent,
  reviewPopulation,
  trialsFrom,
  type AgentRecord,
  type Allocation,
  type Backtest,
  type BacktestResult,
  type BossDecision,
  type ChildSpec,
  type CloneDecision,
  type EvolutionConfig,
  type Lineage,
  type RefuseDecision,
  type RetireDecision,
  type Review,
  type Trials,
} from '@floor/evolution';
import { tradeReturn, type ClosedTrade } from './trips.js';

/**
 * The Boss's evaluation period as a pure function of what it read: who is judged on what record, how many
 * trials the deflation counts, then `reviewPopulation` (retire, clone, refuse) and `allocateCapital` over the
 * agents that stay plus the new clones (on probation). The only effect is the clone backtest it is handed.
 */

/** What the Boss knows of one agent it supervises. */
export interface PopulationMember {
  readonly agentId: string;
  readonly strategy: string;
  /** the params its strategy file resolves to: what a clone mutates */
  readonly params: Readonly<Record<string, unknown>>;
  readonly lineage: Lineage;
  readonly trades: readonly ClosedTrade[];
  /** capital in open positions or lost: never taken back (allocated − cash, at least 0) */
  readonly deployedMicros: bigint;
  readonly breakerTrips: number;
}

export function toAgentRecord(m: PopulationMember): AgentRecord {
  return {
    agentId: m.agentId,
    strategy: m.strategy,
    params: m.params,
    lineage: m.lineage,
    returns: m.trades.map(tradeReturn),
    deployedMicros: m.deployedMicros,
    breakerTrips: m.breakerTrips,
  };
}

/**
 * The multiple-testing count behind a promotion: every agent ever tried (live, stopped, retired) is a trial.
 * The spread of their Sharpes is measured on those with at least `minTrades` closed trades (a shorter record's
 * Sharpe is mostly noise and would inflate the bar); the rest count as trials without a usable record.
 */
export function trialsOf(tradesOfEveryAgent: ReadonlyMap<string, readonly ClosedTrade[]>, everyAgentId: readonly string[], minTrades: number): Trials {
  const judged: number[] = [];
  for (const agentId of everyAgentId) {
    const trades = tradesOfEveryAgent.get(agentId) ?? [];
    if (trades.length < minTrades) continue;
    judged.push(assessAgent({ agentId, strategy: '', params: {}, lineage: { parentId: null, generation: 0 }, returns: trades.map(tradeReturn), deployedMicros: 0n, breakerTrips: 0 }, { count: 1, sharpeVariance: 0 }, minTrades).sharpe);
  }
  return trialsFrom(judged, minTrades, everyAgentId.length - judged.length);
}

export interface PeriodInput {
  readonly period: number;
  readonly bankrollMicros: bigint;
  readonly population: readonly PopulationMember[];
  readonly trials: Trials;
  readonly paramsSchema: (strategy: string) => z.ZodType;
  readonly config: EvolutionConfig;
}

export interface PeriodDecisions {
  readonly review: Review;
  readonly retirements: readonly RetireDecision[];
  readonly clones: readonly CloneDecision[];
  readonly refusals: readonly RefuseDecision[];
  readonly allocation: Allocation;
}

/** Why a clone could not be tested, or undefined when it can be (the backtest's verdict then decides). */
export type CloneTest = { readonly ok: true; readonly run: Backtest } | { readonly ok: false; readonly reason: string };

/** Sentinel result for an untested clone: `vetClone` refuses it, and the reason is rewritten to say why. */
const UNTESTED: BacktestResult = { sharpe: 0, trades: 0, pnlMicros: 0n };

export async function decidePeriod(input: PeriodInput, cloneTest: CloneTest): Promise<PeriodDecisions> {
  const untested = new Set<string>();
  const backtest: Backtest = cloneTest.ok
    ? cloneTest.run
    : async (child: ChildSpec) => {
        untested.add(child.agentId);
        return UNTESTED;
      };
  const review = await reviewPopulation(
    {
      agents: input.population.map(toAgentRecord),
      trials: input.trials,
      paramsSchema: input.paramsSchema,
      reviewSeed: input.period,
      config: input.config,
    },
    backtest,
  );
  const decisions = review.decisions.map((d) => (cloneTest.ok ? d : explainUntested(d, untested, cloneTest.reason)));

  const retirements = decisions.filter((d): d is RetireDecision => d.kind === 'retire');
  const clones = decisions.filter((d): d is CloneDecision => d.kind === 'clone');
  const refusals = decisions.filter((d): d is RefuseDecision => d.kind === 'refuse');

  // next period's capital: the agents that stay, judged on their record, and the clones, on probation
  const retired = new Set(retirements.map((d) => d.agentId));
  const stay = input.population.filter((m) => !retired.has(m.agentId));
  const allocationInputs = [
    ...stay.map((m) => ({ agentId: m.agentId, lineage: m.lineage, assessment: review.assessments.get(m.agentId) ?? assessAgent(toAgentRecord(m), input.trials, input.config.minTrades), deployedMicros: m.deployedMicros })),
    ...clones.map((c) => {
      const lineage = { parentId: c.child.parentId, generation: c.child.generation };
      const record: AgentRecord = { agentId: c.child.agentId, strategy: c.child.strategy, params: c.child.params, lineage, returns: [], deployedMicros: 0n, breakerTrips: 0 };
      return { agentId: c.child.agentId, lineage, assessment: assessAgent(record, input.trials, input.config.minTrades), deployedMicros: 0n };
    }),
  ];
  const allocation = allocateCapital(input.bankrollMicros, allocationInputs, input.config);
  return { review: { ...review, decisions }, retirements, clones, refusals, allocation };
}

function explainUntested(d: BossDecision, untested: ReadonlySet<string>, reason: string): BossDecision {
  if (d.kind !== 'refuse' || d.refused !== 'clone') return d;
  const childId = d.numbers.childAgentId;
  if (typeof childId !== 'string' || !untested.has(childId)) return d;
  const { backtestSharpe: _s, backtestTrades: _t, backtestPnlMicros: _p, ...numbers } = d.numbers;
  return { ...d, numbers, reason: `promotable, but clone ${childId} cannot be tested before it starts: ${reason}` };
}

/** The params a clone changed, `{ name: { from, to } }`, for its file header, its decision row and the family tree. */
export function mutatedParams(parent: Readonly<Record<string, unknown>>, child: ChildSpec): Record<string, { from: unknown; to: unknown }> {
  return Object.fromEntries(child.mutated.map((k) => [k, { from: parent[k] ?? null, to: child.params[k] ?? null }]));
}

/** The period an instant falls in. */
export function periodOf(nowMs: number, periodMs: number): number {
  return Math.floor(nowMs / periodMs);
}
