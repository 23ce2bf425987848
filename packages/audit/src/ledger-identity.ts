import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { Accounts, MicrosWire } from '@floor/domain';
import { readAgentPortfolioTx, type Db, type Tx } from '@floor/db';
import { AuditRules, expectEqual, passed, failed, type CheckOutcome } from './rules.js';

const LedgerTotals = z.object({
  total: MicrosWire,
  lastEntryId: MicrosWire,
  feesAccount: MicrosWire,
  feesOnFills: MicrosWire,
});

const AccountBalance = z.object({ account: z.string(), balance: MicrosWire, lastEntryId: MicrosWire });
const AgentCost = z.object({ agentId: z.string(), cost: MicrosWire });

/** How many unbalanced txn ids a finding lists; enough to start digging, small enough to read. */
const MAX_LISTED_TXNS = 20;

/**
 * Floor-wide checks of the book of record, in one read-only REPEATABLE READ snapshot:
 * the ledger sums to zero, floor:fees equals the fees on fills, and per agent
 * `cash + positions at cost = allocated − fees + realized PnL`, the positions account equals the position rows'
 * cost and the pnl account equals the realized PnL on fills.
 *
 * A finding's refId names the ledger state it saw (`ledger@<last entry id>`, `<agent>@<agent's last entry id>`):
 * re-running the check on an unchanged ledger re-finds the same finding (stored once), while a breach that
 * persists after new postings is recorded again, so it is visibly still there.
 */
export async function checkLedgerIdentity(db: Db): Promise<CheckOutcome[]> {
  return db.transaction((tx) => checkLedgerIdentityTx(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function checkLedgerIdentityTx(tx: Tx): Promise<CheckOutcome[]> {
  const totalsResult = await tx.execute(sql`
    SELECT COALESCE(SUM(amount_micros), 0)::text AS total,
           COALESCE(MAX(id), 0)::text AS "lastEntryId",
           COALESCE(SUM(amount_micros) FILTER (WHERE account = ${Accounts.fees}), 0)::text AS "feesAccount",
           (SELECT COALESCE(SUM(fee_micros), 0) FROM fills)::text AS "feesOnFills"
    FROM ledger_entries`);
  const totals = LedgerTotals.parse(totalsResult.rows[0]);
  const floorWhere = { agentId: null, refId: `ledger@${totals.lastEntryId}` };

  const outcomes: CheckOutcome[] = [];
  if (totals.total === 0n) {
    outcomes.push(passed(AuditRules.ledgerBalanced));
  } else {
    const unbalanced = await tx.execute(sql`
      SELECT txn_id FROM ledger_entries GROUP BY txn_id HAVING SUM(amount_micros) <> 0 ORDER BY txn_id LIMIT ${MAX_LISTED_TXNS}`);
    const txnIds = unbalanced.rows.map((r) => String((r as { txn_id: string }).txn_id));
    outcomes.push(expectEqual(AuditRules.ledgerBalanced, floorWhere, 0n, totals.total, { unbalancedTxns: txnIds.join(',') }));
  }
  outcomes.push(expectEqual(AuditRules.feesAccountMatches, floorWhere, totals.feesOnFills, totals.feesAccount));

  const balancesResult = await tx.execute(sql`
    SELECT account, SUM(amount_micros)::text AS balance, MAX(id)::text AS "lastEntryId"
    FROM ledger_entries WHERE account LIKE 'agent:%' GROUP BY account`);
  const costsResult = await tx.execute(sql`
    SELECT agent_id AS "agentId", SUM(cost_micros)::text AS cost FROM positions GROUP BY agent_id`);
  const fillAgents = await tx.execute(sql`SELECT DISTINCT agent_id AS "agentId" FROM fills`);

  const balances = new Map<string, bigint>();
  const lastEntryIdByAgent = new Map<string, bigint>();
  const agentIds = new Set<string>();
  for (const raw of balancesResult.rows) {
    const row = AccountBalance.parse(raw);
    // agent:<id>:<kind>; agent ids cannot contain ':' (AGENT_ID_RE)
    const agentId = row.account.split(':')[1] ?? '';
    agentIds.add(agentId);
    balances.set(row.account, row.balance);
    const seen = lastEntryIdByAgent.get(agentId) ?? 0n;
    if (row.lastEntryId > seen) lastEntryIdByAgent.set(agentId, row.lastEntryId);
  }
  const costByAgent = new Map<string, bigint>();
  for (const raw of costsResult.rows) {
    const row = AgentCost.parse(raw);
    costByAgent.set(row.agentId, row.cost);
    agentIds.add(row.agentId);
  }
  for (const raw of fillAgents.rows) agentIds.add(String((raw as { agentId: string }).agentId));

  for (const agentId of [...agentIds].sort()) {
    const portfolio = await readAgentPortfolioTx(tx, agentId);
    const where = { agentId, refId: `${agentId}@${lastEntryIdByAgent.get(agentId) ?? 0n}` };
    const heldAtCost = portfolio.positions.reduce((acc, p) => acc + p.costMicros, 0n);
    outcomes.push(
      expectEqual(
        AuditRules.agentIdentity,
        where,
        portfolio.allocatedMicros - portfolio.feesMicros + portfolio.realizedPnlMicros,
        portfolio.cashMicros + heldAtCost,
        {
          cashMicros: portfolio.cashMicros,
          positionsAtCostMicros: heldAtCost,
          allocatedMicros: portfolio.allocatedMicros,
          feesMicros: portfolio.feesMicros,
          realizedPnlMicros: portfolio.realizedPnlMicros,
        },
      ),
    );
    outcomes.push(
      expectEqual(
        AuditRules.positionsAccountMatches,
        where,
        costByAgent.get(agentId) ?? 0n,
        balances.get(Accounts.positions(agentId)) ?? 0n,
        { account: Accounts.positions(agentId) },
      ),
    );
    // The pnl account carries profit as a credit, hence the sign flip.
    outcomes.push(
      expectEqual(AuditRules.pnlAccountMatches, where, portfolio.realizedPnlMicros, -(balances.get(Accounts.pnl(agentId)) ?? 0n), {
        account: Accounts.pnl(agentId),
      }),
    );
    outcomes.push(
      portfolio.cashMicros >= 0n
        ? passed(AuditRules.cashNonNegative)
        : failed(AuditRules.cashNonNegative, where, { cashMicros: portfolio.cashMicros }),
    );
  }
  return outcomes;
}
