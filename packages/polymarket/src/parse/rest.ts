import { z } from 'zod';
import type { BookLevel } from '@floor/domain';
import { bestFirst, MsString, NumberMicros, OptionalDecimalMicros, parsed, parseWith, WireBookLevel, type ParseResult } from './common.js';
import { OrderWire, toVenueOrder, toVenueTrade, TradeWire, type VenueOrder, type VenueTrade } from './ws-user.js';

/**
 * CLOB REST response bodies (already JSON-decoded by the transport) → typed values in micro-units.
 * Each parser returns a `ParseResult`; the `eventType` of a failure names the endpoint.
 */

// ---------------------------------------------------------------------------------------------
// GET /book
// ---------------------------------------------------------------------------------------------


const RestBookWire = z.object({
  market: z.string().min(1),
  asset_id: z.string().min(1),
  timestamp: MsString,
  hash: z.string().nullish(),
  bids: z.array(WireBookLevel),
  asks: z.array(WireBookLevel),
  min_order_size: OptionalDecimalMicros,
  tick_size: OptionalDecimalMicros,
  neg_risk: z.boolean().nullish(),
  last_trade_price: OptionalDecimalMicros,
});

/** `GET /book?token_id=…`: one token's full book, best-first (the wire sends best last). */
export interface RestBook {
  readonly marketId: string;
  readonly tokenId: string;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  readonly timestampMs: number;
  readonly hash: string | null;
  readonly tickSizeMicros: bigint | null;
  readonly minOrderSizeMicros: bigint | null;
  readonly negRisk: boolean | null;
  readonly lastTradePriceMicros: bigint | null;
}

export function parseRestBook(raw: unknown): ParseResult<RestBook> {
  const result = parseWith(RestBookWire, raw, 'http_book');
  if (!result.ok) return result;
  const b = result.value;
  return parsed({
    marketId: b.market,
    tokenId: b.asset_id,
    bids: bestFirst(b.bids),
    asks: bestFirst(b.asks),
    timestampMs: b.timestamp,
    hash: b.hash ?? null,
    tickSizeMicros: b.tick_size,
    minOrderSizeMicros: b.min_order_size,
    negRisk: b.neg_risk ?? null,
    lastTradePriceMicros: b.last_trade_price,
  });
}

/** `POST /books`: an array of `/book` bodies. */
export function parseRestBooks(raw: unknown): ParseResult<RestBook[]> {
  if (!Array.isArray(raw)) return { ok: false, kind: 'invalid', eventType: 'http_books', detail: 'expected an array of books' };
  const books: RestBook[] = [];
  for (const [index, item] of raw.entries()) {
    const book = parseRestBook(item);
    if (!book.ok) return { ...book, eventType: 'http_books', detail: `[${index}] ${book.detail}` };
    books.push(book.value);
  }
  return parsed(books);
}

// ---------------------------------------------------------------------------------------------
// GET /tick-size, GET /neg-risk
// ---------------------------------------------------------------------------------------------

/** `GET /tick-size?token_id=…` → `{minimum_tick_size: 0.01}` (a JSON number) → the tick in price micros. */
export function parseTickSize(raw: unknown): ParseResult<bigint> {
  const result = parseWith(z.object({ minimum_tick_size: NumberMicros }), raw, 'http_tick_size');
  return result.ok ? parsed(result.value.minimum_tick_size) : result;
}

/** `GET /neg-risk?token_id=…` → `{neg_risk: true}`. */
export function parseNegRisk(raw: unknown): ParseResult<boolean> {
  const result = parseWith(z.object({ neg_risk: z.boolean() }), raw, 'http_neg_risk');
  return result.ok ? parsed(result.value.neg_risk) : result;
}

// ---------------------------------------------------------------------------------------------
// GET /prices-history
// ---------------------------------------------------------------------------------------------

const PricesHistoryWire = z.object({
  history: z.array(
    z.object({
      /** unix seconds */
      t: z.number().int().nonnegative(),
      /** a JSON number on this endpoint (unlike the book), e.g. 0.1815 */
      p: NumberMicros,
    }),
  ),
});

export interface PricePoint {
  readonly tsMs: number;
  readonly priceMicros: bigint;
}

/** `GET /prices-history?market=<token id>&…` → points in time order, `t` seconds → ms. */
export function parsePricesHistory(raw: unknown): ParseResult<PricePoint[]> {
  const result = parseWith(PricesHistoryWire, raw, 'http_prices_history');
  if (!result.ok) return result;
  const points = result.value.history.map((h) => ({ tsMs: h.t * 1000, priceMicros: h.p }));
  points.sort((a, b) => a.tsMs - b.tsMs);
  return parsed(points);
}

// ---------------------------------------------------------------------------------------------
// Cursor pages: GET /data/orders, GET /data/trades
// ---------------------------------------------------------------------------------------------

/** Cursor paging: the last page's `next_cursor` is `"LTE="` (base64 of "-1"). */
export const END_CURSOR = 'LTE=';

export interface Page<T> {
  readonly items: readonly T[];
  /** null on the last page */
  readonly nextCursor: string | null;
}

function pageSchema<S extends z.ZodType>(item: S) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullish() });
}

function cursorOrNull(cursor: string | null | undefined): string | null {
  return cursor === undefined || cursor === null || cursor === '' || cursor === END_CURSOR ? null : cursor;
}

/** One open order (`GET /data/order/{id}` or a row of `/data/orders`). */
export function parseOpenOrder(raw: unknown): ParseResult<VenueOrder> {
  const result = parseWith(OrderWire, raw, 'http_open_order');
  return result.ok ? parsed(toVenueOrder(result.value)) : result;
}

/** `GET /data/orders`: a cursor page, or a bare array (the v1 client concatenated pages). */
export function parseOpenOrdersPage(raw: unknown): ParseResult<Page<VenueOrder>> {
  if (Array.isArray(raw)) {
    const result = parseWith(z.array(OrderWire), raw, 'http_open_orders');
    return result.ok ? parsed({ items: result.value.map(toVenueOrder), nextCursor: null }) : result;
  }
  const result = parseWith(pageSchema(OrderWire), raw, 'http_open_orders');
  if (!result.ok) return result;
  return parsed({ items: result.value.data.map(toVenueOrder), nextCursor: cursorOrNull(result.value.next_cursor) });
}

/** `GET /data/trades`: our trades, one cursor page. */
export function parseTradesPage(raw: unknown): ParseResult<Page<VenueTrade>> {
  const result = parseWith(pageSchema(TradeWire), raw, 'http_trades');
  if (!result.ok) return result;
  return parsed({ items: result.value.data.map(toVenueTrade), nextCursor: cursorOrNull(result.value.next_cursor) });
}

// ---------------------------------------------------------------------------------------------
// POST /order
// ---------------------------------------------------------------------------------------------

const OrderPostWire = z.union([
  z.object({
    success: z.boolean(),
    orderID: z.string().nullish(),
    errorMsg: z.string().nullish(),
    status: z.string().nullish(),
    takingAmount: OptionalDecimalMicros,
    makingAmount: OptionalDecimalMicros,
    transactionsHashes: z.array(z.string()).nullish(),
    tradeIDs: z.array(z.string()).nullish(),
  }),
  // error bodies (4xx) carry only a message
  z.object({ error: z.string() }),
]);

/**
 * The venue's answer to an order post. `accepted` is the venue's `success` with no error message.
 * A transport failure (timeout, 5xx) never reaches this parser: that order is submitted-unknown and
 * must go to reconciliation, not be treated as rejected.
 */
export interface OrderPostResponse {
  readonly accepted: boolean;
  readonly orderId: string | null;
  /** `live`, `matched`, `delayed`, `unmatched`, … as the venue reports it. */
  readonly status: string | null;
  readonly errorMessage: string | null;
  readonly takingAmountMicros: bigint | null;
  readonly makingAmountMicros: bigint | null;
  readonly tradeIds: readonly string[];
  readonly transactionHashes: readonly string[];
}

export function parseOrderPostResponse(raw: unknown): ParseResult<OrderPostResponse> {
  const result = parseWith(OrderPostWire, raw, 'http_order_post');
  if (!result.ok) return result;
  const r = result.value;
  if ('error' in r) {
    return parsed({
      accepted: false,
      orderId: null,
      status: null,
      errorMessage: r.error,
      takingAmountMicros: null,
      makingAmountMicros: null,
      tradeIds: [],
      transactionHashes: [],
    });
  }
  const errorMessage = r.errorMsg ? r.errorMsg : null;
  return parsed({
    accepted: r.success && errorMessage === null,
    orderId: r.orderID ? r.orderID : null,
    status: r.status ? r.status : null,
    errorMessage,
    takingAmountMicros: r.takingAmount,
    makingAmountMicros: r.makingAmount,
    tradeIds: r.tradeIDs ?? [],
    transactionHashes: r.transactionsHashes ?? [],
  });
}
