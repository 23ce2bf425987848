import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../test/load-fixture.js';
import type { ParseResult } from './common.js';
import { parseMarketFrame, parseMarketMessage, type WsMarketMessage } from './ws-market.js';

/** The single message of a one-message frame, or the test fails with the parse failure. */
function only(frame: string): WsMarketMessage {
  const results = parseMarketFrame(frame);
  expect(results).toHaveLength(1);
  const [result] = results as [ParseResult<WsMarketMessage>];
  if (!result.ok) throw new Error(`${result.kind}: ${result.detail}`);
  return result.value;
}

function onlyFailure(frame: string) {
  const results = parseMarketFrame(frame);
  expect(results).toHaveLength(1);
  const [result] = results as [ParseResult<WsMarketMessage>];
  if (result.ok) throw new Error(`expected a failure, got ${result.value.type}`);
  return result;
}

describe('book', () => {
  it('turns the wire order (best last) into best-first levels in micros', () => {
    const book = only(fixtureText('ws_market_book.json'));
    expect(book).toMatchObject({
      type: 'book',
      timestampMs: 1_785_600_000_123,
      hash: '4f1c2e9d0b7a8c63a5e1f0d2c3b4a5968778695a',
      tickSizeMicros: 10_000n,
      lastTradePriceMicros: 480_000n,
    });
    if (book.type !== 'book') throw new Error('not a book');
    expect(book.bids).toEqual([
      { priceMicros: 470_000n, sizeMicros: 85_250_000n },
      { priceMicros: 460_000n, sizeMicros: 310_500_000n },
      { priceMicros: 440_000n, sizeMicros: 1_200_000_000n }, // ".44" on the wire
    ]);
    expect(book.asks.map((l) => l.priceMicros)).toEqual([490_000n, 500_000n, 520_000n]);
  });

  it('parses a frame holding a JSON array of books, one result each', () => {
    const results = parseMarketFrame(fixtureText('ws_market_book_array.json'));
    expect(results.map((r) => r.ok && r.value.type)).toEqual(['book', 'book']);
  });
});

describe('price_change (current schema)', () => {
  it('keeps every entry with its token, side, size (0 = remove) and the venue best bid/ask', () => {
    const message = only(fixtureText('ws_market_price_change.json'));
    if (message.type !== 'price_change') throw new Error('not a price_change');
    expect(message.timestampMs).toBe(1_785_600_001_456);
    expect(message.changes).toHaveLength(2);
    expect(message.changes[0]).toMatchObject({ side: 'BUY', priceMicros: 480_000n, sizeMicros: 150_000_000n, hash: 'aa01', bestBidMicros: 480_000n, bestAskMicros: 490_000n });
    expect(message.changes[1]).toMatchObject({ side: 'BUY', priceMicros: 510_000n, sizeMicros: 0n });
    expect(message.changes[0]?.tokenId).not.toBe(message.changes[1]?.tokenId);
  });

  it('rejects the legacy (pre-2025-09) schema as invalid, not as a silent empty change', () => {
    const legacy = JSON.stringify({ event_type: 'price_change', market: '0xabc', asset_id: '1', timestamp: '1', hash: 'h', changes: [{ price: '0.5', side: 'BUY', size: '1' }] });
    expect(onlyFailure(legacy)).toMatchObject({ kind: 'invalid', eventType: 'price_change', detail: expect.stringMatching(/price_changes/) });
  });
});

describe('the other market-channel messages', () => {
  it('last_trade_price', () => {
    expect(only(fixtureText('ws_market_last_trade_price.json'))).toMatchObject({
      type: 'last_trade_price',
      priceMicros: 490_000n,
      sizeMicros: 60_100_000n,
      side: 'BUY',
      feeRateBps: 0,
      timestampMs: 1_785_600_002_001,
    });
  });

  it('tick_size_change', () => {
    expect(only(fixtureText('ws_market_tick_size_change.json'))).toMatchObject({
      type: 'tick_size_change',
      oldTickSizeMicros: 10_000n,
      newTickSizeMicros: 1_000n,
    });
  });

  it('best_bid_ask', () => {
    expect(only(fixtureText('ws_market_best_bid_ask.json'))).toMatchObject({
      type: 'best_bid_ask',
      bestBidMicros: 480_000n,
      bestAskMicros: 490_000n,
      spreadMicros: 10_000n,
    });
  });

  it('new_market', () => {
    const message = only(fixtureText('ws_market_new_market.json'));
    expect(message).toMatchObject({
      type: 'new_market',
      gammaId: '1611020',
      question: 'Will Apple (AAPL) close above $250 end of August?',
      outcomes: ['Yes', 'No'],
      eventId: '131877',
      tags: ['stocks'],
      tickSizeMicros: 10_000n,
    });
    expect(message.type === 'new_market' && message.tokenIds).toHaveLength(2);
  });

  it('market_resolved', () => {
    const message = only(fixtureText('ws_market_resolved.json'));
    if (message.type !== 'market_resolved') throw new Error('not market_resolved');
    expect(message.winningTokenId).toBe(message.tokenIds[1]);
    expect(message.winningOutcome).toBe('No');
  });

  it('PONG', () => {
    expect(only('PONG')).toEqual({ type: 'pong' });
  });
});

describe('bad frames become typed failures, never throws', () => {
  it('garbage text is malformed', () => {
    expect(onlyFailure('\u0000\u0001garbage{{')).toMatchObject({ kind: 'malformed' });
    expect(onlyFailure('')).toMatchObject({ kind: 'malformed' });
  });

  it('a truncated frame is malformed, and the detail quotes only the start of it', () => {
    const text = fixtureText('ws_market_book.json');
    const failure = onlyFailure(text.slice(0, Math.floor(text.length / 2)));
    expect(failure).toMatchObject({ kind: 'malformed', eventType: 'book' });
    expect(failure.detail.length).toBeLessThan(300);
  });

  it('JSON that is not an object is malformed', () => {
    expect(onlyFailure('42')).toMatchObject({ kind: 'malformed' });
    expect(onlyFailure('"book"')).toMatchObject({ kind: 'malformed' });
    expect(parseMarketFrame('[1, null]').map((r) => !r.ok && r.kind)).toEqual(['malformed', 'malformed']);
  });

  it('an unknown event_type is unknown_type, carrying the type for the log', () => {
    expect(onlyFailure(fixtureText('ws_market_unknown_type.json'))).toMatchObject({ kind: 'unknown_type', eventType: 'order_book_delta_v3' });
  });

  it('a missing event_type is invalid', () => {
    expect(onlyFailure('{"market":"0xabc"}')).toMatchObject({ kind: 'invalid' });
  });

  it('numbers where the venue sends strings are invalid, naming the fields', () => {
    const failure = onlyFailure(fixtureText('ws_market_book_numbers_not_strings.json'));
    expect(failure).toMatchObject({ kind: 'invalid', eventType: 'book' });
    expect(failure.detail).toMatch(/bids\.0\.price/);
    expect(failure.detail).toMatch(/timestamp/);
  });

  it('strings where the venue sends arrays, and prices past 6 decimals, are invalid', () => {
    const book = JSON.parse(fixtureText('ws_market_book.json')) as Record<string, unknown>;
    expect(parseMarketMessage({ ...book, bids: '[]' })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'book' });
    expect(parseMarketMessage({ ...book, asks: [{ price: '0.4900001', size: '1' }] })).toMatchObject({
      ok: false,
      kind: 'invalid',
      detail: expect.stringMatching(/more than 6 decimal places/),
    });
  });

  it('one bad message in an array frame does not spoil the others', () => {
    const good = JSON.parse(fixtureText('ws_market_last_trade_price.json')) as object;
    const results = parseMarketFrame(JSON.stringify([good, { event_type: 'last_trade_price', price: 0.5 }, good]));
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
  });
});
