import { describe, expect, it } from 'vitest';
import { fixtureJson } from '../../test/load-fixture.js';
import {
  parseNegRisk,
  parseOpenOrder,
  parseOpenOrdersPage,
  parseOrderPostResponse,
  parsePricesHistory,
  parseRestBook,
  parseRestBooks,
  parseTickSize,
  parseTradesPage,
} from './rest.js';

describe('GET /book', () => {
  it('parses strings to micros and reverses the wire order to best-first', () => {
    const result = parseRestBook(fixtureJson('http_book.json'));
    if (!result.ok) throw new Error(result.detail);
    const book = result.value;
    expect(book.bids.map((l) => l.priceMicros)).toEqual([480_000n, 470_000n, 450_000n]);
    expect(book.asks.map((l) => l.priceMicros)).toEqual([500_000n, 550_000n]);
    expect(book).toMatchObject({
      timestampMs: 1_785_600_010_000,
      tickSizeMicros: 10_000n,
      minOrderSizeMicros: 5_000_000n,
      negRisk: false,
      lastTradePriceMicros: 490_000n,
    });
  });

  it('numbers-as-strings mismatch is invalid, named after the endpoint', () => {
    const raw = fixtureJson('http_book.json') as Record<string, unknown>;
    expect(parseRestBook({ ...raw, tick_size: 0.01 })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'http_book', detail: expect.stringMatching(/^tick_size/) });
    expect(parseRestBook({ ...raw, neg_risk: 'false' })).toMatchObject({ ok: false, kind: 'invalid' });
  });

  it('POST /books: an array of books; one bad book fails the batch with its index', () => {
    const raw = fixtureJson('http_book.json') as Record<string, unknown>;
    expect(parseRestBooks([raw, raw])).toMatchObject({ ok: true, value: [expect.anything(), expect.anything()] });
    expect(parseRestBooks([raw, { ...raw, bids: null }])).toMatchObject({ ok: false, eventType: 'http_books', detail: expect.stringMatching(/^\[1\] bids/) });
    expect(parseRestBooks(raw)).toMatchObject({ ok: false, kind: 'invalid' });
  });
});

describe('GET /prices-history', () => {
  it('turns {t: seconds, p: number} into time-ordered ms points with exact micros', () => {
    const result = parsePricesHistory(fixtureJson('http_prices_history.json'));
    if (!result.ok) throw new Error(result.detail);
    expect(result.value[0]).toEqual({ tsMs: 1_785_513_600_000, priceMicros: 455_000n });
    expect(result.value.map((p) => p.priceMicros)).toEqual([455_000n, 461_200n, 470_000n, 480_500n, 490_000n]);
  });

  it('an empty history is fine; a string price is invalid', () => {
    expect(parsePricesHistory({ history: [] })).toEqual({ ok: true, value: [] });
    expect(parsePricesHistory({ history: [{ t: 1, p: '0.5' }] })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'http_prices_history' });
  });
});

describe('orders and trades', () => {
  it('an open order: created_at in unix seconds becomes ms', () => {
    const result = parseOpenOrder(fixtureJson('http_open_order.json'));
    expect(result).toMatchObject({
      ok: true,
      value: { side: 'SELL', priceMicros: 530_000n, originalSizeMicros: 250_000_000n, matchedSizeMicros: 0n, createdAtMs: 1_785_600_100_000, status: 'LIVE' },
    });
  });

  it('an open-orders page ending at the LTE= cursor has no next page', () => {
    const result = parseOpenOrdersPage(fixtureJson('http_open_orders_page.json'));
    expect(result).toMatchObject({ ok: true, value: { nextCursor: null } });
    expect(result.ok && result.value.items).toHaveLength(1);
    expect(parseOpenOrdersPage([fixtureJson('http_open_order.json')])).toMatchObject({ ok: true, value: { nextCursor: null } });
  });

  it('a trades page keeps the cursor for the next page', () => {
    const result = parseTradesPage(fixtureJson('http_trades_page.json'));
    expect(result).toMatchObject({ ok: true, value: { nextCursor: 'MTAw' } });
    expect(result.ok && result.value.items[0]).toMatchObject({ status: 'CONFIRMED', sizeMicros: 60_100_000n, matchTimeMs: 1_785_600_002_000, transactionHash: expect.stringMatching(/^0x7d/) });
  });
});

describe('POST /order response', () => {
  it('success: order id, status, amounts in micros and trade ids', () => {
    expect(parseOrderPostResponse(fixtureJson('http_order_response_ok.json'))).toMatchObject({
      ok: true,
      value: { accepted: true, status: 'matched', errorMessage: null, takingAmountMicros: 60_100_000n, makingAmountMicros: 29_449_000n, tradeIds: ['6d2f3b0a-1c9e-4c1e-9a53-2b4f8c7e1d01'] },
    });
  });

  it('an error body is a parsed rejection, not a parse failure', () => {
    expect(parseOrderPostResponse(fixtureJson('http_order_response_error.json'))).toMatchObject({
      ok: true,
      value: { accepted: false, orderId: null, errorMessage: 'not enough balance / allowance' },
    });
    expect(parseOrderPostResponse({ success: false, errorMsg: 'order crosses book', orderID: '' })).toMatchObject({
      ok: true,
      value: { accepted: false, orderId: null, errorMessage: 'order crosses book' },
    });
  });

  it('anything else is invalid', () => {
    expect(parseOrderPostResponse({ success: 'yes' })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'http_order_post' });
  });
});

describe('parseTickSize / parseNegRisk', () => {
  it('reads the tick (a JSON number) into micros and the neg-risk flag', () => {
    expect(parseTickSize({ minimum_tick_size: 0.001 })).toEqual({ ok: true, value: 1_000n });
    expect(parseNegRisk({ neg_risk: true })).toEqual({ ok: true, value: true });
    expect(parseTickSize({ minimum_tick_size: '0.01' })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'http_tick_size' });
    expect(parseNegRisk({})).toMatchObject({ ok: false, eventType: 'http_neg_risk' });
  });
});
