import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';

/** Who did something (STYLE #9). */
export type Actor =
  | { readonly type: 'agent'; readonly app: string; readonly agentId?: string }
  | { readonly type: 'operator'; readonly user: string }
  | { readonly type: 'system'; readonly app: string };

/**
 * Appends one row to the audit log inside the caller's transaction, so the fact and its audit row commit
 * together or not at all. Names follow `{entity}.{verb}`: `agent.started`, `killswitch.set`, `capital.allocated`.
 */
export async function appendAudit(
  q: Db | Tx,
  entry: { actor: Actor; action: string; subject?: string; detail?: Record<string, unknown> },
): Promise<void> {
  const detail = JSON.stringify(entry.detail ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  await q.execute(sql`
    INSERT INTO audit_log (actor, action, subject, detail)
    VALUES (${JSON.stringify(entry.actor)}::jsonb, ${entry.action}, ${entry.subject ?? ''}, ${detail}::jsonb)`);
}
