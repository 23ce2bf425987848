import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { deterministicId } from '@floor/domain';
import type { Db, Tx } from './client.js';

export const FindingSeverity = z.enum(['info', 'warning', 'critical']);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

/**
 * One failed check of the auditor. `refId` names what was checked (a fill id, a ledger txn id, or a marker of
 * the ledger state for floor-wide checks); `detail` carries the numbers as decimal-integer strings so a reader
 * sees exactly what disagreed, with no float in between.
 */
export const AuditFinding = z
  .object({
    severity: FindingSeverity,
    rule: z.string().min(1),
    agentId: z.string().min(1).nullable(),
    refId: z.string().min(1).nullable(),
    detail: z.record(z.string(), z.string()),
  })
  .strict();
export type AuditFinding = z.infer<typeof AuditFinding>;

export interface StoredFinding extends AuditFinding {
  readonly id: string;
  readonly ts: Date;
}

/** The id of a finding: the same rule failing for the same subject is one finding, however often it is re-checked. */
export function findingId(finding: Pick<AuditFinding, 'rule' | 'refId'>): string {
  return deterministicId('finding', finding.rule, finding.refId ?? '');
}

/**
 * Stores a finding once. The auditor re-checks a fill after a crash (it acknowledges only after storing), so a
 * second insert of the same finding must be a no-op. Returns true if this call inserted it.
 */
export async function recordFinding(q: Db | Tx, input: AuditFinding): Promise<boolean> {
  const finding = AuditFinding.parse(input);
  const result = await q.execute(sql`
    INSERT INTO audit_findings (id, severity, rule, agent_id, ref_id, detail)
    VALUES (${findingId(finding)}, ${finding.severity}, ${finding.rule}, ${finding.agentId}, ${finding.refId},
            ${JSON.stringify(finding.detail)}::jsonb)
    ON CONFLICT (id) DO NOTHING`);
  return (result.rowCount ?? 0) > 0;
}

const FindingRow = z.object({
  id: z.string(),
  ts: z.coerce.date(),
  severity: FindingSeverity,
  rule: z.string(),
  agent_id: z.string().nullable(),
  ref_id: z.string().nullable(),
  detail: z.record(z.string(), z.string()),
});

/** The most recent findings first. */
export async function listFindings(q: Db | Tx, opts: { limit?: number } = {}): Promise<StoredFinding[]> {
  const limit = Math.max(1, Math.min(opts.limit ?? 100, 10_000));
  const result = await q.execute(sql`
    SELECT id, ts, severity, rule, agent_id, ref_id, detail FROM audit_findings ORDER BY ts DESC, id LIMIT ${limit}`);
  return result.rows.map((raw) => {
    const r = FindingRow.parse(raw);
    return { id: r.id, ts: r.ts, severity: r.severity, rule: r.rule, agentId: r.agent_id, refId: r.ref_id, detail: r.detail };
  });
}
