import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AgentRecord } from './assess.js';
import { EvolutionConfig } from './config.js';
import { ROOT_LINEAGE } from './decisions.js';
import { createRng } from './rng.js';
import { reviewPopulation, type Backtest, type ReviewInput } from './selection.js';
import { randomEntryReturns } from './experiment.js';

const config = EvolutionConfig.parse({ minPopulation: 1, maxPopulation: 10 });
const Params = z.object({ lookback: z.number().int().min(2).max(200).default(10) }).strict();

/** Returns with a chosen per-trade Sharpe (normal, so the PSR and DSR are easy to reason about). */
const series = (seed: number, n: number, drift: number) => randomEntryReturns(createRng(seed), n, 0.01, drift * 0.01);
const agent = (agentId: string, returns: number[], over: Partial<AgentRecord> = {}): AgentRecord => ({
  agentId,
  strategy: 'momentum',
  params: { lookback: 10 },
  lineage: ROOT_LINEAGE,
  returns,
  deployedMicros: 0n,
  breakerTrips: 0,
  ...over,
});
const input = (agents: AgentRecord[], over: Partial<ReviewInput> = {}): ReviewInput => ({
  agents,
  trials: { count: agents.length, sharpeVariance: 1 / 299 },
  paramsSchema: () => Params,
  reviewSeed: 1,
  config,
  ...over,
});
const passing: Backtest = async () => ({ sharpe: 0.3, trades: 50, pnlMicros: 10_000_000n });

describe('reviewPopulation', () => {
  const winner = agent('winner', series(1, 300, 0.2));
  const loser = agent('loser', series(2, 300, -0.2));
  /** Sharpe ≈ 0.01 with no luck involved: PSR ≈ 0.57, neither promoted nor retired */
  const middling = agent('middling', Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.0098)));
  const rookie = agent('rookie', series(4, 10, -0.5));

  it('clones a winner after its backtest and retires a loser, with the numbers behind each', async () => {
    const { decisions, assessments } = await reviewPopulation(input([winner, loser, middling, rookie]), passing);
    expect(assessments.get('winner')?.dsr).toBeGreaterThanOrEqual(0.95);
    expect(assessments.get('loser')?.psr).toBeLessThan(0.2);
    const byKind = decisions.map((d) => [d.kind, d.agentId]);
    expect(byKind).toEqual([
      ['retire', 'loser'],
      ['clone', 'winner'],
    ]);
    const clone = decisions.find((d) => d.kind === 'clone');
    expect(clone).toMatchObject({ child: { parentId: 'winner', generation: 1 }, numbers: { backtestTrades: 50, backtestPnlMicros: 10_000_000n } });
  });

  it('leaves an agent on probation alone, however it started', async () => {
    const { decisions } = await reviewPopulation(input([rookie, middling]), passing);
    expect(decisions).toEqual([]);
  });

  it('retires on breaker trips whatever the record', async () => {
    const { decisions } = await reviewPopulation(input([agent('tripper', series(5, 300, 0.2), { breakerTrips: 3 }), middling]), passing);
    expect(decisions[0]).toMatchObject({ kind: 'retire', agentId: 'tripper', reason: '3 breaker trips (limit 3)' });
  });

  it('refuses a retirement below the minimum population, worst first', async () => {
    const loser2 = agent('loser2', series(6, 300, -0.1));
    const { decisions } = await reviewPopulation(input([loser2, loser], { config: { ...config, minPopulation: 1 } }), passing);
    expect(decisions.map((d) => [d.kind, d.agentId])).toEqual([
      ['retire', 'loser'],
      ['refuse', 'loser2'],
    ]);
  });

  it('refuses a clone whose backtest fails, naming why, and one when the population is full', async () => {
    const failing: Backtest = async () => ({ sharpe: 0.5, trades: 5, pnlMicros: 0n });
    const failed = await reviewPopulation(input([winner, middling]), failing);
    expect(failed.decisions).toMatchObject([{ kind: 'refuse', refused: 'clone', agentId: 'winner', reason: expect.stringMatching(/5 trades < 20, no profit/) }]);

    const backtest = vi.fn(passing);
    const full = await reviewPopulation(input([winner, middling], { config: { ...config, maxPopulation: 2 } }), backtest);
    expect(full.decisions).toMatchObject([{ kind: 'refuse', refused: 'clone', reason: expect.stringMatching(/population is full/) }]);
    expect(backtest).not.toHaveBeenCalled();
  });

  it('clones the best first, at most maxClonesPerReview', async () => {
    const great = agent('great', series(7, 300, 0.4));
    const { decisions } = await reviewPopulation(input([winner, great, middling]), passing);
    expect(decisions.map((d) => [d.kind, d.agentId])).toEqual([
      ['clone', 'great'],
      ['refuse', 'winner'],
    ]);
  });

  it('deflates: the same record is not promoted among many trials', async () => {
    const modest = agent('modest', series(8, 300, 0.08));
    const alone = await reviewPopulation(input([modest, middling], { trials: { count: 2, sharpeVariance: 1 / 299 } }), passing);
    const crowd = await reviewPopulation(input([modest, middling], { trials: { count: 5_000, sharpeVariance: 1 / 299 } }), passing);
    expect(alone.decisions.map((d) => d.kind)).toEqual(['clone']);
    expect(crowd.decisions).toEqual([]);
    // same Sharpe and PSR; only the benchmark (the best of the trials by luck) moved
    expect(crowd.assessments.get('modest')?.sharpe).toBe(alone.assessments.get('modest')?.sharpe);
    expect(crowd.assessments.get('modest')?.benchmarkSharpe).toBeGreaterThan(alone.assessments.get('modest')?.benchmarkSharpe ?? Infinity);
  });
});
