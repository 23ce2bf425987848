import { z } from 'zod';
import { MarketInfo } from './market.js';
import { MicrosWire } from './wire.js';

/**
 * Every message that crosses a process boundary: a zod schema with a literal `type` and a version `v`.
 * Amounts travel as decimal-integer strings and parse into bigints; timestamps are epoch milliseconds.
 */

export const DataSource = z.enum(['replay', 'simulator', 'polymarket', 'sandbox', 'rest']);
export type DataSource = z.infer<typeof DataSource>;

export const Side = z.enum(['BUY', 'SELL']);
export type Side = z.infer<typeof Side>;

export const WireLevel = z.object({ priceMicros: MicrosWire, sizeMicros: MicrosWire });

const eventBase = {
  v: z.literal(1),
  eventId: z.string().min(1),
  marketId: z.string().min(1),
  tsEventMs: z.number().int().nonnegative().describe('venue time'),
  tsPublishedMs: z.number().int().nonnegative().describe('when the collector published it (latency tracing)'),
  source: DataSource,
  /** microsecond wall clock at publish, for latency tracing (ms is too coarse next to a Redis hop) */
  tracePublishedUs: z.number().int().optional(),
};

/** A full book for one token, best first on both sides. */
export const BookSnapshot = z.object({
  ...eventBase,
  type: z.literal('book'),
  tokenId: z.string().min(1),
  bids: z.array(WireLevel),
  asks: z.array(WireLevel),
  /** true while the feed for this token is stale (REST fallback or replayed after a gap) */
  stale: z.boolean().default(false),
});
export type BookSnapshot = z.output<typeof BookSnapshot>;

/** A trade print. `side` is the aggressor's side. */
export const TradePrinted = z.object({
  ...eventBase,
  type: z.literal('trade'),
  tokenId: z.string().min(1),
  priceMicros: MicrosWire,
  sizeMicros: MicrosWire,
  side: Side,
});
export type TradePrinted = z.output<typeof TradePrinted>;

/** The market resolved: the winning token pays 1, the other 0. */
export const MarketResolved = z.object({
  ...eventBase,
  type: z.literal('resolved'),
  winningTokenId: z.string().min(1),
});
export type MarketResolved = z.output<typeof MarketResolved>;

/** A market appeared on the feed (or its details changed). */
export const MarketListed = z.object({
  ...eventBase,
  type: z.literal('listed'),
  market: MarketInfo,
});
export type MarketListed = z.output<typeof MarketListed>;

export const MarketEvent = z.discriminatedUnion('type', [BookSnapshot, TradePrinted, MarketResolved, MarketListed]);
export type MarketEvent = z.output<typeof MarketEvent>;
export type MarketEventWire = z.input<typeof MarketEvent>;

export const OrderType = z.enum(['FAK', 'FOK', 'GTC']);
export type OrderType = z.infer<typeof OrderType>;

/**
 * An agent's wish to trade. `intentId` is the idempotency key: derived from the agent and the event that
 * caused it, so a replayed agent produces the same id and the executor places at most one order for it.
 */
export const OrderIntent = z.object({
  type: z.literal('intent'),
  v: z.literal(1),
  intentId: z.string().regex(/^int_[a-z0-9]+$/),
  agentId: z.string().min(1),
  marketId: z.string().min(1),
  tokenId: z.string().min(1),
  side: Side,
  orderType: OrderType.default('FAK'),
  limitPriceMicros: MicrosWire,
  sizeMicros: MicrosWire,
  reason: z.string().max(200),
  causationId: z.string().min(1).describe('the market event that caused it'),
  tsEventMs: z.number().int().nonnegative(),
  tsCreatedMs: z.number().int().nonnegative(),
  /** event publish time of the causing event, carried for latency measurement */
  tsCausePublishedMs: z.number().int().nonnegative().optional(),
  live: z.boolean().default(false).describe("the agent file's live gate"),
  /** latency tracing, microsecond wall clock: when the causing event was published, when this was enqueued */
  traceCausePublishedUs: z.number().int().optional(),
  traceCreatedUs: z.number().int().optional(),
});
export type OrderIntent = z.output<typeof OrderIntent>;
export type OrderIntentWire = z.input<typeof OrderIntent>;

export const OrderStatus = z.enum(['filled', 'partially_filled', 'unfilled', 'denied', 'rejected']);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** Terminal outcome of one intent, sent to its agent. */
export const OrderOutcome = z.object({
  type: z.literal('order'),
  v: z.literal(1),
  eventId: z.string(),
  agentId: z.string(),
  intentId: z.string(),
  clientOrderId: z.string(),
  tokenId: z.string(),
  side: Side,
  status: OrderStatus,
  reason: z.string().default(''),
  filledSizeMicros: MicrosWire,
  tsMs: z.number().int(),
});
export type OrderOutcome = z.output<typeof OrderOutcome>;

export const FillKind = z.enum(['trade', 'settlement']);
export type FillKind = z.infer<typeof FillKind>;

/**
 * A fill applied to an agent's book of record. `fillSeq` increases in commit order (one executor),
 * so an agent that restored its portfolio at seq N applies exactly the fills with seq > N.
 */
export const FillApplied = z.object({
  type: z.literal('fill'),
  v: z.literal(1),
  fillId: z.string(),
  fillSeq: MicrosWire,
  kind: FillKind,
  agentId: z.string(),
  intentId: z.string().nullable(),
  clientOrderId: z.string().nullable(),
  marketId: z.string(),
  tokenId: z.string(),
  side: Side,
  priceMicros: MicrosWire,
  sizeMicros: MicrosWire,
  feeMicros: MicrosWire,
  /** cash change for the agent: −(cost + fee) on a buy, proceeds − fee on a sell or settlement */
  cashDeltaMicros: MicrosWire,
  realizedPnlMicros: MicrosWire,
  tsMs: z.number().int(),
  tsIntentCreatedMs: z.number().int().optional(),
  /** latency tracing, microsecond wall clock: intent enqueued, fill published */
  traceIntentCreatedUs: z.number().int().optional(),
  tracePublishedUs: z.number().int().optional(),
});
export type FillApplied = z.output<typeof FillApplied>;

export const AgentOrderEvent = z.discriminatedUnion('type', [OrderOutcome, FillApplied]);
export type AgentOrderEvent = z.output<typeof AgentOrderEvent>;

/** A resolved market to settle: the executor pays out every open position in it. */
export const SettlementJob = z.object({
  type: z.literal('settle'),
  v: z.literal(1),
  marketId: z.string(),
  winningTokenId: z.string(),
  tsEventMs: z.number().int(),
});
export type SettlementJob = z.output<typeof SettlementJob>;

export const ProcessState = z.enum(['starting', 'running', 'degraded', 'stopping', 'faulted', 'idle']);
export type ProcessState = z.infer<typeof ProcessState>;

export const Heartbeat = z.object({
  type: z.literal('heartbeat'),
  v: z.literal(1),
  app: z.string(),
  instanceId: z.string(),
  agentId: z.string().optional(),
  pid: z.number().int(),
  state: ProcessState,
  tsMs: z.number().int(),
  startedAtMs: z.number().int(),
  eventLoopLagMs: z.number().nonnegative().default(0),
  detail: z.string().default(''),
  /** the loopback port this process serves /metrics on, once it does (Prometheus discovery reads it) */
  metricsPort: z.number().int().min(1).max(65535).optional(),
});
export type Heartbeat = z.output<typeof Heartbeat>;
