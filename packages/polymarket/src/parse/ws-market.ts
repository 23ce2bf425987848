import { z } from 'zod';
import type { BookLevel } from '@floor/domain';
import {
  bestFirst,
  BpsString,
  DecimalMicros,
  isRecord,
  MsString,
  OptionalDecimalMicros,
  parseFailure,
  parseJsonText,
  parsed,
  parseWith,
  preview,
  Side,
  sniffEventType,
  WireBookLevel,
  type ParseResult,
} from './common.js';

/**
 * CLOB WebSocket market channel (`wss://ws-subscriptions-clob.polymarket.com/ws/market`) frames →
 * typed messages with exact micro-unit prices and sizes.
 *
 * A frame is text: `PONG` (the reply to our keepalive `PING`), one JSON message, or a JSON array of
 * messages (the initial snapshot often arrives as an array of `book`s). Every message has an
 * `event_type`. Prices, sizes and timestamps are strings on the wire; a number in their place is an
 * `invalid` message, not something to coerce, because it means the venue changed the schema.
 *
 * `parseMarketFrame` never throws: each message becomes `{ok:true, value}` or a `ParseFailure` the
 * collector logs (with `eventType` when known) and skips.
 */

// ---------------------------------------------------------------------------------------------
// Wire schemas
// ---------------------------------------------------------------------------------------------


const BookWire = z.object({
  event_type: z.literal('book'),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  bids: z.array(WireBookLevel),
  asks: z.array(WireBookLevel),
  timestamp: MsString,
  hash: z.string().nullish(),
  tick_size: OptionalDecimalMicros,
  last_trade_price: OptionalDecimalMicros,
});

const PriceChangeEntryWire = z.object({
  asset_id: z.string().min(1),
  price: DecimalMicros,
  size: DecimalMicros,
  side: Side,
  hash: z.string().nullish(),
  best_bid: OptionalDecimalMicros,
  best_ask: OptionalDecimalMicros,
});

const PriceChangeWire = z.object({
  event_type: z.literal('price_change'),
  market: z.string().min(1),
  timestamp: MsString,
  price_changes: z.array(PriceChangeEntryWire),
});

const LastTradePriceWire = z.object({
  event_type: z.literal('last_trade_price'),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  price: DecimalMicros,
  size: DecimalMicros,
  side: Side,
  fee_rate_bps: BpsString.nullish(),
  timestamp: MsString,
});

const TickSizeChangeWire = z.object({
  event_type: z.literal('tick_size_change'),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  old_tick_size: DecimalMicros,
  new_tick_size: DecimalMicros,
  timestamp: MsString,
});

const BestBidAskWire = z.object({
  event_type: z.literal('best_bid_ask'),
  market: z.string().min(1),
  asset_id: z.string().min(1),
  best_bid: OptionalDecimalMicros,
  best_ask: OptionalDecimalMicros,
  spread: OptionalDecimalMicros,
  timestamp: MsString,
});

const EventMessageWire = z.object({
  id: z.string(),
  ticker: z.string().nullish(),
  slug: z.string().nullish(),
  title: z.string().nullish(),
});

const NewMarketWire = z.object({
  event_type: z.literal('new_market'),
  id: z.string().nullish(),
  market: z.string().min(1),
  question: z.string(),
  slug: z.string().nullish(),
  assets_ids: z.array(z.string().min(1)),
  outcomes: z.array(z.string()),
  event_message: EventMessageWire.nullish(),
  tags: z.array(z.string()).nullish(),
  order_price_min_tick_size: OptionalDecimalMicros,
  timestamp: MsString,
});

const MarketResolvedWire = z.object({
  event_type: z.literal('market_resolved'),
  id: z.string().nullish(),
  market: z.string().min(1),
  assets_ids: z.array(z.string().min(1)).nullish(),
  winning_asset_id: z.string().min(1),
  winning_outcome: z.string().nullish(),
  timestamp: MsString,
});

// ---------------------------------------------------------------------------------------------
// Parsed messages
// ---------------------------------------------------------------------------------------------

/** A full book for one token. Levels are best-first (the wire sends best last). */
export interface WsBook {
  readonly type: 'book';
  readonly marketId: string;
  readonly tokenId: string;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  readonly timestampMs: number;
  readonly hash: string | null;
  readonly tickSizeMicros: bigint | null;
  readonly lastTradePriceMicros: bigint | null;
}

/** One level replacement: the level at `priceMicros` on `side` now holds `sizeMicros` (0 = removed). */
export interface WsPriceChangeEntry {
  readonly tokenId: string;
  /** BUY = a bid level, SELL = an ask level. */
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  /** The venue's book hash after this change. */
  readonly hash: string | null;
  /** The venue's best bid/ask after this change, when given; used to detect a drifted local book. */
  readonly bestBidMicros: bigint | null;
  readonly bestAskMicros: bigint | null;
}

export interface WsPriceChange {
  readonly type: 'price_change';
  readonly marketId: string;
  readonly timestampMs: number;
  readonly changes: readonly WsPriceChangeEntry[];
}

export interface WsLastTradePrice {
  readonly type: 'last_trade_price';
  readonly marketId: string;
  readonly tokenId: string;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  /** The aggressor's side. */
  readonly side: Side;
  readonly feeRateBps: number | null;
  readonly timestampMs: number;
}

export interface WsTickSizeChange {
  readonly type: 'tick_size_change';
  readonly marketId: string;
  readonly tokenId: string;
  readonly oldTickSizeMicros: bigint;
  readonly newTickSizeMicros: bigint;
  readonly timestampMs: number;
}

export interface WsBestBidAsk {
  readonly type: 'best_bid_ask';
  readonly marketId: string;
  readonly tokenId: string;
  readonly bestBidMicros: bigint | null;
  readonly bestAskMicros: bigint | null;
  readonly spreadMicros: bigint | null;
  readonly timestampMs: number;
}

export interface WsNewMarket {
  readonly type: 'new_market';
  readonly marketId: string;
  readonly gammaId: string | null;
  readonly question: string;
  readonly slug: string;
  readonly tokenIds: readonly string[];
  readonly outcomes: readonly string[];
  readonly eventId: string | null;
  readonly eventTitle: string | null;
  readonly tags: readonly string[];
  readonly tickSizeMicros: bigint | null;
  readonly timestampMs: number;
}

export interface WsMarketResolved {
  readonly type: 'market_resolved';
  readonly marketId: string;
  readonly gammaId: string | null;
  readonly tokenIds: readonly string[];
  readonly winningTokenId: string;
  readonly winningOutcome: string | null;
  readonly timestampMs: number;
}

/** The server's answer to our text `PING`. */
export interface WsPong {
  readonly type: 'pong';
}

export type WsMarketMessage =
  | WsBook
  | WsPriceChange
  | WsLastTradePrice
  | WsTickSizeChange
  | WsBestBidAsk
  | WsNewMarket
  | WsMarketResolved
  | WsPong;

export type WsMarketEventType = Exclude<WsMarketMessage['type'], 'pong'>;

// ---------------------------------------------------------------------------------------------
// Parsers
// ---------------------------------------------------------------------------------------------

/** The per-`event_type` parsers: a zod schema and the mapping to our message type. */
const MESSAGE_PARSERS: { readonly [K in WsMarketEventType]: (raw: unknown) => ParseResult<WsMarketMessage> } = {
  book: (raw) => mapped(BookWire, raw, 'book', (m): WsBook => ({
    type: 'book',
    marketId: m.market,
    tokenId: m.asset_id,
    bids: bestFirst(m.bids),
    asks: bestFirst(m.asks),
    timestampMs: m.timestamp,
    hash: m.hash ?? null,
    tickSizeMicros: m.tick_size,
    lastTradePriceMicros: m.last_trade_price,
  })),
  price_change: (raw) => mapped(PriceChangeWire, raw, 'price_change', (m): WsPriceChange => ({
    type: 'price_change',
    marketId: m.market,
    timestampMs: m.timestamp,
    changes: m.price_changes.map((c) => ({
      tokenId: c.asset_id,
      side: c.side,
      priceMicros: c.price,
      sizeMicros: c.size,
      hash: c.hash ?? null,
      bestBidMicros: c.best_bid,
      bestAskMicros: c.best_ask,
    })),
  })),
  last_trade_price: (raw) => mapped(LastTradePriceWire, raw, 'last_trade_price', (m): WsLastTradePrice => ({
    type: 'last_trade_price',
    marketId: m.market,
    tokenId: m.asset_id,
    priceMicros: m.price,
    sizeMicros: m.size,
    side: m.side,
    feeRateBps: m.fee_rate_bps ?? null,
    timestampMs: m.timestamp,
  })),
  tick_size_change: (raw) => mapped(TickSizeChangeWire, raw, 'tick_size_change', (m): WsTickSizeChange => ({
    type: 'tick_size_change',
    marketId: m.market,
    tokenId: m.asset_id,
    oldTickSizeMicros: m.old_tick_size,
    newTickSizeMicros: m.new_tick_size,
    timestampMs: m.timestamp,
  })),
  best_bid_ask: (raw) => mapped(BestBidAskWire, raw, 'best_bid_ask', (m): WsBestBidAsk => ({
    type: 'best_bid_ask',
    marketId: m.market,
    tokenId: m.asset_id,
    bestBidMicros: m.best_bid,
    bestAskMicros: m.best_ask,
    spreadMicros: m.spread,
    timestampMs: m.timestamp,
  })),
  new_market: (raw) => mapped(NewMarketWire, raw, 'new_market', (m): WsNewMarket => ({
    type: 'new_market',
    marketId: m.market,
    gammaId: m.id ?? null,
    question: m.question,
    slug: m.slug ?? '',
    tokenIds: m.assets_ids,
    outcomes: m.outcomes,
    eventId: m.event_message?.id ?? null,
    eventTitle: m.event_message?.title ?? null,
    tags: m.tags ?? [],
    tickSizeMicros: m.order_price_min_tick_size,
    timestampMs: m.timestamp,
  })),
  market_resolved: (raw) => mapped(MarketResolvedWire, raw, 'market_resolved', (m): WsMarketResolved => ({
    type: 'market_resolved',
    marketId: m.market,
    gammaId: m.id ?? null,
    tokenIds: m.assets_ids ?? [],
    winningTokenId: m.winning_asset_id,
    winningOutcome: m.winning_outcome ?? null,
    timestampMs: m.timestamp,
  })),
};

function mapped<S extends z.ZodType, T extends WsMarketMessage>(
  schema: S,
  raw: unknown,
  eventType: WsMarketEventType,
  toMessage: (wire: z.output<S>) => T,
): ParseResult<WsMarketMessage> {
  const result = parseWith(schema, raw, eventType);
  return result.ok ? parsed(toMessage(result.value)) : result;
}

function isKnownEventType(value: string): value is WsMarketEventType {
  return Object.hasOwn(MESSAGE_PARSERS, value);
}

/** One already-decoded JSON message (an element of a frame) → a typed message or a failure. */
export function parseMarketMessage(raw: unknown): ParseResult<WsMarketMessage> {
  if (!isRecord(raw)) return parseFailure('malformed', `expected a JSON object, got ${describeJsonType(raw)}`);
  const eventType = raw['event_type'];
  if (typeof eventType !== 'string') return parseFailure('invalid', 'event_type is missing or not a string');
  if (!isKnownEventType(eventType)) return parseFailure('unknown_type', `unknown event_type ${JSON.stringify(eventType)}`, eventType);
  return MESSAGE_PARSERS[eventType](raw);
}

/**
 * One WebSocket text frame → one result per message it holds (a JSON array frame holds several).
 * A frame that is not JSON at all yields a single `malformed` failure.
 */
export function parseMarketFrame(text: string): ParseResult<WsMarketMessage>[] {
  if (text.trim() === 'PONG') return [parsed({ type: 'pong' })];
  const json = parseJsonText(text);
  if (!json.ok) return [parseFailure('malformed', json.detail, sniffEventType(text))];
  const value = json.value;
  if (Array.isArray(value)) return value.map(parseMarketMessage);
  if (!isRecord(value)) return [parseFailure('malformed', `expected a JSON object or array, got ${describeJsonType(value)}: ${preview(text)}`)];
  return [parseMarketMessage(value)];
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
