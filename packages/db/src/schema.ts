import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Amounts are bigint micro-units (10^-6 USDC or shares), never floats. Column names end in _micros. */
const micros = (name: string) => bigint(name, { mode: 'bigint' });
const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** One trader agent per strategy file (and per clone later), with lineage. */
export const agents = pgTable('agents', {
  id: text('id').primaryKey(),
  strategy: text('strategy').notNull(),
  params: jsonb('params').notNull(),
  weight: doublePrecision('weight').notNull().default(1),
  markets: jsonb('markets').notNull(),
  status: text('status', { enum: ['active', 'stopped', 'retired', 'faulted'] }).notNull().default('active'),
  parentId: text('parent_id'),
  generation: integer('generation').notNull().default(0),
  sourceFile: text('source_file'),
  live: boolean('live').notNull().default(false),
  /**
   * The strategy file's `risk:` block (`AgentRiskOverride`, money in dollars as written: `riskOverrideToJson`),
   * null without one. The executor merges it over the floor's `risk.agent` for every intent of this agent.
   */
  risk: jsonb('risk'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** An agent's strategy state and stream positions, written on fills, on a timer and at shutdown. */
export const checkpoints = pgTable('checkpoints', {
  agentId: text('agent_id').primaryKey(),
  state: jsonb('state').notNull(),
  streamOffsets: jsonb('stream_offsets').notNull(),
  lastFillSeq: micros('last_fill_seq').notNull().default(sql`0`),
  eventsProcessed: micros('events_processed').notNull().default(sql`0`),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const markets = pgTable('markets', {
  marketId: text('market_id').primaryKey(),
  question: text('question').notNull(),
  category: text('category').notNull(),
  info: jsonb('info').notNull(),
  endDate: timestamp('end_date', { withTimezone: true }),
  winningTokenId: text('winning_token_id'),
  resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  createdAt: createdAt(),
});

/**
 * Order statuses. The first five are the paper exchange's (decided in one transaction); the rest belong to live
 * orders, which work at the venue over time:
 *   pending_unknown  signed and (maybe) submitted, no clean answer yet (timeout, 5xx, crash); only venue evidence
 *                    (open orders, trades) moves it on, never a guess
 *   open             the venue has it; fills arrive as its trades are CONFIRMED
 *   cancelled        gone from the venue (cancelled, expired, killed) with nothing filled
 *   not_found        was pending_unknown, and the venue showed no trace of it after the grace period
 * A live order that ends with fills ends `filled` or `partially_filled`, like a paper one.
 */
export const ORDER_STATUSES = ['filled', 'partially_filled', 'unfilled', 'denied', 'rejected', 'pending_unknown', 'open', 'cancelled', 'not_found'] as const;
export type OrderRowStatus = (typeof ORDER_STATUSES)[number];

/** One row per intent the executor processed: the unique intent id is what makes a retry harmless. */
export const orders = pgTable(
  'orders',
  {
    clientOrderId: text('client_order_id').primaryKey(),
    intentId: text('intent_id').notNull(),
    agentId: text('agent_id').notNull(),
    marketId: text('market_id').notNull(),
    tokenId: text('token_id').notNull(),
    side: text('side', { enum: ['BUY', 'SELL'] }).notNull(),
    orderType: text('order_type').notNull(),
    limitPriceMicros: micros('limit_price_micros').notNull(),
    sizeMicros: micros('size_micros').notNull(),
    filledSizeMicros: micros('filled_size_micros').notNull().default(sql`0`),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    reason: text('reason').notNull().default(''),
    venue: text('venue', { enum: ['paper', 'live'] }).notNull().default('paper'),
    intentReason: text('intent_reason').notNull().default(''),
    bookSeen: jsonb('book_seen'),
    tsIntentMs: micros('ts_intent_ms').notNull(),
    createdAt: createdAt(),
    // ---- live orders only (null / 0 on the paper exchange) ----
    /** the venue's order id: the EIP-712 hash of the signed order, known before it is submitted */
    venueOrderId: text('venue_order_id'),
    /** size the venue reports matched (MATCHED or later, FAILED excluded); fills count only CONFIRMED trades */
    matchedSizeMicros: micros('matched_size_micros').notNull().default(sql`0`),
    /** false once the venue no longer lists the order as open (matched, cancelled, expired or killed) */
    venueOpen: boolean('venue_open').notNull().default(false),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('orders_intent_id_uq').on(t.intentId),
    index('orders_agent_idx').on(t.agentId),
    // the pre-trade rate limits read the orders accepted in the last window (risk-view.ts)
    index('orders_created_at_idx').on(t.createdAt),
    uniqueIndex('orders_venue_order_id_uq').on(t.venueOrderId),
    // reconciliation's working set: live orders that are not final yet
    index('orders_live_working_idx').on(t.status).where(sql`venue = 'live' AND status IN ('pending_unknown', 'open')`),
  ],
);

export const VENUE_TRADE_STATUSES = ['MATCHED', 'MINED', 'CONFIRMED', 'RETRYING', 'FAILED'] as const;
export type VenueTradeStatus = (typeof VENUE_TRADE_STATUSES)[number];

/**
 * Our share of each venue trade, as the venue reports it, updated in place as the trade settles
 * (MATCHED → MINED → CONFIRMED, or RETRYING / FAILED). Only a CONFIRMED trade becomes a fill (`fill_id`), in the
 * same transaction; exposure counts every trade that is not FAILED. The key is (trade, order): a trade id is
 * unique at the venue, but one trade can match two of our own orders (two agents share one wallet).
 */
export const venueTrades = pgTable(
  'venue_trades',
  {
    tradeId: text('trade_id').notNull(),
    venueOrderId: text('venue_order_id').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    agentId: text('agent_id').notNull(),
    marketId: text('market_id').notNull(),
    tokenId: text('token_id').notNull(),
    /** our order's side */
    side: text('side', { enum: ['BUY', 'SELL'] }).notNull(),
    traderSide: text('trader_side', { enum: ['TAKER', 'MAKER'] }).notNull(),
    status: text('status', { enum: VENUE_TRADE_STATUSES }).notNull(),
    priceMicros: micros('price_micros').notNull(),
    sizeMicros: micros('size_micros').notNull(),
    feeMicros: micros('fee_micros').notNull(),
    feeRateBps: integer('fee_rate_bps').notNull().default(0),
    transactionHash: text('transaction_hash'),
    matchedAt: timestamp('matched_at', { withTimezone: true }).notNull(),
    /** the venue's last_update */
    venueUpdatedAt: timestamp('venue_updated_at', { withTimezone: true }),
    /** the fill this trade became when CONFIRMED */
    fillId: text('fill_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tradeId, t.venueOrderId] }), index('venue_trades_order_idx').on(t.clientOrderId)],
);

/** Fills and settlements. `seq` orders them by commit; `fill_id` is unique, so a fill is applied once. */
export const fills = pgTable(
  'fills',
  {
    fillId: text('fill_id').primaryKey(),
    seq: bigserial('seq', { mode: 'bigint' }).notNull(),
    kind: text('kind', { enum: ['trade', 'settlement'] }).notNull(),
    clientOrderId: text('client_order_id'),
    intentId: text('intent_id'),
    agentId: text('agent_id').notNull(),
    marketId: text('market_id').notNull(),
    tokenId: text('token_id').notNull(),
    side: text('side', { enum: ['BUY', 'SELL'] }).notNull(),
    priceMicros: micros('price_micros').notNull(),
    sizeMicros: micros('size_micros').notNull(),
    feeMicros: micros('fee_micros').notNull(),
    cashDeltaMicros: micros('cash_delta_micros').notNull(),
    realizedPnlMicros: micros('realized_pnl_micros').notNull(),
    ledgerTxnId: text('ledger_txn_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('fills_seq_uq').on(t.seq), index('fills_agent_idx').on(t.agentId, t.seq)],
);

/** Open positions at cost, kept in the same transaction as the fill that changes them. */
export const positions = pgTable(
  'positions',
  {
    agentId: text('agent_id').notNull(),
    tokenId: text('token_id').notNull(),
    marketId: text('market_id').notNull(),
    sizeMicros: micros('size_micros').notNull(),
    costMicros: micros('cost_micros').notNull(),
    realizedPnlMicros: micros('realized_pnl_micros').notNull().default(sql`0`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.tokenId] })],
);

export const ledgerTxns = pgTable(
  'ledger_txns',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['allocation', 'fill', 'settlement'] }).notNull(),
    ref: text('ref').notNull(),
    agentId: text('agent_id'),
    memo: text('memo').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('ledger_txns_kind_ref_uq').on(t.kind, t.ref)],
);

/** Signed postings: positive = debit, negative = credit. Each transaction sums to zero (checked by a trigger). */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    txnId: text('txn_id')
      .notNull()
      .references(() => ledgerTxns.id),
    account: text('account').notNull(),
    agentId: text('agent_id'),
    amountMicros: micros('amount_micros').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('ledger_entries_account_idx').on(t.account), index('ledger_entries_txn_idx').on(t.txnId)],
);

/**
 * Append-only log of who did what, chained by hashes: `hash = sha256(prev_hash || canonical row content)`.
 * A BEFORE INSERT trigger assigns `id`, `prev_hash` and `hash` (drizzle/0003_audit_chain.sql), so write rows
 * through `appendAudit` (or plain SQL that leaves those three columns alone); UPDATE, DELETE and TRUNCATE are
 * refused. `verifyAuditChain` in @floor/audit recomputes the chain.
 */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
  actor: jsonb('actor').notNull(),
  action: text('action').notNull(),
  subject: text('subject').notNull().default(''),
  detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
  /** the previous row's hash (64 zeros for the first row), hex */
  prevHash: text('prev_hash').notNull(),
  /** sha256 of prev_hash followed by the row's canonical JSON, hex */
  hash: text('hash').notNull(),
});

/** A check the auditor ran that failed. */
export const auditFindings = pgTable(
  'audit_findings',
  {
    id: text('id').primaryKey(),
    ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    rule: text('rule').notNull(),
    agentId: text('agent_id'),
    refId: text('ref_id'),
    detail: jsonb('detail').notNull(),
  },
  (t) => [index('audit_findings_rule_idx').on(t.rule)],
);

/** A pre-trade check that denied an intent. */
export const riskEvents = pgTable('risk_events', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
  agentId: text('agent_id'),
  intentId: text('intent_id'),
  code: text('code').notNull(),
  detail: jsonb('detail').notNull(),
});

/** Process lifecycle: starts, stops, restarts of hung agents, config errors, kill switch flips. */
export const lifecycleEvents = pgTable('lifecycle_events', {
  id: bigserial('id', { mode: 'bigint' }).primaryKey(),
  ts: timestamp('ts', { withTimezone: true }).notNull().defaultNow(),
  app: text('app').notNull(),
  agentId: text('agent_id'),
  kind: text('kind').notNull(),
  detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
});
