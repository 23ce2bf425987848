import { and, desc, eq, gt, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Tx } from './client.js';
import { appendAudit, type Actor } from './audit.js';
import { breakerEvents, breakerState, evolutionDecisions, evolutionPeriods } from './evolution-schema.js';

/**
 * What the Floor Boss reads and writes for its evaluation periods and its circuit breakers. Every decision and
 * every breaker transition is written together with its audit row, in one transaction.
 */

const jsonSafe = (value: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value ?? {}, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;

// ------------------------------------------------------------------------------------------------ fills

/** A fill as the Boss folds it into round trips (closed trades). */
export interface TradeFill {
  readonly seq: bigint;
  readonly agentId: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly kind: 'trade' | 'settlement';
  readonly side: 'BUY' | 'SELL';
  readonly sizeMicros: bigint;
  /** signed: a BUY's is −(cost + fee) */
  readonly cashDeltaMicros: bigint;
  readonly realizedPnlMicros: bigint;
  readonly feeMicros: bigint;
  readonly tsMs: number;
}

const FillRow = z.object({
  seq: z.string(),
  agent_id: z.string(),
  market_id: z.string(),
  token_id: z.string(),
  kind: z.enum(['trade', 'settlement']),
  side: z.enum(['BUY', 'SELL']),
  size: z.string(),
  cash_delta: z.string(),
  realized: z.string(),
  fee: z.string(),
  ts_ms: z.coerce.number(),
});

/** Fills with seq > `afterSeq`, in commit order, at most `limit` of them. */
export async function readTradeFills(q: Db | Tx, opts: { afterSeq?: bigint; limit?: number } = {}): Promise<TradeFill[]> {
  const result = await q.execute(sql`
    SELECT seq::text AS seq, agent_id, market_id, token_id, kind, side, size_micros::text AS size,
           cash_delta_micros::text AS cash_delta, realized_pnl_micros::text AS realized, fee_micros::text AS fee,
           (extract(epoch FROM created_at) * 1000)::bigint::text AS ts_ms
    FROM fills WHERE seq > ${(opts.afterSeq ?? 0n).toString()}::bigint
    ORDER BY seq LIMIT ${opts.limit ?? 1_000_000}`);
  return result.rows.map((raw) => {
    const r = FillRow.parse(raw);
    return {
      seq: BigInt(r.seq),
      agentId: r.agent_id,
      marketId: r.market_id,
      tokenId: r.token_id,
      kind: r.kind,
      side: r.side,
      sizeMicros: BigInt(r.size),
      cashDeltaMicros: BigInt(r.cash_delta),
      realizedPnlMicros: BigInt(r.realized),
      feeMicros: BigInt(r.fee),
      tsMs: r.ts_ms,
    };
  });
}

// ------------------------------------------------------------------------------------------------ periods

export type EvolutionPeriodRow = typeof evolutionPeriods.$inferSelect;

export async function latestEvolutionPeriod(db: Db): Promise<EvolutionPeriodRow | undefined> {
  const rows = await db.select().from(evolutionPeriods).orderBy(desc(evolutionPeriods.period)).limit(1);
  return rows[0];
}

export async function getEvolutionPeriod(db: Db, period: number): Promise<EvolutionPeriodRow | undefined> {
  const rows = await db.select().from(evolutionPeriods).where(eq(evolutionPeriods.period, period));
  return rows[0];
}

/** Whether the Boss has ever finished an evaluation: from then on capital follows performance, not weights. */
export async function hasEvaluatedPeriod(db: Db): Promise<boolean> {
  const rows = await db
    .select({ period: evolutionPeriods.period })
    .from(evolutionPeriods)
    .where(and(eq(evolutionPeriods.kind, 'evaluation'), isNotNull(evolutionPeriods.finishedAt)))
    .limit(1);
  return rows.length > 0;
}

/** Opens a period (no-op if it exists). */
export async function startEvolutionPeriod(db: Db, input: { period: number; periodMs: number; kind: 'baseline' | 'evaluation' }): Promise<void> {
  await db.insert(evolutionPeriods).values(input).onConflictDoNothing();
}

export async function finishEvolutionPeriod(db: Db, period: number, summary: Record<string, unknown>): Promise<void> {
  await db.update(evolutionPeriods).set({ finishedAt: new Date(), summary: jsonSafe(summary) }).where(eq(evolutionPeriods.period, period));
}

// ------------------------------------------------------------------------------------------------ decisions

export const DecisionKind = z.enum(['allocate', 'clone', 'retire', 'refuse']);
export type DecisionKind = z.infer<typeof DecisionKind>;

export interface DecisionRecord {
  readonly period: number;
  readonly kind: DecisionKind;
  readonly agentId: string;
  readonly reason: string;
  /** bigints are stored as decimal strings */
  readonly numbers: Readonly<Record<string, unknown>>;
  readonly lineage: Readonly<Record<string, unknown>>;
}

/** Writes a decision and its audit row (`evolution.<kind>`) in one transaction. */
export async function recordEvolutionDecision(db: Db, decision: DecisionRecord, actor: Actor): Promise<void> {
  const numbers = jsonSafe(decision.numbers);
  const lineage = jsonSafe(decision.lineage);
  await db.transaction(async (tx) => {
    await tx.insert(evolutionDecisions).values({ period: decision.period, kind: DecisionKind.parse(decision.kind), agentId: decision.agentId, reason: decision.reason, numbers, lineage });
    await appendAudit(tx, {
      actor,
      action: `evolution.${decision.kind}`,
      subject: decision.agentId,
      detail: { period: decision.period, reason: decision.reason, numbers, lineage },
    });
  });
}

export type EvolutionDecisionRow = typeof evolutionDecisions.$inferSelect;

/** Newest first. */
export async function listEvolutionDecisions(db: Db, opts: { kind?: DecisionKind; period?: number; limit?: number } = {}): Promise<EvolutionDecisionRow[]> {
  const conditions = [];
  if (opts.kind) conditions.push(eq(evolutionDecisions.kind, opts.kind));
  if (opts.period !== undefined) conditions.push(eq(evolutionDecisions.period, opts.period));
  return db
    .select()
    .from(evolutionDecisions)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(evolutionDecisions.id))
    .limit(opts.limit ?? 1_000);
}

// ------------------------------------------------------------------------------------------------ breakers

const BREAKER_ROW_ID = 'floor';

export interface StoredBreakers {
  /** `breakerStateToJson` output */
  readonly state: unknown;
  readonly openTrips: unknown;
  readonly lastFillSeq: bigint;
}

export async function loadBreakerState(db: Db): Promise<StoredBreakers | undefined> {
  const rows = await db.select().from(breakerState).where(eq(breakerState.id, BREAKER_ROW_ID));
  const row = rows[0];
  return row ? { state: row.state, openTrips: row.openTrips, lastFillSeq: row.lastFillSeq } : undefined;
}

export interface BreakerEventRecord {
  readonly breaker: string;
  readonly scope: string;
  readonly transition: 'tripped' | 'reset';
  readonly reason: string;
  readonly numbers: Readonly<Record<string, unknown>>;
  readonly tsMs: number;
}

/**
 * Saves the breakers' state and reading position, the transitions of this step (`breaker_events`) and their
 * audit rows (`risk.breaker.tripped` / `risk.breaker.reset`), all in one transaction: a crash never records a
 * trip whose state was not saved, or the reverse.
 */
export async function saveBreakerStep(db: Db, stored: StoredBreakers, events: readonly BreakerEventRecord[], actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const values = { state: jsonSafe(stored.state), openTrips: jsonSafe(stored.openTrips), lastFillSeq: stored.lastFillSeq, updatedAt: new Date() };
    await tx.insert(breakerState).values({ id: BREAKER_ROW_ID, ...values }).onConflictDoUpdate({ target: breakerState.id, set: values });
    for (const e of events) {
      const numbers = jsonSafe(e.numbers);
      await tx.insert(breakerEvents).values({ eventTsMs: e.tsMs, breaker: e.breaker, scope: e.scope, transition: e.transition, reason: e.reason, numbers });
    }
    // audit rows last: appending holds the chain-head lock until commit
    for (const e of events) {
      await appendAudit(tx, {
        actor,
        action: `risk.breaker.${e.transition}`,
        subject: e.scope,
        detail: { breaker: e.breaker, scope: e.scope, reason: e.reason, numbers: jsonSafe(e.numbers), tsMs: e.tsMs },
      });
    }
  });
}

export type BreakerEventRow = typeof breakerEvents.$inferSelect;

/** Newest first; `afterId` for paging forward. */
export async function listBreakerEvents(db: Db, opts: { scope?: string; afterId?: bigint; limit?: number } = {}): Promise<BreakerEventRow[]> {
  const conditions = [];
  if (opts.scope) conditions.push(eq(breakerEvents.scope, opts.scope));
  if (opts.afterId !== undefined) conditions.push(gt(breakerEvents.id, opts.afterId));
  return db
    .select()
    .from(breakerEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(breakerEvents.id))
    .limit(opts.limit ?? 100);
}
