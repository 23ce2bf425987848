import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocateCapital, type AllocationInput } from './allocation.js';
import type { Assessment } from './assess.js';
import { EvolutionConfig } from './config.js';
import { ROOT_LINEAGE } from './decisions.js';

const config = EvolutionConfig.parse({});
const USD = 1_000_000n;
const BANKROLL = 10_000n * USD;

const assessment = (over: Partial<Assessment> = {}): Assessment => ({
  agentId: 'a',
  moments: { n: 100, mean: 0, std: 1, skew: 0, kurtosis: 3 },
  trades: 100,
  sharpe: 0.2,
  psr: 0.9,
  dsr: 0.5,
  benchmarkSharpe: 0.1,
  onProbation: false,
  ...over,
});
const agent = (agentId: string, a: Partial<Assessment> = {}, deployedMicros = 0n): AllocationInput => ({
  agentId,
  lineage: ROOT_LINEAGE,
  assessment: assessment({ agentId, ...a }),
  deployedMicros,
});
const targetOf = (r: ReturnType<typeof allocateCapital>, id: string) => r.decisions.find((d) => d.agentId === id)?.targetMicros;

describe('allocateCapital', () => {
  it('splits by max(0, Sharpe) × PSR, exactly, up to the per-agent cap', () => {
    const r = allocateCapital(BANKROLL, [agent('a', { sharpe: 0.1, psr: 0.9 }), agent('b', { sharpe: 0.3, psr: 0.9 }), agent('c', { sharpe: -0.2, psr: 0.1 })], config);
    // weights 0.09 : 0.27 : 0 → 2,500 : 7,500, capped at 20 % = 2,000
    expect(targetOf(r, 'a')).toBe(2_000n * USD);
    expect(targetOf(r, 'b')).toBe(2_000n * USD);
    expect(targetOf(r, 'c')).toBe(0n);
    expect(r.unallocatedMicros).toBe(6_000n * USD);
    expect(r.decisions.find((d) => d.agentId === 'c')?.reason).toBe('no positive risk-adjusted record');
  });

  it('gives agents on probation their fixed probation capital', () => {
    const r = allocateCapital(BANKROLL, [agent('new', { onProbation: true, trades: 3 }), agent('old', { sharpe: 0.01, psr: 0.6 })], { ...config, allocation: { probationShare: 0.02, maxAgentShare: 1 } });
    expect(targetOf(r, 'new')).toBe(200n * USD);
    expect(targetOf(r, 'old')).toBe(9_800n * USD);
    expect(r.unallocatedMicros).toBe(0n);
  });

  it('never takes back deployed capital, trimming the others to fit', () => {
    const r = allocateCapital(BANKROLL, [agent('loser', { sharpe: -1 }, 3_000n * USD), agent('winner', { sharpe: 1, psr: 1 })], { ...config, allocation: { probationShare: 0, maxAgentShare: 1 } });
    expect(targetOf(r, 'loser')).toBe(3_000n * USD);
    expect(targetOf(r, 'winner')).toBe(7_000n * USD);
    expect(r.decisions[0]?.reason).toBe('held at its deployed capital (never taken back)');
  });

  it('invariants: Σ ≤ bankroll and exact, deployed kept, cap and probation respected (property)', () => {
    const arbAgent = fc.record({
      sharpe: fc.double({ min: -2, max: 2, noNaN: true }),
      psr: fc.double({ min: 0, max: 1, noNaN: true }),
      onProbation: fc.boolean(),
      deployedPpm: fc.integer({ min: 0, max: 1_000_000 }),
    });
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.array(arbAgent, { minLength: 0, maxLength: 25 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (bankroll, raw, probationShare, maxAgentShare) => {
          // deployed amounts that together fit in the bankroll (agents deploy only what they were allotted)
          const totalPpm = raw.reduce((s, a) => s + a.deployedPpm, 0) || 1;
          const agents = raw.map((a, i) => agent(`a${i}`, { sharpe: a.sharpe, psr: a.psr, onProbation: a.onProbation }, (bankroll * BigInt(a.deployedPpm)) / BigInt(Math.max(totalPpm, 1_000_000))));
          const cfg = { ...config, allocation: { probationShare, maxAgentShare } };
          const r = allocateCapital(bankroll, agents, cfg);
          const targets = r.decisions.map((d) => d.targetMicros);
          const sum = targets.reduce((s, t) => s + t, 0n);
          expect(sum + r.unallocatedMicros).toBe(bankroll);
          expect(sum <= bankroll).toBe(true);
          const cap = (bankroll * BigInt(Math.round(maxAgentShare * 1e6))) / 1_000_000n;
          agents.forEach((a, i) => {
            const t = targets[i] ?? 0n;
            expect(t >= a.deployedMicros).toBe(true);
            // above its deployed amount, no one gets more than the cap
            if (t > a.deployedMicros) expect(t <= cap).toBe(true);
            if (a.assessment.onProbation || a.assessment.sharpe > 0) return;
            // a judged agent without a positive Sharpe gets nothing beyond what it has deployed
            expect(t).toBe(a.deployedMicros);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});
