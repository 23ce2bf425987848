import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db, Tx } from './client.js';

const micros = (name: string) => bigint(name, { mode: 'bigint' });

/**
 * The monitor's periodic picture of each agent's book (and of the whole floor, `agent_id IS NULL`), marked to
 * market. Append-only: the equity series Sharpe, Sortino and drawdown are computed from, and what the Boss reads
 * to judge agents (`readEquitySeries`). Amounts in integer micro-USD like every other table.
 */
export const performanceSnapshots = pgTable(
  'performance_snapshots',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    /** null = the floor, the sum over every agent */
    agentId: text('agent_id'),
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    /** cash + open positions at mark (at cost where a token has no book) */
    equityMicros: micros('equity_micros').notNull(),
    cashMicros: micros('cash_micros').notNull(),
    allocatedMicros: micros('allocated_micros').notNull(),
    /** realized PnL before fees */
    realizedPnlMicros: micros('realized_pnl_micros').notNull(),
    unrealizedPnlMicros: micros('unrealized_pnl_micros').notNull(),
    feesMicros: micros('fees_micros').notNull(),
    /** open positions at mark: what a liquidation would fetch (at cost where unmarked) */
    exposureMicros: micros('exposure_micros').notNull(),
    /** fills of kind `trade` so far */
    trades: integer('trades').notNull(),
    positionsOpen: integer('positions_open').notNull(),
  },
  (t) => [
    index('performance_snapshots_agent_ts_idx').on(t.agentId, t.ts),
    // the floor's series: agent_id IS NULL is not matched by an equality on the index above
    index('performance_snapshots_floor_ts_idx').on(t.ts).where(sql`agent_id IS NULL`),
  ],
);

export interface PerformanceSnapshotRow {
  /** null = the floor */
  readonly agentId: string | null;
  readonly tsMs: number;
  readonly equityMicros: bigint;
  readonly cashMicros: bigint;
  readonly allocatedMicros: bigint;
  readonly realizedPnlMicros: bigint;
  readonly unrealizedPnlMicros: bigint;
  readonly feesMicros: bigint;
  readonly exposureMicros: bigint;
  readonly trades: number;
  readonly positionsOpen: number;
}

/** Appends one snapshot per agent (and the floor's) in one statement, so a tick's rows share a timestamp. */
export async function insertPerformanceSnapshots(q: Db | Tx, rows: readonly PerformanceSnapshotRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.insert(performanceSnapshots).values(rows.map(({ tsMs, ...r }) => ({ ...r, ts: new Date(tsMs) })));
}

/** One point of an equity series. */
export interface EquityPoint {
  readonly tsMs: number;
  readonly equityMicros: bigint;
}

const EquityRow = z.object({ ts_ms: z.coerce.number(), equity: z.string() });

/**
 * The equity series of one agent (`agentId = null`: the floor's) from `sinceMs` on, oldest first. What the
 * Boss's evolution step and the monitor's Sharpe / Sortino / drawdown read.
 */
export async function readEquitySeries(q: Db | Tx, agentId: string | null, sinceMs: number): Promise<EquityPoint[]> {
  const since = new Date(sinceMs);
  const agentFilter = agentId === null ? sql`agent_id IS NULL` : sql`agent_id = ${agentId}`;
  const result = await q.execute(sql`
    SELECT (extract(epoch FROM ts) * 1000)::bigint::text AS ts_ms, equity_micros::text AS equity
    FROM performance_snapshots
    WHERE ${agentFilter} AND ts >= ${since}
    ORDER BY ts, id`);
  return result.rows.map((raw) => {
    const r = EquityRow.parse(raw);
    return { tsMs: r.ts_ms, equityMicros: BigInt(r.equity) };
  });
}
