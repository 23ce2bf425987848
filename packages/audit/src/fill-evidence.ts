import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { MicrosWire, Side } from '@floor/domain';
import { readAgentRiskLimits, type Tx } from '@floor/db';
import type { RiskConfig } from '@floor/risk';
import type { StoredFill } from './fill-checks.js';
import { StoredFeeSchedule, type KillSwitchFlip, type MarketOfFill, type OrderOfFill, type TradeEvidence } from './trade-checks.js';

const OrderRow = z.object({
  clientOrderId: z.string(),
  side: Side,
  limitPriceMicros: MicrosWire,
  sizeMicros: MicrosWire,
  status: z.string(),
  venue: z.enum(['paper', 'live']),
  bookSeen: z.unknown(),
  createdAtMs: z.coerce.number(),
});

const MarketRow = z.object({ winningTokenId: z.string().nullable(), fee: z.unknown() });

const FlipRow = z.object({ subject: z.string(), on: z.boolean().nullable(), reason: z.string().nullable(), tsMs: z.coerce.number() });

/**
 * Reads what the trade checks compare a fill with, inside the caller's snapshot: its order (book_seen included),
 * the order's fills at the same price, the markets row, the venue trade of a live fill, the agent's limits
 * (`risk` is the auditor's floor.yaml section, agents.risk merged over it exactly as the executor does) and the
 * audit log's `killswitch.set` rows for the floor and the agent.
 */
export async function readTradeEvidence(tx: Tx, fill: StoredFill, risk: RiskConfig): Promise<TradeEvidence> {
  const order = fill.kind === 'trade' && fill.clientOrderId !== null ? await readOrder(tx, fill.clientOrderId) : null;
  return {
    order,
    filledAtPriceMicros: order ? await readFilledAtPrice(tx, fill, order.clientOrderId) : 0n,
    market: await readMarket(tx, fill.marketId),
    venueTradeFeeMicros: order?.venue === 'live' ? await readVenueTradeFee(tx, fill.fillId) : null,
    limits: await readAgentRiskLimits(tx, fill.agentId, risk),
    killSwitchFlips: fill.kind === 'trade' ? await readKillSwitchFlips(tx, fill.agentId) : [],
  };
}

async function readOrder(tx: Tx, clientOrderId: string): Promise<OrderOfFill | null> {
  const res = await tx.execute(sql`
    SELECT client_order_id AS "clientOrderId", side, limit_price_micros::text AS "limitPriceMicros",
           size_micros::text AS "sizeMicros", status, venue, book_seen AS "bookSeen",
           (extract(epoch FROM created_at) * 1000)::bigint::text AS "createdAtMs"
    FROM orders WHERE client_order_id = ${clientOrderId}`);
  return res.rows.length ? OrderRow.parse(res.rows[0]) : null;
}

/** Σ size of the order's fills at the fill's price: together they may take no more than that level held. */
async function readFilledAtPrice(tx: Tx, fill: StoredFill, clientOrderId: string): Promise<bigint> {
  // agent_id first so the (agent_id, seq) index narrows the scan; fills has no client_order_id index
  const res = await tx.execute(sql`
    SELECT COALESCE(SUM(size_micros), 0)::text AS total FROM fills
    WHERE agent_id = ${fill.agentId} AND client_order_id = ${clientOrderId} AND kind = 'trade'
      AND price_micros = ${fill.priceMicros.toString()}::bigint`);
  return BigInt((res.rows[0] as { total: string }).total);
}

async function readMarket(tx: Tx, marketId: string): Promise<MarketOfFill | null> {
  const res = await tx.execute(sql`SELECT winning_token_id AS "winningTokenId", info->'fee' AS fee FROM markets WHERE market_id = ${marketId}`);
  if (!res.rows.length) return null;
  const row = MarketRow.parse(res.rows[0]);
  const fee = StoredFeeSchedule.safeParse(row.fee);
  return { winningTokenId: row.winningTokenId, fee: fee.success ? fee.data : null };
}

async function readVenueTradeFee(tx: Tx, fillId: string): Promise<bigint | null> {
  const res = await tx.execute(sql`SELECT fee_micros::text AS fee FROM venue_trades WHERE fill_id = ${fillId}`);
  const row = res.rows[0] as { fee: string } | undefined;
  return row ? BigInt(row.fee) : null;
}

/**
 * The floor's and the agent's `killswitch.set` rows, oldest first. A row without `on` in its detail counts as
 * turning the switch on: that is what the action's name says.
 */
async function readKillSwitchFlips(tx: Tx, agentId: string): Promise<KillSwitchFlip[]> {
  const res = await tx.execute(sql`
    SELECT subject, (detail->>'on')::boolean AS on, detail->>'reason' AS reason,
           (extract(epoch FROM ts) * 1000)::bigint::text AS "tsMs"
    FROM audit_log WHERE action = 'killswitch.set' AND subject IN ('floor', ${agentId})
    ORDER BY id`);
  return res.rows.map((raw) => {
    const row = FlipRow.parse(raw);
    return { scope: row.subject === 'floor' ? 'floor' : 'agent', on: row.on ?? true, reason: row.reason ?? '', tsMs: row.tsMs };
  });
}
