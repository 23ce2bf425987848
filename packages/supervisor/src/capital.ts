import { createHash } from 'node:crypto';
import type { Logger } from '@floor/telemetry';
import { numberToMicros } from '@floor/domain';
import { allocateCapital, readAgentPortfolio, type Actor, type Db } from '@floor/db';

/**
 * Capital split across agents. The split itself is pure integer math; applying it goes through the ledger
 * (`allocateCapital`), one balanced transaction per agent with its audit row.
 */

export interface WeightedAgent {
  readonly agentId: string;
  /** relative share from the strategy file; precise to 10^-6 */
  readonly weight: number;
}

/**
 * target_i = ⌊bankroll × w_i / Σw⌋ in micro-USDC. Weights become integer micro-weights first so no float touches
 * money. The few micros the flooring leaves over stay with the floor: handing them to "someone" would make the
 * split depend on ordering.
 */
export function splitBankroll(bankrollMicros: bigint, agents: readonly WeightedAgent[]): Map<string, bigint> {
  const weights = agents.map((a) => [a.agentId, numberToMicros(a.weight)] as const);
  const total = weights.reduce((sum, [, w]) => sum + w, 0n);
  const out = new Map<string, bigint>();
  for (const [agentId, w] of weights) out.set(agentId, total > 0n ? (bankrollMicros * w) / total : 0n);
  return out;
}

/** Names one split decision: same bankroll, agents and weights → same ref. */
export function splitRef(bankrollMicros: bigint, agents: readonly WeightedAgent[]): string {
  const material = [...agents]
    .map((a) => `${a.agentId}=${numberToMicros(a.weight)}`)
    .sort()
    .join(',');
  return `split-${createHash('sha256').update(`${bankrollMicros}|${material}`).digest('hex').slice(0, 16)}`;
}

/**
 * Never take back capital the agent has deployed. Lowering an allotment moves cash back to the floor, so it can
 * move at most the agent's cash: the target may not go below `allocated − cash` (what sits in positions, was
 * paid in fees or was lost).
 */
export function clampTarget(input: { targetMicros: bigint; allocatedMicros: bigint; cashMicros: bigint }): {
  targetMicros: bigint;
  clamped: boolean;
  floorMicros: bigint;
} {
  const floorMicros = input.allocatedMicros - input.cashMicros;
  return input.targetMicros < floorMicros
    ? { targetMicros: floorMicros, clamped: true, floorMicros }
    : { targetMicros: input.targetMicros, clamped: false, floorMicros };
}

export interface AllocationResult {
  readonly agentId: string;
  readonly targetMicros: bigint;
  readonly movedMicros: bigint;
  readonly clamped: boolean;
}

/**
 * Brings every agent's allotment to its share of the bankroll, and takes the idle cash of agents that left the
 * split (`released`) back to the floor. The ledger ref is the split ref plus the allotment it started from,
 * so re-running the same decision (a Boss restart) moves nothing, while returning to an earlier split later
 * is a new decision.
 */
export async function applyCapitalSplit(
  db: Db,
  input: {
    bankrollMicros: bigint;
    agents: readonly WeightedAgent[];
    released?: readonly string[];
    actor: Actor;
    log: Logger;
  },
): Promise<AllocationResult[]> {
  const ref = splitRef(input.bankrollMicros, input.agents);
  const targets = splitBankroll(input.bankrollMicros, input.agents);
  for (const agentId of input.released ?? []) if (!targets.has(agentId)) targets.set(agentId, 0n);

  const results: AllocationResult[] = [];
  for (const [agentId, wanted] of targets) {
    const portfolio = await readAgentPortfolio(db, agentId);
    const { targetMicros, clamped, floorMicros } = clampTarget({
      targetMicros: wanted,
      allocatedMicros: portfolio.allocatedMicros,
      cashMicros: portfolio.cashMicros,
    });
    if (clamped) {
      input.log.warn(
        { agentId, wantedMicros: wanted, targetMicros, deployedMicros: floorMicros, ref },
        'allocation clamped: not taking back deployed capital',
      );
    }
    let movedMicros = 0n;
    if (targetMicros !== portfolio.allocatedMicros) {
      movedMicros = await allocateCapital(db, {
        agentId,
        targetMicros,
        ref: `${ref}@${portfolio.allocatedMicros}`,
        actor: input.actor,
      });
    }
    results.push({ agentId, targetMicros, movedMicros, clamped });
  }
  return results;
}

/**
 * Capital once it follows performance (after the first evaluation period): an agent with no allotment yet (a new
 * strategy file) gets `probationMicros`; an agent that left gets its idle cash taken back (its allotment drops
 * to what it has deployed). Everyone else keeps what the last evaluation gave them. Refs make each move once:
 * `probation` per agent, `release@<allotment>` per release.
 */
export async function applyProbationCapital(
  db: Db,
  input: { probationMicros: bigint; agents: readonly string[]; released: readonly string[]; actor: Actor },
): Promise<AllocationResult[]> {
  const results: AllocationResult[] = [];
  for (const agentId of input.agents) {
    const portfolio = await readAgentPortfolio(db, agentId);
    if (portfolio.allocatedMicros !== 0n || portfolio.fillCount > 0) continue;
    const movedMicros = await allocateCapital(db, { agentId, targetMicros: input.probationMicros, ref: 'probation', actor: input.actor });
    results.push({ agentId, targetMicros: input.probationMicros, movedMicros, clamped: false });
  }
  for (const agentId of input.released) {
    const portfolio = await readAgentPortfolio(db, agentId);
    const { targetMicros, clamped } = clampTarget({ targetMicros: 0n, allocatedMicros: portfolio.allocatedMicros, cashMicros: portfolio.cashMicros });
    if (targetMicros === portfolio.allocatedMicros) continue;
    const movedMicros = await allocateCapital(db, { agentId, targetMicros, ref: `release@${portfolio.allocatedMicros}`, actor: input.actor });
    results.push({ agentId, targetMicros, movedMicros, clamped });
  }
  return results;
}
