import type { AuditFinding, FindingSeverity } from '@floor/db';

/**
 * The invariants the auditor verifies, named after what must hold (a finding says which one broke).
 * These strings are metric labels and `audit_findings.rule` values: renaming one splits history.
 */
export const AuditRules = {
  /** a stream entry that is not a valid FillApplied */
  malformedEvent: 'malformed_event',
  /** the fill announced on the stream exists in Postgres */
  fillRecorded: 'fill_recorded',
  /** the announced fill says what the stored fill says (agents apply the announcement) */
  fillMatchesEvent: 'fill_matches_event',
  /**
   * a trade fill is at or better than its order's limit and at a level of the book the executor saw, for no more
   * than that level offered; a settlement pays 1 for the winning token and 0 for the other
   */
  fillPriceWithinBook: 'fill_price_within_book',
  /** the fill's fee is what the fee schedule says (paper), or what the venue reported (live) */
  feeMatchesSchedule: 'fee_matches_schedule',
  /** the fill's order was not denied, not decided under a kill switch, and within the agent's stake limit */
  withinLimitsInForce: 'within_limits_in_force',
  /** the fill's ledger txn exists, belongs to this fill and sums to zero */
  ledgerTxnBalanced: 'ledger_txn_balanced',
  /** the agent's cash posting in that txn equals the fill's cash_delta_micros */
  cashPostingMatchesFill: 'cash_posting_matches_fill',
  /** the position row equals the signed sum of the agent's fills in that token */
  positionMatchesFills: 'position_matches_fills',
  /** the agent's cash account is never below zero */
  cashNonNegative: 'cash_non_negative',
  /** the whole ledger sums to zero */
  ledgerBalanced: 'ledger_balanced',
  /** floor:fees equals the sum of fees on fills */
  feesAccountMatches: 'fees_account_matches',
  /** per agent: cash + positions at cost = allocated − fees + realized PnL */
  agentIdentity: 'agent_identity',
  /** per agent: the positions account equals the sum of position costs */
  positionsAccountMatches: 'positions_account_matches',
  /** per agent: the pnl account (credit = profit) equals the realized PnL on fills */
  pnlAccountMatches: 'pnl_account_matches',
} as const;
export type AuditRule = (typeof AuditRules)[keyof typeof AuditRules];

/** The result of one check: it passed, or it failed with the finding that explains how. */
export interface CheckOutcome {
  readonly rule: AuditRule;
  readonly finding: AuditFinding | null;
}

export function passed(rule: AuditRule): CheckOutcome {
  return { rule, finding: null };
}

export function failed(
  rule: AuditRule,
  where: { agentId: string | null; refId: string | null },
  detail: Record<string, string | bigint | number>,
  severity: FindingSeverity = 'critical',
): CheckOutcome {
  const text: Record<string, string> = {};
  for (const [k, v] of Object.entries(detail)) text[k] = String(v);
  return { rule, finding: { severity, rule, agentId: where.agentId, refId: where.refId, detail: text } };
}

/** Passes when `actual === expected`; otherwise a finding carrying both numbers. */
export function expectEqual(
  rule: AuditRule,
  where: { agentId: string | null; refId: string | null },
  expected: bigint,
  actual: bigint,
  context: Record<string, string | bigint | number> = {},
): CheckOutcome {
  if (expected === actual) return passed(rule);
  return failed(rule, where, { ...context, expectedMicros: expected, actualMicros: actual, differenceMicros: actual - expected });
}

export function findingsOf(outcomes: readonly CheckOutcome[]): AuditFinding[] {
  return outcomes.flatMap((o) => (o.finding ? [o.finding] : []));
}
