import { inArray } from 'drizzle-orm';
import { findingId, recordFinding, schema, type AuditFinding, type Db } from '@floor/db';
import type { AuditMetrics } from './metrics.js';
import type { CheckOutcome } from './rules.js';

/** Acts on findings that are not on record yet (e.g. trips a kill switch); may throw to stop them being stored. */
export type NewFindingsHandler = (findings: readonly AuditFinding[]) => Promise<void>;

/**
 * Stores the findings of a batch of check outcomes and counts them. Returns the findings that were new;
 * a finding already on record (a re-check after a crash, or an unchanged ledger) is skipped by its id.
 *
 * `beforeStore` sees the new findings before they are stored. If it throws, nothing is stored, so a re-check
 * finds them new again and it runs again: its consequences happen at least once, and never again for a
 * finding that is already on record (an operator who clears a kill switch is not overruled by the next check).
 */
export async function recordOutcomes(
  db: Db,
  outcomes: readonly CheckOutcome[],
  metrics?: AuditMetrics,
  beforeStore?: NewFindingsHandler,
): Promise<AuditFinding[]> {
  for (const outcome of outcomes) metrics?.checks.inc({ rule: outcome.rule, result: outcome.finding ? 'fail' : 'pass' });
  const candidates = outcomes.flatMap((o) => (o.finding ? [o.finding] : []));
  if (candidates.length === 0) return [];

  if (beforeStore) {
    const unrecorded = await filterUnrecorded(db, candidates);
    if (unrecorded.length > 0) await beforeStore(unrecorded);
  }
  const fresh: AuditFinding[] = [];
  for (const finding of candidates) {
    if (await recordFinding(db, finding)) {
      fresh.push(finding);
      metrics?.findings.inc({ rule: finding.rule, severity: finding.severity });
    }
  }
  return fresh;
}

async function filterUnrecorded(db: Db, findings: readonly AuditFinding[]): Promise<AuditFinding[]> {
  const ids = findings.map((f) => findingId(f));
  const stored = await db
    .select({ id: schema.auditFindings.id })
    .from(schema.auditFindings)
    .where(inArray(schema.auditFindings.id, ids));
  const known = new Set(stored.map((r) => r.id));
  const seen = new Set<string>();
  return findings.filter((f, i) => {
    const id = ids[i] as string;
    if (known.has(id) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
