import { sql } from 'drizzle-orm';
import { InvariantError } from '@floor/domain';
import type { Db, Tx } from './client.js';

/** Who did something (STYLE #9). */
export type Actor =
  | { readonly type: 'agent'; readonly app: string; readonly agentId?: string }
  | { readonly type: 'operator'; readonly user: string }
  | { readonly type: 'system'; readonly app: string };

/** Where an appended row sits in the audit chain. */
export interface AppendedAudit {
  readonly id: bigint;
  /** the row's chain hash, hex: sha256(prev_hash || canonical row), computed by the database */
  readonly hash: string;
}

/**
 * Appends one row to the audit log inside the caller's transaction, so the fact and its audit row commit
 * together or not at all. Names follow `{entity}.{verb}`: `agent.started`, `killswitch.set`, `capital.allocated`.
 *
 * The database chains the row (id, ts, prev_hash and hash come from the `audit_log_chain` trigger, see
 * drizzle/0003_audit_chain.sql). Appending takes the chain-head row lock until the caller's transaction ends,
 * so appends from concurrent transactions queue behind each other: append last, just before commit.
 */
export async function appendAudit(
  q: Db | Tx,
  entry: { actor: Actor; action: string; subject?: string; detail?: Record<string, unknown> },
): Promise<AppendedAudit> {
  const detail = JSON.stringify(entry.detail ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const result = await q.execute(sql`
    INSERT INTO audit_log (actor, action, subject, detail)
    VALUES (${JSON.stringify(entry.actor)}::jsonb, ${entry.action}, ${entry.subject ?? ''}, ${detail}::jsonb)
    RETURNING id::text AS id, hash`);
  const row = result.rows[0] as { id: string; hash: string } | undefined;
  if (!row) throw new InvariantError('audit_log insert returned no row', { action: entry.action });
  return { id: BigInt(row.id), hash: row.hash };
}
