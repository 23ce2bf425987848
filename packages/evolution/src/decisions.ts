/**
 * What the Boss decides, as values with their numbers: the Boss applies them (ledger, PM2) and writes each to the
 * audit log as is (`stringifyWire` for the bigints).
 */

export interface Lineage {
  /** null for an agent from a strategy file */
  readonly parentId: string | null;
  /** 0 for an agent from a strategy file, parent's + 1 for a clone */
  readonly generation: number;
}

export const ROOT_LINEAGE: Lineage = { parentId: null, generation: 0 };

export type DecisionNumbers = Readonly<Record<string, number | bigint | string | boolean>>;

/** A clone's spec: what the Boss writes as a new strategy file once the clone has passed its backtest. */
export interface ChildSpec {
  readonly agentId: string;
  readonly parentId: string;
  readonly strategy: string;
  readonly generation: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** the PRNG seed the params were drawn with (reproducible) */
  readonly seed: number;
  /** names of the params that changed */
  readonly mutated: readonly string[];
}

interface DecisionBase {
  /** the agent the decision is about (for a clone: the parent) */
  readonly agentId: string;
  readonly reason: string;
  readonly numbers: DecisionNumbers;
  readonly lineage: Lineage;
}

export interface AllocateDecision extends DecisionBase {
  readonly kind: 'allocate';
  readonly targetMicros: bigint;
}
export interface CloneDecision extends DecisionBase {
  readonly kind: 'clone';
  readonly child: ChildSpec;
}
export interface RetireDecision extends DecisionBase {
  readonly kind: 'retire';
}
/** A clone or retirement the rules called for but a bound (population, backtest, params) refused. */
export interface RefuseDecision extends DecisionBase {
  readonly kind: 'refuse';
  readonly refused: 'clone' | 'retire';
}

export type BossDecision = AllocateDecision | CloneDecision | RetireDecision | RefuseDecision;
