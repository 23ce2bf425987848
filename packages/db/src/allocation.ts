import { sql } from 'drizzle-orm';
import { allocationPostings, assertBalanced, deterministicId } from '@floor/domain';
import type { Db } from './client.js';
import { appendAudit, type Actor } from './audit.js';

/**
 * Tops an agent's allotted capital up (or down) to `targetMicros`, as one balanced ledger transaction with its
 * audit row. Idempotent: `ref` names the decision (e.g. `initial`), and the same (agent, ref) is applied once.
 * Returns the amount moved (0 if that decision was already applied).
 */
export async function allocateCapital(
  db: Db,
  input: { agentId: string; targetMicros: bigint; ref: string; actor: Actor },
): Promise<bigint> {
  return db.transaction(async (tx) => {
    const txnRef = `${input.agentId}:${input.ref}`;
    const txnId = deterministicId('ledgerTxn', 'allocation', txnRef);
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`agent:${input.agentId}`}))`);
    const exists = await tx.execute(sql`SELECT 1 FROM ledger_txns WHERE id = ${txnId}`);
    if (exists.rowCount) return 0n;
    const cur = await tx.execute(sql`
      SELECT COALESCE(SUM(e.amount_micros), 0)::text AS allocated
      FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id
      WHERE t.kind = 'allocation' AND e.agent_id = ${input.agentId} AND e.account LIKE 'agent:%:cash'`);
    const allocated = BigInt((cur.rows[0] as { allocated: string }).allocated);
    const delta = input.targetMicros - allocated;
    if (delta === 0n) return 0n;
    const postings = allocationPostings(input.agentId, delta);
    assertBalanced(postings);
    await tx.execute(sql`INSERT INTO ledger_txns (id, kind, ref, agent_id, memo) VALUES (${txnId}, 'allocation', ${txnRef}, ${input.agentId}, ${`allocate to ${input.targetMicros}`})`);
    for (const p of postings) {
      await tx.execute(sql`INSERT INTO ledger_entries (txn_id, account, agent_id, amount_micros) VALUES (${txnId}, ${p.account}, ${input.agentId}, ${p.amountMicros.toString()}::bigint)`);
    }
    await appendAudit(tx, {
      actor: input.actor,
      action: 'capital.allocated',
      subject: input.agentId,
      detail: { targetMicros: input.targetMicros, deltaMicros: delta, ref: input.ref, txnId },
    });
    return delta;
  });
}
