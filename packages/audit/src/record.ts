import { recordFinding, type AuditFinding, type Db } from '@floor/db';
import type { AuditMetrics } from './metrics.js';
import type { CheckOutcome } from './rules.js';

/**
 * Stores the findings of a batch of check outcomes and counts them. Returns the findings that were new;
 * a finding already on record (a re-check after a crash, or an unchanged ledger) is skipped by its id.
 */
export async function recordOutcomes(db: Db, outcomes: readonly CheckOutcome[], metrics?: AuditMetrics): Promise<AuditFinding[]> {
  const fresh: AuditFinding[] = [];
  for (const outcome of outcomes) {
    metrics?.checks.inc({ rule: outcome.rule, result: outcome.finding ? 'fail' : 'pass' });
    if (!outcome.finding) continue;
    if (await recordFinding(db, outcome.finding)) {
      fresh.push(outcome.finding);
      metrics?.findings.inc({ rule: outcome.finding.rule, severity: outcome.finding.severity });
    }
  }
  return fresh;
}
