import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Tx } from '@floor/db';

/**
 * The audit log's hash chain, recomputed outside the database.
 *
 * The database writes the chain (trigger `audit_log_chain`, drizzle/0003_audit_chain.sql):
 *
 *   hash = sha256_hex( prev_hash || canonical JSON of (id, ts, actor, action, subject, detail) )
 *
 * and this module builds the same canonical JSON byte for byte, so a verifier does not have to trust the
 * database's own functions. jsonb columns are taken as Postgres prints them (`actor::text`): that text is a
 * function of the jsonb value alone (keys sorted, fixed spacing, numbers as stored), which makes it canonical
 * without a JSON canonicaliser here that would have to agree with Postgres on number formatting.
 */

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** One audit row as the chain sees it. `tsMicros` is microseconds since the epoch (Postgres' precision). */
export interface AuditChainRow {
  readonly id: bigint;
  readonly tsMicros: bigint;
  /** `actor::text`: Postgres' jsonb text form */
  readonly actorJson: string;
  readonly action: string;
  readonly subject: string;
  /** `detail::text`: Postgres' jsonb text form */
  readonly detailJson: string;
}

const MICROS_PER_SECOND = 1_000_000n;

/** `2025-01-31T09:05:01.000250Z`: UTC, always six fractional digits (SQL: `audit_ts_text`). */
export function formatAuditTs(tsMicros: bigint): string {
  const fraction = ((tsMicros % MICROS_PER_SECOND) + MICROS_PER_SECOND) % MICROS_PER_SECOND;
  const seconds = (tsMicros - fraction) / MICROS_PER_SECOND;
  const wholeSeconds = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${wholeSeconds}.${fraction.toString().padStart(6, '0')}Z`;
}

/**
 * The canonical JSON of a row's content (SQL: `audit_row_canonical`). Keys in this fixed order; strings escaped
 * as JSON.stringify does, which is what Postgres' `to_jsonb(text)::text` does for any text Postgres can store.
 */
export function canonicalAuditRow(row: AuditChainRow): string {
  return (
    `{"id":${row.id.toString()}` +
    `,"ts":${JSON.stringify(formatAuditTs(row.tsMicros))}` +
    `,"actor":${row.actorJson}` +
    `,"action":${JSON.stringify(row.action)}` +
    `,"subject":${JSON.stringify(row.subject)}` +
    `,"detail":${row.detailJson}}`
  );
}

/** sha256 of `prevHash` followed by the canonical row, hex (SQL: `audit_row_hash`). */
export function auditRowHash(prevHash: string, row: AuditChainRow): string {
  return createHash('sha256').update(prevHash + canonicalAuditRow(row), 'utf8').digest('hex');
}

export type AuditChainVerdict =
  | {
      readonly ok: true;
      /** rows verified */
      readonly rows: number;
      /** the last row: record it somewhere else to detect later removal of rows from the end */
      readonly headId: bigint | null;
      readonly headHash: string;
    }
  | {
      readonly ok: false;
      /** the first row whose link or hash does not hold (for a truncated tail: the missing last row) */
      readonly firstBrokenId: bigint;
      readonly reason: string;
      /** rows verified before the break */
      readonly rows: number;
    };

const StoredChainRow = z.object({
  id: z.string().regex(/^\d+$/).transform(BigInt),
  ts_micros: z.string().regex(/^-?\d+$/).transform(BigInt),
  actor_json: z.string(),
  action: z.string(),
  subject: z.string(),
  detail_json: z.string(),
  prev_hash: z.string(),
  hash: z.string(),
});

const ChainHead = z.object({
  last_id: z.string().regex(/^\d+$/).transform(BigInt).nullable(),
  last_hash: z.string(),
});

/** Rows read per round trip: bounded memory however long the log grows. */
const DEFAULT_BATCH_SIZE = 5_000;

/**
 * Recomputes the whole chain in id order, in one read-only REPEATABLE READ snapshot, and names the first row
 * that does not hold:
 * - a row whose content was edited (with the append-only trigger disabled) no longer matches its own hash;
 * - a row after a deleted one links (`prev_hash`) to a hash that is not its predecessor's;
 * - rows removed from the end leave the chain head (`audit_chain_head`) pointing past the last row.
 * Id gaps alone are not breaks: a rolled-back append consumes an id.
 *
 * Someone able to disable the triggers AND rewrite every later hash AND the head can forge a consistent chain;
 * `headHash`, recorded outside the database (an alert, a ticket), is what makes such a rewrite evident.
 */
export async function verifyAuditChain(db: Db, opts: { batchSize?: number } = {}): Promise<AuditChainVerdict> {
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE);
  return db.transaction((tx) => verifyInSnapshot(tx, batchSize), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function verifyInSnapshot(tx: Tx, batchSize: number): Promise<AuditChainVerdict> {
  let rows = 0;
  let previous: { id: bigint; hash: string } | null = null;
  for (;;) {
    const afterId = previous?.id ?? -1n;
    const page = await tx.execute(sql`
      SELECT id::text AS id,
             (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_micros,
             actor::text AS actor_json, action, subject, detail::text AS detail_json, prev_hash, hash
      FROM audit_log WHERE audit_log.id > ${afterId.toString()}::bigint
      ORDER BY audit_log.id -- the column, not the text alias, or '10' sorts before '2'
      LIMIT ${batchSize}`);
    for (const raw of page.rows) {
      const row = StoredChainRow.parse(raw);
      const content: AuditChainRow = {
        id: row.id,
        tsMicros: row.ts_micros,
        actorJson: row.actor_json,
        action: row.action,
        subject: row.subject,
        detailJson: row.detail_json,
      };
      const expectedPrev = previous?.hash ?? GENESIS_HASH;
      if (row.prev_hash !== expectedPrev) {
        const reason = previous
          ? `prev_hash does not match the hash of the row before it (#${previous.id}): a row between them was removed or rewritten`
          : 'the first row does not start from the genesis hash: rows before it were removed';
        return { ok: false, firstBrokenId: row.id, reason, rows };
      }
      if (auditRowHash(row.prev_hash, content) !== row.hash) {
        return { ok: false, firstBrokenId: row.id, reason: 'the row does not match its hash: it was altered after it was written', rows };
      }
      rows += 1;
      previous = { id: row.id, hash: row.hash };
    }
    if (page.rows.length < batchSize) break;
  }

  const headResult = await tx.execute(sql`SELECT last_id::text AS last_id, last_hash FROM audit_chain_head`);
  const head = headResult.rows[0] === undefined ? undefined : ChainHead.parse(headResult.rows[0]);
  const lastId = previous?.id ?? null;
  const lastHash = previous?.hash ?? GENESIS_HASH;
  if (!head) {
    return { ok: false, firstBrokenId: lastId ?? 0n, reason: 'the chain head row (audit_chain_head) is missing', rows };
  }
  if (head.last_id !== lastId || head.last_hash !== lastHash) {
    return {
      ok: false,
      firstBrokenId: head.last_id ?? 0n,
      reason: `the chain head records row #${head.last_id ?? 'none'} but the log ends at row #${lastId ?? 'none'}: rows were removed from the end, or the head was rewritten`,
      rows,
    };
  }
  return { ok: true, rows, headId: lastId, headHash: lastHash };
}
