import { sql } from 'drizzle-orm';
import { describeIssues, MarketCategory, notionalMicros, type BookSnapshot, type MarketInfo, type OrderIntent } from '@floor/domain';
import {
  AgentRiskOverride,
  resolveRiskLimits,
  type OpenPosition,
  type PreTradeLimits,
  type PreTradeView,
  type RecentOrder,
  type RiskConfig,
} from '@floor/risk';
import type { Tx } from './client.js';

/**
 * The Postgres half of the pre-trade engine's view (`PreTradeView` in @floor/risk), read inside the executor's
 * transaction so that positions, exposure, recent orders and equity are the book of record at decision time.
 * What lives outside Postgres (kill switches, the Boss's trading states, marks) the executor reads from Redis
 * before the transaction and passes in as `PreTradeInputs`.
 *
 * What each part reads:
 *   limits          agents.risk (the strategy file's `risk:` block) merged over the floor's `risk.agent`
 *   openPositions   positions with size > 0, every agent, joined with markets for category and event id
 *   recentOrders    BUY orders not denied, created within the longest rate window (orders_created_at_idx)
 *   floor equity    Σ agent cash (ledger) + Σ open positions at the mid of their latest book, at cost without one
 *   day-start       the floor's last performance snapshot at or before 00:00 UTC (else its first one today);
 *                   without snapshots the ledger: cash + positions at cost from transactions before 00:00 UTC,
 *                   plus every allocation (capital handed over today is not a gain)
 */

/** What the executor reads outside Postgres, before the transaction. */
export interface PreTradeInputs {
  /** the floor's `risk:` section */
  readonly risk: RiskConfig;
  /** the configured bankroll: the base of every share limit */
  readonly bankrollMicros: bigint;
  readonly killSwitch: PreTradeView['killSwitch'];
  /** the Boss's published trading states (its breakers already folded in); a scope without a key is active */
  readonly tradingState: PreTradeView['tradingState'];
  /** the Boss's published stake multiplier for the agent (drawdown heat, reduced sizing); 1 without one */
  readonly sizeMultiplier: number;
  /** mid price by token id, for marking open positions; a token missing from the answer counts at cost */
  readonly marks: (tokenIds: readonly string[]) => Promise<ReadonlyMap<string, bigint>>;
}

/** The agent's limits, or why they cannot be had (the denial then names the problem rather than guessing limits). */
export type AgentLimits = { readonly ok: true; readonly limits: PreTradeLimits } | { readonly ok: false; readonly problem: string };

/** A floor-wide view plus the numbers behind it, for the risk_events row of a decision. */
export interface PreTradeSnapshot {
  readonly view: PreTradeView;
  readonly limits: AgentLimits;
  readonly dayStartSource: 'snapshot' | 'ledger';
}

/** Builds the engine's view of one intent. `positionMicros` and `resolved` are what processIntent read under its locks. */
export async function readPreTradeView(
  tx: Tx,
  intent: OrderIntent,
  args: {
    readonly inputs: PreTradeInputs;
    readonly market: MarketInfo | undefined;
    readonly resolved: boolean;
    readonly book: BookSnapshot | undefined;
    readonly positionMicros: bigint;
    readonly nowMs: number;
  },
): Promise<PreTradeSnapshot> {
  const { inputs, nowMs } = args;
  const limits = await readAgentRiskLimits(tx, intent.agentId, inputs.risk);
  const windowMs = Math.max(inputs.risk.floor.marketRateWindowMs, limits.ok ? limits.limits.agent.rateWindowMs : inputs.risk.agent.rateWindowMs);
  // one after another: a transaction is one connection, and pg serialises (and will refuse) concurrent queries on it
  const openPositions = await readOpenPositions(tx);
  const recentOrders = await readRecentEntries(tx, nowMs - windowMs);
  const cashMicros = await readFloorCash(tx);
  const dayStart = await readDayStartEquity(tx, utcDayStartMs(nowMs));
  const marks = openPositions.length > 0 ? await inputs.marks([...new Set(openPositions.map((p) => p.tokenId))]) : new Map<string, bigint>();
  const equityMicros = openPositions.reduce((sum, p) => {
    const mark = marks.get(p.tokenId);
    return sum + (mark === undefined ? p.costMicros : notionalMicros(mark, p.sizeMicros, 'floor'));
  }, cashMicros);

  const view: PreTradeView = {
    nowMs,
    killSwitch: inputs.killSwitch,
    tradingState: inputs.tradingState,
    sizeMultiplier: inputs.sizeMultiplier,
    market: args.market && { info: args.market, resolved: args.resolved },
    book: args.book && { stale: args.book.stale, publishedMs: args.book.tsPublishedMs, bids: args.book.bids, asks: args.book.asks },
    floor: {
      bankrollMicros: inputs.bankrollMicros,
      equityMicros,
      // a brand-new floor has no history at all: then today started where it stands
      dayStartEquityMicros: dayStart.equityMicros ?? equityMicros,
    },
    positionMicros: args.positionMicros,
    openPositions,
    recentOrders,
  };
  return { view, limits, dayStartSource: dayStart.source };
}

/** The agent's stored override merged over the floor's agent limits; an agent without a row gets the floor's. */
export async function readAgentRiskLimits(tx: Tx, agentId: string, risk: RiskConfig): Promise<AgentLimits> {
  const res = await tx.execute(sql`SELECT risk FROM agents WHERE id = ${agentId}`);
  const stored = (res.rows[0] as { risk: unknown } | undefined)?.risk ?? null;
  if (stored === null) return { ok: true, limits: resolveRiskLimits(risk) };
  const parsed = AgentRiskOverride.safeParse(stored);
  if (!parsed.success) return { ok: false, problem: `agents.risk of ${agentId} is invalid: ${describeIssues(parsed.error.issues)}` };
  try {
    return { ok: true, limits: resolveRiskLimits(risk, parsed.data) };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}

/** Every open position on the floor with the placement of its market (category 'other', no event, when unlisted). */
export async function readOpenPositions(tx: Tx): Promise<OpenPosition[]> {
  const res = await tx.execute(sql`
    SELECT p.agent_id, p.market_id, p.token_id, p.size_micros::text AS size, p.cost_micros::text AS cost,
           m.category, COALESCE(m.info->>'eventId', '') AS event_id
    FROM positions p LEFT JOIN markets m ON m.market_id = p.market_id
    WHERE p.size_micros > 0
    ORDER BY p.agent_id, p.token_id`);
  return (res.rows as Array<{ agent_id: string; market_id: string; token_id: string; size: string; cost: string; category: string | null; event_id: string }>).map(
    (r) => ({
      agentId: r.agent_id,
      marketId: r.market_id,
      tokenId: r.token_id,
      sizeMicros: BigInt(r.size),
      costMicros: BigInt(r.cost),
      category: MarketCategory.catch('other').parse(r.category ?? 'other'),
      eventId: r.event_id,
    }),
  );
}

/** Entries (BUYs) the gate accepted since `sinceMs`, every agent: what the rate limits count. */
export async function readRecentEntries(tx: Tx, sinceMs: number): Promise<RecentOrder[]> {
  const res = await tx.execute(sql`
    SELECT agent_id, market_id, (extract(epoch FROM created_at) * 1000)::bigint::text AS ts_ms
    FROM orders
    WHERE created_at > ${new Date(sinceMs)} AND side = 'BUY' AND status <> 'denied'`);
  return (res.rows as Array<{ agent_id: string; market_id: string; ts_ms: string }>).map((r) => ({ agentId: r.agent_id, marketId: r.market_id, tsMs: Number(r.ts_ms) }));
}

/** Σ cash of every agent, from the ledger. */
async function readFloorCash(tx: Tx): Promise<bigint> {
  const res = await tx.execute(sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS cash FROM ledger_entries WHERE account LIKE 'agent:%:cash'`);
  return BigInt((res.rows[0] as { cash: string }).cash);
}

/** The floor's equity at `dayStartMs` (see the file comment); `equityMicros` undefined = no history at all. */
export async function readDayStartEquity(tx: Tx, dayStartMs: number): Promise<{ equityMicros: bigint | undefined; source: 'snapshot' | 'ledger' }> {
  const at = new Date(dayStartMs);
  const snapshot = await tx.execute(sql`
    (SELECT equity_micros::text AS equity, 0 AS pref FROM performance_snapshots WHERE agent_id IS NULL AND ts <= ${at} ORDER BY ts DESC LIMIT 1)
    UNION ALL
    (SELECT equity_micros::text AS equity, 1 AS pref FROM performance_snapshots WHERE agent_id IS NULL AND ts > ${at} ORDER BY ts ASC LIMIT 1)
    ORDER BY pref LIMIT 1`);
  const fromSnapshot = (snapshot.rows[0] as { equity: string } | undefined)?.equity;
  if (fromSnapshot !== undefined) return { equityMicros: BigInt(fromSnapshot), source: 'snapshot' };

  const ledger = await tx.execute(sql`
    SELECT COUNT(*)::int AS n, COALESCE(SUM(e.amount_micros), 0)::text AS equity
    FROM ledger_entries e JOIN ledger_txns t ON t.id = e.txn_id
    WHERE (e.account LIKE 'agent:%:cash' OR e.account LIKE 'agent:%:positions')
      AND (t.created_at < ${at} OR t.kind = 'allocation')`);
  const row = ledger.rows[0] as { n: number; equity: string };
  return { equityMicros: row.n > 0 ? BigInt(row.equity) : undefined, source: 'ledger' };
}

/** 00:00 UTC of the day `nowMs` falls in. */
export function utcDayStartMs(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
