import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from 'yaml';
import { createRng, EvolutionConfig, randomEntryReturns, type CloneDecision } from '@floor/evolution';
import { cloneFileText } from './clone-file.js';
import { decidePeriod, periodOf, trialsOf, type CloneTest, type PopulationMember } from './period.js';
import type { ClosedTrade } from './trips.js';

const config = EvolutionConfig.parse({ minTrades: 30, minPopulation: 1, allocation: { probationShare: 0.02, maxAgentShare: 0.3 }, backtest: { minTrades: 5 } });
const schema = z.object({ lookback: z.number().int().min(2).max(200), threshold: z.number().min(0).max(1) }).strict();
const BANKROLL = 10_000_000_000n;

/** Closed trades whose returns are `returns` (cost $10 each). */
const tradesOf = (agentId: string, returns: readonly number[]): ClosedTrade[] =>
  returns.map((r, i) => ({ agentId, tokenId: `t${i}`, marketId: 'm', openedAtMs: i, closedAtMs: i + 1, pnlMicros: BigInt(Math.round(r * 10_000_000)), costMicros: 10_000_000n, settled: false, seq: BigInt(i + 1) }));

const member = (agentId: string, returns: readonly number[], extra: Partial<PopulationMember> = {}): PopulationMember => ({
  agentId,
  strategy: 'toy',
  params: { lookback: 10, threshold: 0.5 },
  lineage: { parentId: null, generation: 0 },
  trades: tradesOf(agentId, returns),
  deployedMicros: 0n,
  breakerTrips: 0,
  ...extra,
});

function population(): PopulationMember[] {
  const rng = createRng(3);
  const nulls = Array.from({ length: 8 }, (_, i) => member(`null-${i}`, randomEntryReturns(rng, 60, 0.02, 0)));
  return [
    ...nulls,
    member('edge', randomEntryReturns(rng, 60, 0.02, 0.02)),
    member('loser', randomEntryReturns(rng, 60, 0.02, -0.01)),
    member('newbie', randomEntryReturns(rng, 3, 0.02, 0)),
  ];
}

const passing: CloneTest = { ok: true, run: async () => ({ sharpe: 0.3, trades: 12, pnlMicros: 5_000_000n }) };

async function decide(cloneTest: CloneTest, pop = population()) {
  const trades = new Map(pop.map((m) => [m.agentId, m.trades] as const));
  const trials = trialsOf(trades, pop.map((m) => m.agentId), config.minTrades);
  return decidePeriod({ period: 480_000, bankrollMicros: BANKROLL, population: pop, trials, paramsSchema: () => schema, config }, cloneTest);
}

describe("the Boss's evaluation period (pure glue)", () => {
  it('clones the edge agent, retires the loser, and gives the clone probation capital', async () => {
    const d = await decide(passing);
    expect(d.clones.map((c) => c.agentId)).toEqual(['edge']);
    const clone = d.clones[0] as CloneDecision;
    expect(clone.child).toMatchObject({ parentId: 'edge', generation: 1, strategy: 'toy' });
    expect(clone.child.agentId).toMatch(/^edge-g1-[0-9a-f]{4}$/);
    expect(clone.child.mutated.length).toBeGreaterThan(0);
    // the loser goes (no-edge agents whose luck ran badly may go too: PSR < retirePsr is the rule)
    const retired = d.retirements.map((r) => r.agentId);
    expect(retired).toContain('loser');
    expect(retired).not.toContain('edge');
    expect(retired).not.toContain('newbie');

    const target = (id: string) => d.allocation.decisions.find((a) => a.agentId === id)?.targetMicros;
    expect(target('loser')).toBeUndefined();
    expect(target(clone.child.agentId)).toBe(200_000_000n); // 2 % probation
    expect(target('newbie')).toBe(200_000_000n);
    const nullMax = Math.max(...d.allocation.decisions.filter((a) => a.agentId.startsWith('null-')).map((a) => Number(a.targetMicros)));
    expect(Number(target('edge'))).toBeGreaterThan(nullMax);
    const total = d.allocation.decisions.reduce((s, a) => s + a.targetMicros, 0n);
    expect(total + d.allocation.unallocatedMicros).toBe(BANKROLL);
  });

  it('refuses a clone it cannot test, saying why, and still allocates', async () => {
    const d = await decide({ ok: false, reason: 'no clone-test dataset is configured (evolution.cloneTestDataset)' });
    expect(d.clones).toEqual([]);
    const refusal = d.refusals.find((r) => r.refused === 'clone' && r.agentId === 'edge');
    expect(refusal?.reason).toMatch(/cannot be tested before it starts: no clone-test dataset is configured/);
    expect(refusal?.numbers).not.toHaveProperty('backtestTrades');
    expect(d.allocation.decisions.map((a) => a.agentId)).toContain('edge');
  });

  it('a clone that fails its backtest is refused with the numbers', async () => {
    const d = await decide({ ok: true, run: async () => ({ sharpe: -0.1, trades: 40, pnlMicros: -1n }) });
    const refusal = d.refusals.find((r) => r.refused === 'clone');
    expect(refusal?.reason).toMatch(/failed its backtest: Sharpe -0.1 ≤ 0, no profit/);
    expect(refusal?.numbers).toMatchObject({ backtestTrades: 40 });
  });

  it('writes a clone file that names its parent, generation and mutations, and parses as a strategy file', async () => {
    const d = await decide(passing);
    const clone = d.clones[0] as CloneDecision;
    const text = cloneFileText(clone, { agentId: 'edge', strategy: 'toy', markets: 'all', risk: { maxOpenPositions: 3 }, resolvedParams: { lookback: 10, threshold: 0.5 } }, { period: 480_000, nowMs: Date.UTC(2025, 0, 1), dataset: 'data/x.jsonl.gz' });
    expect(text).toMatch(/^# Clone of edge, generation 1, bred by the Floor Boss in evaluation period 480000/);
    expect(text).toMatch(/# Mutated params: .*→/);
    const body = parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({ strategy: 'toy', live: false, markets: 'all', risk: { maxOpenPositions: 3 }, params: clone.child.params });
  });

  it('numbers periods from the epoch', () => {
    expect(periodOf(7_199_999, 3_600_000)).toBe(1);
    expect(periodOf(7_200_000, 3_600_000)).toBe(2);
  });
});
