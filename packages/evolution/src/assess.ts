import type { Lineage } from './decisions.js';
import { deflatedSharpe, probabilisticSharpe, returnMoments, sharpeRatio, type ReturnMoments, type Trials } from './stats.js';

/** An agent's record as the Boss reads it (the monitor's closed trades, the breakers' trip counts). */
export interface AgentRecord {
  readonly agentId: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly lineage: Lineage;
  /** per closed trade: realized pnl / capital the trade put at risk, oldest first */
  readonly returns: readonly number[];
  /** cost basis of its open positions: capital that cannot be taken back */
  readonly deployedMicros: bigint;
  /** breaker trips scoped to the agent so far (`agentTripCount` in @floor/risk) */
  readonly breakerTrips: number;
}

/** The statistics every decision is made from. */
export interface Assessment {
  readonly agentId: string;
  readonly moments: ReturnMoments;
  readonly trades: number;
  readonly sharpe: number;
  /** P(true Sharpe > 0) */
  readonly psr: number;
  /** P(true Sharpe > the best no-skill trial's) */
  readonly dsr: number;
  /** the Sharpe the DSR is measured against */
  readonly benchmarkSharpe: number;
  /** fewer than `minTrades`: not judged yet */
  readonly onProbation: boolean;
}

export function assessAgent(record: AgentRecord, trials: Trials, minTrades: number): Assessment {
  const moments = returnMoments(record.returns);
  const { dsr, benchmark } = deflatedSharpe(moments, trials);
  return {
    agentId: record.agentId,
    moments,
    trades: moments.n,
    sharpe: sharpeRatio(moments),
    psr: probabilisticSharpe(moments, 0),
    dsr,
    benchmarkSharpe: benchmark,
    onProbation: moments.n < minTrades,
  };
}

/** The numbers a decision carries, rounded for people (the full floats are in the assessment). */
export function assessmentNumbers(a: Assessment): Record<string, number> {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    trades: a.trades,
    sharpe: r(a.sharpe),
    psr: r(a.psr),
    dsr: r(a.dsr),
    benchmarkSharpe: r(a.benchmarkSharpe),
    skew: r(a.moments.skew),
    kurtosis: r(a.moments.kurtosis),
  };
}
