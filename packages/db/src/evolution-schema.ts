import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The Floor Boss's own records: its evaluation periods and the decisions taken in them (capital, clones,
 * retirements, refusals), and the circuit breakers it runs (their state, and every trip and reset).
 * evolution_decisions and breaker_events are append-only facts (their migration revokes UPDATE/DELETE from
 * floor_app); each row is also in the audit log, with the same numbers.
 */

/** One evaluation period: `period` = ⌊evaluation time / periodMs⌋. A row with `finished_at` is never re-run. */
export const evolutionPeriods = pgTable('evolution_periods', {
  period: bigint('period', { mode: 'number' }).primaryKey(),
  periodMs: integer('period_ms').notNull(),
  /** 'baseline' = the first period a floor saw: recorded, not evaluated; 'evaluation' = the Boss reviewed it */
  kind: text('kind', { enum: ['baseline', 'evaluation'] }).notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  /** counts of decisions by kind, the bankroll, the population */
  summary: jsonb('summary').notNull().default(sql`'{}'::jsonb`),
});

/** A decision of the Boss, with the numbers it was taken on. `agent_id` is the agent it is about (a clone's parent). */
export const evolutionDecisions = pgTable(
  'evolution_decisions',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
    period: bigint('period', { mode: 'number' }).notNull(),
    kind: text('kind', { enum: ['allocate', 'clone', 'retire', 'refuse'] }).notNull(),
    agentId: text('agent_id').notNull(),
    reason: text('reason').notNull(),
    /** statistics and amounts (micros as decimal strings) */
    numbers: jsonb('numbers').notNull(),
    /** parent and generation; for a clone also the child id, its seed and the mutated params (from → to) */
    lineage: jsonb('lineage').notNull(),
  },
  (t) => [index('evolution_decisions_agent_idx').on(t.agentId, t.id), index('evolution_decisions_period_idx').on(t.period)],
);

/**
 * The circuit breakers' state (`BreakerState` JSON from @floor/risk) and the Boss's reading position: the fills
 * up to `last_fill_seq` are folded in, and `open_trips` holds the round trips still open at that point.
 * One row, id 'floor'.
 */
export const breakerState = pgTable('breaker_state', {
  id: text('id').primaryKey(),
  state: jsonb('state').notNull(),
  openTrips: jsonb('open_trips').notNull(),
  lastFillSeq: bigint('last_fill_seq', { mode: 'bigint' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every breaker trip and reset (`BreakerEvent`), as the breakers emitted it. */
export const breakerEvents = pgTable(
  'breaker_events',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
    /** the event's own time (the input that caused it), epoch ms */
    eventTsMs: bigint('event_ts_ms', { mode: 'number' }).notNull(),
    breaker: text('breaker').notNull(),
    /** 'floor' or 'agent:<agentId>' */
    scope: text('scope').notNull(),
    transition: text('transition', { enum: ['tripped', 'reset'] }).notNull(),
    reason: text('reason').notNull(),
    numbers: jsonb('numbers').notNull(),
  },
  (t) => [index('breaker_events_scope_idx').on(t.scope, t.id)],
);
