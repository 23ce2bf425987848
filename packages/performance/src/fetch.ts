import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { BookSnapshot, type PriceMicros } from '@floor/domain';
import { readAgentPortfolio, type AgentPortfolio, type Db } from '@floor/db';
import type { BusNames } from '@floor/bus';
import { markFromBook, type AgentRow } from './compute.js';
import type { FillForTrips, ResolvedForecast } from './stats.js';

const AgentRowSchema = z.object({ agentId: z.string().min(1), strategy: z.string() });

/**
 * Every agent that has a row in `agents`, plus any agent that holds capital without one (an allocation made
 * before the row, or a deleted row): floor-wide equity must count every dollar in the ledger.
 */
export async function fetchAgents(db: Db): Promise<AgentRow[]> {
  const result = await db.execute(sql`
    SELECT id AS "agentId", strategy FROM agents
    UNION
    SELECT DISTINCT t.agent_id, 'unknown' FROM ledger_txns t
    WHERE t.kind = 'allocation' AND t.agent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = t.agent_id)
    ORDER BY 1`);
  return result.rows.map((r) => AgentRowSchema.parse(r));
}

/** Latest book of each token from Redis, reduced to its mark. Missing, corrupt or one-sided books yield no mark. */
export async function fetchMarks(redis: Redis, names: BusNames, tokenIds: readonly string[]): Promise<Map<string, PriceMicros>> {
  const marks = new Map<string, PriceMicros>();
  const unique = [...new Set(tokenIds)];
  if (unique.length === 0) return marks;
  const values = await redis.mget(...unique.map((t) => names.bookKey(t)));
  unique.forEach((tokenId, i) => {
    const raw = values[i];
    if (!raw) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return; // a corrupt book is no mark: the position is valued at cost and counted as unmarked
    }
    const book = BookSnapshot.safeParse(json);
    if (!book.success) return;
    const mark = markFromBook(book.data);
    if (mark !== null) marks.set(tokenId, mark);
  });
  return marks;
}

export interface PerformanceInputs {
  readonly agents: ReadonlyArray<{ readonly agent: AgentRow; readonly portfolio: AgentPortfolio }>;
  readonly marks: Map<string, PriceMicros>;
}

/** Reads what one monitor tick needs: each agent's book of record (its own snapshot) and the marks of its tokens. */
export async function fetchPerformanceInputs(db: Db, redis: Redis, names: BusNames): Promise<PerformanceInputs> {
  const agents = [];
  for (const agent of await fetchAgents(db)) {
    agents.push({ agent, portfolio: await readAgentPortfolio(db, agent.agentId) });
  }
  const tokenIds = agents.flatMap((a) => a.portfolio.positions.map((p) => p.tokenId));
  return { agents, marks: await fetchMarks(redis, names, tokenIds) };
}

/** marketId → category, for the markets the floor holds positions in. */
export async function fetchMarketCategories(db: Db, marketIds: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(marketIds)];
  if (unique.length === 0) return new Map();
  const result = await db.execute(sql`
    SELECT market_id, category FROM markets WHERE market_id IN (${sql.join(unique.map((id) => sql`${id}`), sql`, `)})`);
  return new Map(result.rows.map((r) => [String(r.market_id), String(r.category)]));
}

const CountRow = z.object({ agent_id: z.string(), key: z.string(), n: z.coerce.number() });
export type CountRow = Readonly<{ agentId: string; key: string; n: number }>;

export interface ActivityCounts {
  /** orders by agent and status */
  readonly orders: readonly CountRow[];
  /** risk-gate denials by agent and code */
  readonly denials: readonly CountRow[];
  /** fills of kind trade per agent */
  readonly trades: ReadonlyMap<string, number>;
}

/**
 * Counts of record from Postgres: correct after a restart of any process, unlike a process's own counters, and
 * labelled by agent, which the executor's counters must not be.
 */
export async function fetchActivityCounts(db: Db): Promise<ActivityCounts> {
  const counts = async (query: ReturnType<typeof sql>) =>
    (await db.execute(query)).rows.map((raw) => {
      const r = CountRow.parse(raw);
      return { agentId: r.agent_id, key: r.key, n: r.n };
    });
  const orders = await counts(sql`SELECT agent_id, status AS key, count(*)::int AS n FROM orders GROUP BY 1, 2`);
  const denials = await counts(sql`SELECT COALESCE(agent_id, '') AS agent_id, code AS key, count(*)::int AS n FROM risk_events GROUP BY 1, 2`);
  const trades = await counts(sql`SELECT agent_id, kind AS key, count(*)::int AS n FROM fills WHERE kind = 'trade' GROUP BY 1, 2`);
  return { orders, denials, trades: new Map(trades.map((t) => [t.agentId, t.n])) };
}

const TripFillRow = z.object({
  agent_id: z.string(),
  token_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  size: z.string(),
  fee: z.string(),
  realized: z.string(),
});

/** Every fill (trades and settlements) per agent in commit order, for round-trip accounting. */
export async function fetchTripFills(db: Db): Promise<Map<string, FillForTrips[]>> {
  const result = await db.execute(sql`
    SELECT agent_id, token_id, side, size_micros::text AS size, fee_micros::text AS fee, realized_pnl_micros::text AS realized
    FROM fills ORDER BY seq`);
  const out = new Map<string, FillForTrips[]>();
  for (const raw of result.rows) {
    const r = TripFillRow.parse(raw);
    const list = out.get(r.agent_id) ?? [];
    list.push({ tokenId: r.token_id, side: r.side, sizeMicros: BigInt(r.size), feeMicros: BigInt(r.fee), realizedPnlMicros: BigInt(r.realized) });
    out.set(r.agent_id, list);
  }
  return out;
}

export interface ForecastInputs {
  /** per agent: the last ensemble forecast it received for each market before the market resolved */
  readonly resolved: ReadonlyMap<string, ResolvedForecast[]>;
  /** LLM spend by agent and model, from the per-model rows (the ensemble row repeats their total) */
  readonly cost: ReadonlyArray<{ readonly agentId: string; readonly model: string; readonly costMicros: bigint }>;
}

const ResolvedRow = z.object({ agent_id: z.string(), probability: z.coerce.number(), outcome: z.coerce.number() });
const CostRow = z.object({ agent_id: z.string(), model: z.string(), cost: z.string() });

/**
 * What the AI agents' scores need, or null when the floor has no `forecasts` table (it belongs to the AI-forecast
 * strategy, and a floor without it simply has no forecast metrics).
 *
 * One forecast per (agent, market) is scored: the latest aggregated one asked before the resolution, so a market
 * asked about fifty times does not outweigh one asked about once. The outcome is YES (the market's first token,
 * which is what the forecast's probability is of) winning.
 */
export async function fetchForecastInputs(db: Db): Promise<ForecastInputs | null> {
  const exists = await db.execute(sql`SELECT to_regclass('public.forecasts') IS NOT NULL AS present`);
  if (!(exists.rows[0] as { present: boolean } | undefined)?.present) return null;
  const resolvedRows = await db.execute(sql`
    SELECT DISTINCT ON (f.agent_id, f.market_id)
           f.agent_id, f.probability,
           (m.winning_token_id = m.info -> 'tokens' -> 0 ->> 'tokenId')::int AS outcome
    FROM forecasts f
    JOIN markets m ON m.market_id = f.market_id
    WHERE f.aggregated AND m.winning_token_id IS NOT NULL AND f.ts <= COALESCE(m.resolved_at, 'infinity')
    ORDER BY f.agent_id, f.market_id, f.ts DESC, f.id DESC`);
  const resolved = new Map<string, ResolvedForecast[]>();
  for (const raw of resolvedRows.rows) {
    const r = ResolvedRow.parse(raw);
    const list = resolved.get(r.agent_id) ?? [];
    list.push({ probability: r.probability, outcome: r.outcome === 1 ? 1 : 0 });
    resolved.set(r.agent_id, list);
  }
  const costRows = await db.execute(sql`
    SELECT agent_id, model, sum(cost_micros)::text AS cost FROM forecasts WHERE NOT aggregated GROUP BY 1, 2 ORDER BY 1, 2`);
  const cost = costRows.rows.map((raw) => {
    const r = CostRow.parse(raw);
    return { agentId: r.agent_id, model: r.model, costMicros: BigInt(r.cost) };
  });
  return { resolved, cost };
}

export interface StreamStats {
  /** stream label → XLEN */
  readonly lengths: ReadonlyMap<string, number>;
  readonly groups: ReadonlyArray<{ readonly stream: string; readonly group: string; readonly pending: number; readonly lag: number | null }>;
}

/**
 * Length of the floor-wide streams and, per consumer group, the entries delivered but not acknowledged
 * (`pending`) and those not yet delivered (`lag`, Redis ≥ 7; null when Redis cannot tell). Streams are named
 * by role (`fills`, `markets_index`), never by key, to keep the label set small.
 */
export async function fetchStreamStats(redis: Redis, names: BusNames): Promise<StreamStats> {
  const streams = { fills: names.fillsStream, markets_index: names.marketsIndexStream } as const;
  const lengths = new Map<string, number>();
  const groups: Array<{ stream: string; group: string; pending: number; lag: number | null }> = [];
  for (const [label, key] of Object.entries(streams)) {
    lengths.set(label, await redis.xlen(key));
    let info: unknown[] = [];
    try {
      info = (await redis.xinfo('GROUPS', key)) as unknown[];
    } catch {
      continue; // no such stream yet: no groups
    }
    for (const entry of info) {
      const fields = entry as unknown[];
      const field = (name: string) => fields[fields.indexOf(name) + 1];
      const lag = field('lag');
      groups.push({
        stream: label,
        group: String(field('name')),
        pending: Number(field('pending') ?? 0),
        lag: lag === null || lag === undefined ? null : Number(lag),
      });
    }
  }
  return { lengths, groups };
}

/** The agents whose own kill switch is on (the global one is read separately). */
export async function fetchAgentKillSwitches(redis: Redis, names: BusNames, agentIds: readonly string[]): Promise<Set<string>> {
  if (agentIds.length === 0) return new Set();
  const values = await redis.mget(...agentIds.map((id) => names.agentKillKey(id)));
  return new Set(agentIds.filter((_, i) => values[i]));
}
