import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '@floor/db';

/**
 * The invariants every floor test ends on, read with plain SQL from the ledger, fills and positions:
 * per agent cash + positions at cost = allocated − fees + realized PnL (to the micro) and cash ≥ 0; the whole
 * ledger sums to zero; every position equals the sum of its fills. Returns the per-agent rows for further checks.
 */
export async function expectBookOfRecordIntact(db: Db): Promise<Map<string, AgentBook>> {
  const book = await readAgentBooks(db);
  for (const r of book.values()) {
    expect(BigInt(r.cash) + BigInt(r.atCost), `ledger identity of ${r.agentId}`).toBe(BigInt(r.allocated) - BigInt(r.fees) + BigInt(r.realized));
    expect(BigInt(r.cash), `cash of ${r.agentId} never negative`).toBeGreaterThanOrEqual(0n);
  }
  const total = (await db.execute(sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS total FROM ledger_entries`)).rows[0] as { total: string };
  expect(total.total, 'the whole ledger sums to zero').toBe('0');
  const drift = (
    await db.execute(sql`
      SELECT COUNT(*)::int AS n FROM (
        SELECT agent_id, token_id, SUM(CASE WHEN side = 'BUY' THEN size_micros ELSE -size_micros END) AS s
        FROM fills GROUP BY agent_id, token_id) x
      LEFT JOIN positions p ON p.agent_id = x.agent_id AND p.token_id = x.token_id
      WHERE COALESCE(p.size_micros, 0) <> x.s`)
  ).rows[0] as { n: number };
  expect(drift.n, 'positions equal the sum of their fills').toBe(0);
  return book;
}

export interface AgentBook {
  readonly agentId: string;
  readonly cash: string;
  readonly atCost: string;
  readonly allocated: string;
  readonly fees: string;
  readonly realized: string;
  readonly trades: number;
}

/** Every agent's book of record, straight from the ledger, fills and positions (amounts as decimal micro strings). */
export async function readAgentBooks(db: Db): Promise<Map<string, AgentBook>> {
  const rows = (
    await db.execute(sql`
      SELECT a.id AS agent_id,
        (SELECT COALESCE(SUM(amount_micros),0) FROM ledger_entries WHERE account = 'agent:' || a.id || ':cash')::text AS cash,
        (SELECT COALESCE(SUM(cost_micros),0) FROM positions WHERE agent_id = a.id)::text AS at_cost,
        (SELECT COALESCE(SUM(e.amount_micros),0) FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id
           WHERE t.kind = 'allocation' AND e.account = 'agent:' || a.id || ':cash')::text AS allocated,
        (SELECT COALESCE(SUM(fee_micros),0) FROM fills WHERE agent_id = a.id)::text AS fees,
        (SELECT COALESCE(SUM(realized_pnl_micros),0) FROM fills WHERE agent_id = a.id)::text AS realized,
        (SELECT COUNT(*) FROM fills WHERE agent_id = a.id AND kind = 'trade')::int AS trades
      FROM agents a ORDER BY a.id`)
  ).rows as Array<{ agent_id: string; cash: string; at_cost: string; allocated: string; fees: string; realized: string; trades: number }>;
  return new Map(
    rows.map((r) => [r.agent_id, { agentId: r.agent_id, cash: r.cash, atCost: r.at_cost, allocated: r.allocated, fees: r.fees, realized: r.realized, trades: r.trades }]),
  );
}
