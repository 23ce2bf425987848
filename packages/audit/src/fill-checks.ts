import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { Accounts, FillKind, MicrosWire, Side, type FillApplied } from '@floor/domain';
import type { Db, Tx } from '@floor/db';
import type { RiskConfig } from '@floor/risk';
import { readTradeEvidence } from './fill-evidence.js';
import { AuditRules, expectEqual, failed, passed, type CheckOutcome } from './rules.js';
import { checkFeeMatchesSchedule, checkFillPriceWithinBook, checkWithinLimitsInForce } from './trade-checks.js';

/** A `fills` row as the auditor reads it (bigints cast to text in SQL, parsed here). */
export const StoredFill = z.object({
  fillId: z.string(),
  seq: MicrosWire,
  kind: FillKind,
  /** the order a trade fill came from; null for a settlement */
  clientOrderId: z.string().nullable(),
  agentId: z.string(),
  marketId: z.string(),
  tokenId: z.string(),
  side: Side,
  priceMicros: MicrosWire,
  sizeMicros: MicrosWire,
  feeMicros: MicrosWire,
  cashDeltaMicros: MicrosWire,
  realizedPnlMicros: MicrosWire,
  ledgerTxnId: z.string(),
});
export type StoredFill = z.output<typeof StoredFill>;

const one = <T>(rows: readonly unknown[], schema: z.ZodType<T>): T => schema.parse(rows[0]);
const Sum = z.object({ total: MicrosWire });

export async function readStoredFill(q: Db | Tx, fillId: string): Promise<StoredFill | null> {
  const result = await q.execute(sql`
    SELECT fill_id AS "fillId", seq::text AS seq, kind, client_order_id AS "clientOrderId", agent_id AS "agentId", market_id AS "marketId",
           token_id AS "tokenId", side, price_micros::text AS "priceMicros", size_micros::text AS "sizeMicros",
           fee_micros::text AS "feeMicros", cash_delta_micros::text AS "cashDeltaMicros",
           realized_pnl_micros::text AS "realizedPnlMicros", ledger_txn_id AS "ledgerTxnId"
    FROM fills WHERE fill_id = ${fillId}`);
  return result.rows.length ? one(result.rows, StoredFill) : null;
}

/** The announcement agents act on must say what the book of record says. */
export function checkFillMatchesEvent(fill: StoredFill, event: FillApplied): CheckOutcome {
  const compared: Array<[string, string, string]> = [
    ['agentId', fill.agentId, event.agentId],
    ['tokenId', fill.tokenId, event.tokenId],
    ['kind', fill.kind, event.kind],
    ['side', fill.side, event.side],
    ['fillSeq', String(fill.seq), String(event.fillSeq)],
    ['priceMicros', String(fill.priceMicros), String(event.priceMicros)],
    ['sizeMicros', String(fill.sizeMicros), String(event.sizeMicros)],
    ['feeMicros', String(fill.feeMicros), String(event.feeMicros)],
    ['cashDeltaMicros', String(fill.cashDeltaMicros), String(event.cashDeltaMicros)],
    ['realizedPnlMicros', String(fill.realizedPnlMicros), String(event.realizedPnlMicros)],
  ];
  const detail: Record<string, string> = {};
  for (const [field, stored, announced] of compared) {
    if (stored !== announced) {
      detail[`${field}.stored`] = stored;
      detail[`${field}.event`] = announced;
    }
  }
  if (Object.keys(detail).length === 0) return passed(AuditRules.fillMatchesEvent);
  return failed(AuditRules.fillMatchesEvent, { agentId: fill.agentId, refId: fill.fillId }, detail);
}

/** (a) The fill's ledger txn exists, is this fill's (kind and ref), and its postings sum to zero. */
export async function checkLedgerTxnBalanced(q: Db | Tx, fill: StoredFill): Promise<CheckOutcome> {
  const where = { agentId: fill.agentId, refId: fill.fillId };
  const txn = await q.execute(sql`SELECT kind, ref FROM ledger_txns WHERE id = ${fill.ledgerTxnId}`);
  const head = txn.rows[0] as { kind: string; ref: string } | undefined;
  if (!head) return failed(AuditRules.ledgerTxnBalanced, where, { ledgerTxnId: fill.ledgerTxnId, problem: 'ledger txn missing' });
  const expectedKind = fill.kind === 'settlement' ? 'settlement' : 'fill';
  if (head.kind !== expectedKind || head.ref !== fill.fillId) {
    return failed(AuditRules.ledgerTxnBalanced, where, {
      ledgerTxnId: fill.ledgerTxnId,
      problem: 'ledger txn belongs to something else',
      expectedKind,
      actualKind: head.kind,
      actualRef: head.ref,
    });
  }
  const sum = await q.execute(sql`
    SELECT COALESCE(SUM(amount_micros), 0)::text AS total FROM ledger_entries WHERE txn_id = ${fill.ledgerTxnId}`);
  return expectEqual(AuditRules.ledgerTxnBalanced, where, 0n, one(sum.rows, Sum).total, { ledgerTxnId: fill.ledgerTxnId });
}

/** (b) The agent's cash posting in the fill's txn equals the fill's cash_delta_micros. */
export async function checkCashPosting(q: Db | Tx, fill: StoredFill): Promise<CheckOutcome> {
  const sum = await q.execute(sql`
    SELECT COALESCE(SUM(amount_micros), 0)::text AS total FROM ledger_entries
    WHERE txn_id = ${fill.ledgerTxnId} AND account = ${Accounts.cash(fill.agentId)}`);
  return expectEqual(
    AuditRules.cashPostingMatchesFill,
    { agentId: fill.agentId, refId: fill.fillId },
    fill.cashDeltaMicros,
    one(sum.rows, Sum).total,
    { ledgerTxnId: fill.ledgerTxnId },
  );
}

/**
 * (c) The position row for (agent, token) equals the signed sum of all the agent's fills in that token.
 * A later fill may already have moved the row since this one, so the comparison is against every fill, not
 * against this fill's effect: that sum must equal the row at any committed state.
 */
export async function checkPositionMatchesFills(q: Db | Tx, fill: StoredFill): Promise<CheckOutcome> {
  const fromFills = await q.execute(sql`
    SELECT COALESCE(SUM(CASE WHEN kind = 'settlement' OR side = 'SELL' THEN -size_micros ELSE size_micros END), 0)::text AS total
    FROM fills WHERE agent_id = ${fill.agentId} AND token_id = ${fill.tokenId}`);
  const row = await q.execute(sql`
    SELECT size_micros::text AS total FROM positions WHERE agent_id = ${fill.agentId} AND token_id = ${fill.tokenId}`);
  // A missing row is a position of zero; the executor may delete a closed one.
  const positionSize = row.rows.length ? one(row.rows, Sum).total : 0n;
  return expectEqual(
    AuditRules.positionMatchesFills,
    { agentId: fill.agentId, refId: fill.fillId },
    one(fromFills.rows, Sum).total,
    positionSize,
    { tokenId: fill.tokenId, positionRow: row.rows.length ? 'present' : 'absent' },
  );
}

/** (d) The agent's cash is never negative: the executor's cash check must have held. */
export async function checkCashNonNegative(q: Db | Tx, agentId: string, refId: string): Promise<CheckOutcome> {
  const sum = await q.execute(sql`
    SELECT COALESCE(SUM(amount_micros), 0)::text AS total FROM ledger_entries WHERE account = ${Accounts.cash(agentId)}`);
  const cash = one(sum.rows, Sum).total;
  if (cash >= 0n) return passed(AuditRules.cashNonNegative);
  return failed(AuditRules.cashNonNegative, { agentId, refId }, { cashMicros: cash });
}

/** What the per-fill checks need besides the book of record. */
export interface FillAuditContext {
  /** floor.yaml's `risk:` section as the auditor loaded it: with agents.risk, the limits in force */
  readonly risk: RiskConfig;
}

/**
 * Every per-fill check, in one read-only REPEATABLE READ snapshot so that a fill the executor commits meanwhile
 * cannot make the position and the sum of fills disagree for a moment: first the fill against the decision that
 * produced it (its order's limit and recorded book, the fee schedule, the limits in force), then its booking.
 */
export async function auditFill(db: Db, event: FillApplied, context: FillAuditContext): Promise<CheckOutcome[]> {
  return db.transaction(
    async (tx) => {
      const fill = await readStoredFill(tx, event.fillId);
      if (!fill) {
        // Published only after commit, so a missing row means the fill was lost or the event is forged.
        return [
          failed(AuditRules.fillRecorded, { agentId: event.agentId, refId: event.fillId }, {
            fillSeq: event.fillSeq,
            problem: 'fill announced on the stream is not in Postgres',
          }),
        ];
      }
      const outcomes: CheckOutcome[] = [passed(AuditRules.fillRecorded), checkFillMatchesEvent(fill, event)];
      const evidence = await readTradeEvidence(tx, fill, context.risk);
      outcomes.push(checkFillPriceWithinBook(fill, evidence), checkFeeMatchesSchedule(fill, evidence), checkWithinLimitsInForce(fill, evidence));
      const txnCheck = await checkLedgerTxnBalanced(tx, fill);
      outcomes.push(txnCheck);
      // A missing or foreign txn has no cash posting of this fill to compare: that one finding says it all.
      // An unbalanced txn still has one, and it is worth knowing whether the cash side is the wrong one.
      const txnIsThisFills = txnCheck.finding === null || txnCheck.finding.detail.problem === undefined;
      if (txnIsThisFills) outcomes.push(await checkCashPosting(tx, fill));
      outcomes.push(await checkPositionMatchesFills(tx, fill));
      outcomes.push(await checkCashNonNegative(tx, fill.agentId, fill.fillId));
      return outcomes;
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
