import { allocateCapital } from './allocation.js';
import { assessAgent, type AgentRecord } from './assess.js';
import type { EvolutionConfig } from './config.js';
import { ROOT_LINEAGE } from './decisions.js';
import { createRng, type Rng } from './rng.js';
import { probabilisticSharpe, trialsFrom } from './stats.js';
import { isPromotable } from './selection.js';

/**
 * Generated-data check of the promotion rule: N agents that enter at random on random-walk prices (no edge at
 * all), optionally one agent whose returns carry a positive drift (a real edge). Each trade holds for 1..10
 * steps of the walk; its return is the sum of those steps (N(0, σ) each, plus the drift for the edge agent).
 *
 * Every agent counts as a trial for the deflation. A no-edge agent the rule promotes is a false promotion.
 * The figures to expect (see evolution.test.ts): with 200 agents × 300 trades, the DSR rule promotes ~0 % of the
 * no-edge agents (the stated bound is 1 %), where the undeflated PSR ≥ 0.95 rule promotes ~5 %; an edge agent
 * with drift 0.15 σ per step (per-trade Sharpe ≈ 0.35) is promoted and gets the largest allotment.
 */
export interface ExperimentOptions {
  readonly agents: number;
  readonly tradesPerAgent: number;
  readonly seed: number;
  /** drift per walk step of the one edge agent, in units of σ; omit for no edge agent */
  readonly edgeDriftPerStep?: number;
  /** σ of one walk step, as a return; any positive value (Sharpes do not depend on it) */
  readonly stepVolatility?: number;
  readonly bankrollMicros?: bigint;
}

export interface ExperimentResult {
  readonly agents: number;
  readonly falsePromotions: number;
  /** false promotions / no-edge agents, by the DSR rule */
  readonly falsePromotionRate: number;
  /** the same with PSR(0) ≥ promoteDsr instead: what the deflation saves */
  readonly undeflatedFalsePromotionRate: number;
  readonly benchmarkSharpe: number;
  readonly edgeAgent?: {
    readonly sharpe: number;
    readonly dsr: number;
    readonly promoted: boolean;
    readonly targetMicros: bigint;
    /** the largest allotment of any no-edge agent */
    readonly maxNullTargetMicros: bigint;
    readonly medianNullTargetMicros: bigint;
  };
}

export const EDGE_AGENT_ID = 'edge';

export function runPromotionExperiment(options: ExperimentOptions, config: EvolutionConfig): ExperimentResult {
  const rng = createRng(options.seed);
  const sigma = options.stepVolatility ?? 0.01;
  const records: AgentRecord[] = [];
  for (let i = 0; i < options.agents; i += 1) records.push(record(`null-${i}`, randomEntryReturns(rng, options.tradesPerAgent, sigma, 0)));
  if (options.edgeDriftPerStep !== undefined) {
    records.push(record(EDGE_AGENT_ID, randomEntryReturns(rng, options.tradesPerAgent, sigma, options.edgeDriftPerStep * sigma)));
  }

  const firstPass = records.map((r) => assessAgent(r, { count: 1, sharpeVariance: 0 }, config.minTrades));
  const trials = trialsFrom(firstPass.map((a) => a.sharpe), options.tradesPerAgent);
  const assessed = records.map((r) => assessAgent(r, trials, config.minTrades));

  const nulls = assessed.filter((a) => a.agentId !== EDGE_AGENT_ID);
  const falsePromotions = nulls.filter((a) => isPromotable(a, config)).length;
  const undeflated = nulls.filter((a) => !a.onProbation && probabilisticSharpe(a.moments, 0) >= config.promoteDsr).length;

  const edge = assessed.find((a) => a.agentId === EDGE_AGENT_ID);
  let edgeAgent: ExperimentResult['edgeAgent'];
  if (edge) {
    const allocation = allocateCapital(
      options.bankrollMicros ?? 10_000_000_000n,
      assessed.map((assessment) => ({ agentId: assessment.agentId, lineage: ROOT_LINEAGE, assessment, deployedMicros: 0n })),
      config,
    );
    const target = (id: string) => allocation.decisions.find((d) => d.agentId === id)?.targetMicros ?? 0n;
    const nullTargets = nulls.map((a) => target(a.agentId)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    edgeAgent = {
      sharpe: edge.sharpe,
      dsr: edge.dsr,
      promoted: isPromotable(edge, config),
      targetMicros: target(EDGE_AGENT_ID),
      maxNullTargetMicros: nullTargets[nullTargets.length - 1] ?? 0n,
      medianNullTargetMicros: nullTargets[Math.floor(nullTargets.length / 2)] ?? 0n,
    };
  }
  return {
    agents: records.length,
    falsePromotions,
    falsePromotionRate: nulls.length > 0 ? falsePromotions / nulls.length : 0,
    undeflatedFalsePromotionRate: nulls.length > 0 ? undeflated / nulls.length : 0,
    benchmarkSharpe: assessed[0]?.benchmarkSharpe ?? 0,
    ...(edgeAgent ? { edgeAgent } : {}),
  };
}

/** Trade returns of random entries on a random walk: each holds 1..10 steps of N(drift, σ). */
export function randomEntryReturns(rng: Rng, trades: number, sigma: number, driftPerStep: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < trades; t += 1) {
    const hold = rng.int(1, 10);
    let r = 0;
    for (let s = 0; s < hold; s += 1) r += driftPerStep + sigma * rng.normal();
    out.push(r);
  }
  return out;
}

function record(agentId: string, returns: number[]): AgentRecord {
  return { agentId, strategy: 'random-entry', params: {}, lineage: ROOT_LINEAGE, returns, deployedMicros: 0n, breakerTrips: 0 };
}
