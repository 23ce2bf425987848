import { sql } from 'drizzle-orm';
import { Accounts } from '@floor/domain';
import type { Db, Tx } from './client.js';

export interface PositionRow {
  readonly tokenId: string;
  readonly marketId: string;
  readonly sizeMicros: bigint;
  readonly costMicros: bigint;
}

/** An agent's book of record, read from the ledger in one consistent snapshot. */
export interface AgentPortfolio {
  readonly agentId: string;
  readonly cashMicros: bigint;
  readonly allocatedMicros: bigint;
  readonly feesMicros: bigint;
  readonly realizedPnlMicros: bigint;
  readonly positions: readonly PositionRow[];
  /** the highest fill seq included in these numbers */
  readonly lastFillSeq: bigint;
  readonly fillCount: number;
}

const big = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as string));

async function readWith(q: Db | Tx, agentId: string): Promise<AgentPortfolio> {
  const cash = await q.execute(sql`
    SELECT COALESCE(SUM(amount_micros), 0)::text AS cash FROM ledger_entries WHERE account = ${Accounts.cash(agentId)}`);
  const alloc = await q.execute(sql`
    SELECT COALESCE(SUM(e.amount_micros), 0)::text AS allocated
    FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id
    WHERE t.kind = 'allocation' AND e.account = ${Accounts.cash(agentId)}`);
  const fillAgg = await q.execute(sql`
    SELECT COALESCE(MAX(seq), 0)::text AS last_seq, COALESCE(SUM(fee_micros), 0)::text AS fees,
           COALESCE(SUM(realized_pnl_micros), 0)::text AS realized, COUNT(*)::int AS n
    FROM fills WHERE agent_id = ${agentId}`);
  const pos = await q.execute(sql`
    SELECT token_id, market_id, size_micros::text AS size, cost_micros::text AS cost
    FROM positions WHERE agent_id = ${agentId} AND size_micros <> 0 ORDER BY token_id`);
  const f = fillAgg.rows[0] as { last_seq: string; fees: string; realized: string; n: number };
  return {
    agentId,
    cashMicros: big((cash.rows[0] as { cash: string }).cash),
    allocatedMicros: big((alloc.rows[0] as { allocated: string }).allocated),
    feesMicros: big(f.fees),
    realizedPnlMicros: big(f.realized),
    lastFillSeq: big(f.last_seq),
    fillCount: Number(f.n),
    positions: pos.rows.map((r) => {
      const row = r as { token_id: string; market_id: string; size: string; cost: string };
      return { tokenId: row.token_id, marketId: row.market_id, sizeMicros: BigInt(row.size), costMicros: BigInt(row.cost) };
    }),
  };
}

/** Reads an agent's cash, positions and last applied fill seq in one REPEATABLE READ snapshot. */
export async function readAgentPortfolio(db: Db, agentId: string): Promise<AgentPortfolio> {
  return db.transaction((tx) => readWith(tx, agentId), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

/** Same read inside a caller's transaction (the executor's, which holds the agent's lock). */
export function readAgentPortfolioTx(tx: Tx, agentId: string): Promise<AgentPortfolio> {
  return readWith(tx, agentId);
}
