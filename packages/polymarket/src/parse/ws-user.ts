import { z } from 'zod';
import {
  BpsString,
  DecimalMicros,
  isRecord,
  parseFailure,
  parseJsonText,
  parsed,
  parseWith,
  preview,
  Side,
  sniffEventType,
  VenueTimeMs,
  type ParseResult,
} from './common.js';

/**
 * CLOB WebSocket user channel (`/ws/user`, authenticated) frames → typed `order` and `trade` messages.
 *
 * The documented `event_type` (`order` / `trade`) is not on every capture; when it is missing the
 * message kind is read from `type` (`TRADE` → trade; `PLACEMENT` / `UPDATE` / `CANCELLATION` → order).
 * Times arrive as epoch seconds, epoch milliseconds or ISO strings depending on the field and the
 * server version; all become epoch milliseconds.
 */

/** Trade settlement progress: MATCHED → MINED → CONFIRMED, or RETRYING / FAILED. Only CONFIRMED is final. */
export const TradeStatus = z.enum(['MATCHED', 'MINED', 'CONFIRMED', 'RETRYING', 'FAILED']);
export type TradeStatus = z.infer<typeof TradeStatus>;

export const OrderEventKind = z.enum(['PLACEMENT', 'UPDATE', 'CANCELLATION']);
export type OrderEventKind = z.infer<typeof OrderEventKind>;

export const TraderSide = z.enum(['TAKER', 'MAKER']);
export type TraderSide = z.infer<typeof TraderSide>;

const MakerOrderWire = z.object({
  order_id: z.string().min(1),
  asset_id: z.string().min(1),
  matched_amount: DecimalMicros,
  price: DecimalMicros,
  outcome: z.string().nullish(),
  owner: z.string().nullish(),
  maker_address: z.string().nullish(),
  fee_rate_bps: BpsString.nullish(),
});

/** Shared by the user-channel `trade` message and the REST `/data/trades` rows. */
export const TradeWire = z.object({
  id: z.string().min(1),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  side: Side,
  price: DecimalMicros,
  size: DecimalMicros,
  status: TradeStatus,
  outcome: z.string().nullish(),
  taker_order_id: z.string().nullish(),
  maker_orders: z.array(MakerOrderWire).nullish(),
  trader_side: TraderSide.nullish(),
  fee_rate_bps: BpsString.nullish(),
  match_time: VenueTimeMs.nullish(),
  // older server builds spell it without the underscore
  matchtime: VenueTimeMs.nullish(),
  last_update: VenueTimeMs.nullish(),
  timestamp: VenueTimeMs.nullish(),
  owner: z.string().nullish(),
  maker_address: z.string().nullish(),
  transaction_hash: z.string().nullish(),
  bucket_index: z.number().int().nullish(),
});

/**
 * Shared by the user-channel `order` message and the REST open-order rows. `status` stays an open
 * string: the venue has added values over time (LIVE, MATCHED, CANCELED, …) and an order update
 * must not be dropped over a status we have not seen before.
 */
export const OrderWire = z.object({
  id: z.string().min(1),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  side: Side,
  price: DecimalMicros,
  original_size: DecimalMicros,
  size_matched: DecimalMicros,
  status: z.string().min(1),
  outcome: z.string().nullish(),
  order_type: z.string().nullish(),
  associate_trades: z.array(z.string()).nullish(),
  created_at: VenueTimeMs.nullish(),
  expiration: z.union([z.string(), z.number()]).nullish(),
  maker_address: z.string().nullish(),
  owner: z.string().nullish(),
  timestamp: VenueTimeMs.nullish(),
  type: OrderEventKind.nullish(),
});

export interface MakerOrderFill {
  readonly orderId: string;
  readonly tokenId: string;
  readonly matchedSizeMicros: bigint;
  readonly priceMicros: bigint;
  readonly outcome: string | null;
  readonly owner: string | null;
  readonly feeRateBps: number | null;
}

/** A trade involving one of our orders (as taker or maker). */
export interface VenueTrade {
  readonly tradeId: string;
  readonly marketId: string;
  readonly tokenId: string;
  /** The taker's side. */
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly status: TradeStatus;
  readonly outcome: string | null;
  readonly takerOrderId: string | null;
  readonly makerOrders: readonly MakerOrderFill[];
  readonly traderSide: TraderSide | null;
  readonly feeRateBps: number | null;
  readonly matchTimeMs: number | null;
  readonly lastUpdateMs: number | null;
  readonly transactionHash: string | null;
}

/** The state of one of our orders. */
export interface VenueOrder {
  readonly orderId: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly originalSizeMicros: bigint;
  readonly matchedSizeMicros: bigint;
  readonly status: string;
  readonly outcome: string | null;
  readonly orderType: string | null;
  readonly tradeIds: readonly string[];
  readonly createdAtMs: number | null;
  /** Epoch seconds as the venue gives it ("0" = no expiry); null when absent. */
  readonly expiration: string | null;
}

export interface WsUserTrade extends VenueTrade {
  readonly type: 'trade';
  readonly timestampMs: number | null;
}

export interface WsUserOrder extends VenueOrder {
  readonly type: 'order';
  readonly kind: OrderEventKind | null;
  readonly timestampMs: number | null;
}

export type WsUserMessage = WsUserTrade | WsUserOrder | { readonly type: 'pong' };

export function toVenueTrade(t: z.output<typeof TradeWire>): VenueTrade {
  return {
    tradeId: t.id,
    marketId: t.market,
    tokenId: t.asset_id,
    side: t.side,
    priceMicros: t.price,
    sizeMicros: t.size,
    status: t.status,
    outcome: t.outcome ?? null,
    takerOrderId: t.taker_order_id ?? null,
    makerOrders: (t.maker_orders ?? []).map((m) => ({
      orderId: m.order_id,
      tokenId: m.asset_id,
      matchedSizeMicros: m.matched_amount,
      priceMicros: m.price,
      outcome: m.outcome ?? null,
      owner: m.owner ?? null,
      feeRateBps: m.fee_rate_bps ?? null,
    })),
    traderSide: t.trader_side ?? null,
    feeRateBps: t.fee_rate_bps ?? null,
    matchTimeMs: t.match_time ?? t.matchtime ?? null,
    lastUpdateMs: t.last_update ?? null,
    transactionHash: t.transaction_hash ?? null,
  };
}

export function toVenueOrder(o: z.output<typeof OrderWire>): VenueOrder {
  return {
    orderId: o.id,
    marketId: o.market,
    tokenId: o.asset_id,
    side: o.side,
    priceMicros: o.price,
    originalSizeMicros: o.original_size,
    matchedSizeMicros: o.size_matched,
    status: o.status,
    outcome: o.outcome ?? null,
    orderType: o.order_type ?? null,
    tradeIds: o.associate_trades ?? [],
    createdAtMs: o.created_at ?? null,
    expiration: o.expiration == null ? null : String(o.expiration),
  };
}

type UserKind = 'trade' | 'order';

/** `event_type` when present, else inferred from `type`. */
function userKindOf(raw: Record<string, unknown>): UserKind | { unknown: string } | null {
  const eventType = raw['event_type'];
  if (typeof eventType === 'string') {
    return eventType === 'trade' || eventType === 'order' ? eventType : { unknown: eventType };
  }
  const type = raw['type'];
  if (typeof type !== 'string') return null;
  if (type === 'TRADE') return 'trade';
  if (OrderEventKind.safeParse(type).success) return 'order';
  return { unknown: type };
}

/** One decoded user-channel message → a typed `trade` / `order`, or a failure. */
export function parseUserMessage(raw: unknown): ParseResult<WsUserMessage> {
  if (!isRecord(raw)) return parseFailure('malformed', 'expected a JSON object');
  const kind = userKindOf(raw);
  if (kind === null) return parseFailure('invalid', 'neither event_type nor type is a string');
  if (typeof kind === 'object') return parseFailure('unknown_type', `unknown user message type ${JSON.stringify(kind.unknown)}`, kind.unknown);
  if (kind === 'trade') {
    const result = parseWith(TradeWire, raw, 'trade');
    return result.ok ? parsed({ type: 'trade', ...toVenueTrade(result.value), timestampMs: result.value.timestamp ?? null }) : result;
  }
  const result = parseWith(OrderWire, raw, 'order');
  return result.ok
    ? parsed({ type: 'order', ...toVenueOrder(result.value), kind: result.value.type ?? null, timestampMs: result.value.timestamp ?? null })
    : result;
}

/** One user-channel text frame → one result per message (frames may be JSON arrays, or `PONG`). */
export function parseUserFrame(text: string): ParseResult<WsUserMessage>[] {
  if (text.trim() === 'PONG') return [parsed({ type: 'pong' })];
  const json = parseJsonText(text);
  if (!json.ok) return [parseFailure('malformed', json.detail, sniffEventType(text))];
  if (Array.isArray(json.value)) return json.value.map(parseUserMessage);
  if (!isRecord(json.value)) return [parseFailure('malformed', `expected a JSON object or array: ${preview(text)}`)];
  return [parseUserMessage(json.value)];
}
