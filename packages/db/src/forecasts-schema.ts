import { bigint, bigserial, boolean, doublePrecision, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Db, Tx } from './client.js';

/**
 * Every forecast the AI-forecast agent received: one row per model answer and one aggregated row per ensemble
 * answer (`aggregated = true`, `model` = the port, e.g. `ensemble`). Append-only; calibration and the Brier score
 * are computed from these rows against market resolutions. Cost in micro-USD, like every amount.
 *
 * Migration (to add under drizzle/ as the next numbered file): see FORECASTS_TABLE_SQL below.
 */
export const forecasts = pgTable(
  'forecasts',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    agentId: text('agent_id').notNull(),
    marketId: text('market_id').notNull(),
    model: text('model').notNull(),
    probability: doublePrecision('probability').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    promptHash: text('prompt_hash').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costMicros: bigint('cost_micros', { mode: 'bigint' }).notNull(),
    aggregated: boolean('aggregated').notNull(),
    /** event time the forecast was asked at (the request's `asOfMs`) */
    ts: timestamp('ts', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('forecasts_agent_market_ts_idx').on(t.agentId, t.marketId, t.ts), index('forecasts_market_idx').on(t.marketId)],
);

export const FORECASTS_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS "forecasts" (
  "id" bigserial PRIMARY KEY NOT NULL,
  "agent_id" text NOT NULL,
  "market_id" text NOT NULL,
  "model" text NOT NULL,
  "probability" double precision NOT NULL CHECK ("probability" >= 0 AND "probability" <= 1),
  "confidence" double precision NOT NULL CHECK ("confidence" >= 0 AND "confidence" <= 1),
  "prompt_hash" text NOT NULL,
  "input_tokens" integer NOT NULL CHECK ("input_tokens" >= 0),
  "output_tokens" integer NOT NULL CHECK ("output_tokens" >= 0),
  "cost_micros" bigint NOT NULL CHECK ("cost_micros" >= 0),
  "aggregated" boolean NOT NULL,
  "ts" timestamp with time zone NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX IF NOT EXISTS "forecasts_agent_market_ts_idx" ON "forecasts" USING btree ("agent_id", "market_id", "ts");
CREATE INDEX IF NOT EXISTS "forecasts_market_idx" ON "forecasts" USING btree ("market_id");
`;

/** One forecast to store (`ForecastRecord` from @floor/kernel fits). */
export interface ForecastRow {
  readonly agentId: string;
  readonly marketId: string;
  readonly model: string;
  readonly probability: number;
  readonly confidence: number;
  readonly promptHash: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: bigint;
  readonly aggregated: boolean;
  readonly tsMs: number;
}

/** Appends forecasts in one statement (the forecast broker's `record` sink, live). */
export async function insertForecasts(q: Db | Tx, rows: readonly ForecastRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.insert(forecasts).values(rows.map(({ tsMs, ...r }) => ({ ...r, ts: new Date(tsMs) })));
}
