import { numberToMicros } from '@floor/domain';
import { assessmentNumbers, type Assessment } from './assess.js';
import type { EvolutionConfig } from './config.js';
import type { AllocateDecision, Lineage } from './decisions.js';

/**
 * Capital for each agent for the next evaluation period, from risk-adjusted performance:
 *
 * 1. An agent on probation (fewer than `minTrades`) gets `probationShare` of the bankroll.
 * 2. The rest of the bankroll is split among judged agents in proportion to max(0, Sharpe) × PSR: the Sharpe
 *    weighted by the confidence that it is real. A non-positive Sharpe earns nothing.
 * 3. No agent gets more than `maxAgentShare` of the bankroll; what a cap leaves over stays unallocated (a
 *    reserve), rather than being pushed onto agents that did not earn it.
 * 4. No agent gets less than it has deployed: capital in open positions is never taken back. If those floors
 *    push the sum over the bankroll, the others' amounts above their floors shrink pro rata.
 *
 * Integer micro-USD throughout: Σ targets + unallocated = bankroll exactly, and Σ targets ≤ bankroll whenever
 * Σ deployed ≤ bankroll (otherwise every target is its deployed amount and `unallocatedMicros` is negative).
 */

export interface AllocationInput {
  readonly agentId: string;
  readonly lineage: Lineage;
  readonly assessment: Assessment;
  readonly deployedMicros: bigint;
}

export interface Allocation {
  readonly decisions: readonly AllocateDecision[];
  /** bankroll − Σ targets */
  readonly unallocatedMicros: bigint;
}

/** Weights are scores scaled to integers so the split itself is exact. */
const WEIGHT_SCALE = 1e9;

export function allocateCapital(bankrollMicros: bigint, agents: readonly AllocationInput[], config: EvolutionConfig): Allocation {
  const { probationShare, maxAgentShare } = config.allocation;
  const capMicros = shareOf(bankrollMicros, maxAgentShare);
  const probationers = agents.filter((a) => a.assessment.onProbation);

  // 1. probation: a fixed amount each, scaled down if they alone would exceed the bankroll
  const probationEach = min(shareOf(bankrollMicros, probationShare), capMicros);
  const probationTotal = probationEach * BigInt(probationers.length);
  const probationMicros = probationTotal <= bankrollMicros || probationers.length === 0 ? probationEach : bankrollMicros / BigInt(probationers.length);

  // 2. + 3. the rest by score, capped
  const budget = max(0n, bankrollMicros - probationMicros * BigInt(probationers.length));
  const weights = new Map(agents.map((a) => [a.agentId, a.assessment.onProbation ? 0n : weightOf(a.assessment)]));
  const totalWeight = [...weights.values()].reduce((s, w) => s + w, 0n);
  const desired = new Map<string, bigint>();
  for (const a of agents) {
    if (a.assessment.onProbation) desired.set(a.agentId, probationMicros);
    else desired.set(a.agentId, totalWeight > 0n ? min(capMicros, (budget * (weights.get(a.agentId) ?? 0n)) / totalWeight) : 0n);
  }

  // 4. never below deployed; shrink the excess above those floors if they overflow the bankroll
  const floored = agents.map((a) => max(desired.get(a.agentId) ?? 0n, max(0n, a.deployedMicros)));
  const floors = agents.map((a) => max(0n, a.deployedMicros));
  const targets = fitToBankroll(floored, floors, bankrollMicros);

  const decisions = agents.map((a, i): AllocateDecision => {
    const targetMicros = targets[i] ?? 0n;
    const want = desired.get(a.agentId) ?? 0n;
    return {
      kind: 'allocate',
      agentId: a.agentId,
      targetMicros,
      reason: allocationReason(a, want, targetMicros, capMicros),
      numbers: { ...assessmentNumbers(a.assessment), targetMicros, desiredMicros: want, deployedMicros: a.deployedMicros, capMicros },
      lineage: a.lineage,
    };
  });
  const allocated = targets.reduce((s, t) => s + t, 0n);
  return { decisions, unallocatedMicros: bankrollMicros - allocated };
}

/** max(0, Sharpe) × PSR as an integer weight. */
function weightOf(a: Assessment): bigint {
  const score = Math.max(0, a.sharpe) * a.psr;
  return Number.isFinite(score) ? BigInt(Math.round(score * WEIGHT_SCALE)) : 0n;
}

/**
 * Targets ≥ floors with Σ ≤ bankroll: each target's excess over its floor is scaled by (room / Σ excess), rounded
 * down, when Σ targets exceeds the bankroll. If the floors alone exceed it, the floors are the targets.
 */
function fitToBankroll(targets: readonly bigint[], floors: readonly bigint[], bankrollMicros: bigint): bigint[] {
  const total = targets.reduce((s, t) => s + t, 0n);
  if (total <= bankrollMicros) return [...targets];
  const floorTotal = floors.reduce((s, f) => s + f, 0n);
  const room = max(0n, bankrollMicros - floorTotal);
  const excessTotal = total - floorTotal;
  if (excessTotal === 0n) return [...floors];
  return targets.map((t, i) => {
    const floor = floors[i] ?? 0n;
    return floor + ((t - floor) * room) / excessTotal;
  });
}

function allocationReason(a: AllocationInput, desired: bigint, target: bigint, cap: bigint): string {
  if (target > desired) return 'held at its deployed capital (never taken back)';
  if (a.assessment.onProbation) return `probation: ${a.assessment.trades} trades so far`;
  if (desired === 0n) return 'no positive risk-adjusted record';
  if (desired === cap) return 'capped at the per-agent maximum';
  if (target < desired) return 'share of Sharpe × PSR, trimmed to fit the deployed capital of others';
  return 'share of Sharpe × PSR';
}

function shareOf(amount: bigint, share: number): bigint {
  return (amount * numberToMicros(share)) / 1_000_000n;
}
function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
