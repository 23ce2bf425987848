import { describe, expect, it } from 'vitest';
import { fixtureText } from '../../test/load-fixture.js';
import { parseUserFrame, type WsUserMessage } from './ws-user.js';

function only(frame: string): WsUserMessage {
  const [result, ...rest] = parseUserFrame(frame);
  expect(rest).toHaveLength(0);
  if (!result?.ok) throw new Error(result ? `${result.kind}: ${result.detail}` : 'no result');
  return result.value;
}

describe('user channel trade', () => {
  it('parses amounts to micros, maker fills, status and the unix-second match time', () => {
    const trade = only(fixtureText('ws_user_trade.json'));
    if (trade.type !== 'trade') throw new Error('not a trade');
    expect(trade).toMatchObject({
      tradeId: '6d2f3b0a-1c9e-4c1e-9a53-2b4f8c7e1d01',
      side: 'BUY',
      priceMicros: 490_000n,
      sizeMicros: 60_100_000n,
      status: 'MATCHED',
      traderSide: 'TAKER',
      feeRateBps: 0,
      matchTimeMs: 1_785_600_002_000, // "matchtime": "1785600002" (seconds)
      lastUpdateMs: 1_785_600_002_000,
      timestampMs: 1_785_600_002_150, // "timestamp": milliseconds
    });
    expect(trade.makerOrders.map((m) => m.matchedSizeMicros)).toEqual([40_100_000n, 20_000_000n]);
    expect(trade.makerOrders.reduce((sum, m) => sum + m.matchedSizeMicros, 0n)).toBe(trade.sizeMicros);
  });

  it.each(['MATCHED', 'MINED', 'CONFIRMED', 'RETRYING', 'FAILED'])('accepts status %s', (status) => {
    const raw = JSON.parse(fixtureText('ws_user_trade.json')) as object;
    expect(only(JSON.stringify({ ...raw, status }))).toMatchObject({ type: 'trade', status });
  });

  it('refuses an unknown trade status rather than guess at its finality', () => {
    const raw = JSON.parse(fixtureText('ws_user_trade.json')) as object;
    expect(parseUserFrame(JSON.stringify({ ...raw, status: 'SETTLED' }))[0]).toMatchObject({ ok: false, kind: 'invalid', eventType: 'trade' });
  });

  it('accepts ISO match times too (older captures)', () => {
    const raw = JSON.parse(fixtureText('ws_user_trade.json')) as Record<string, unknown>;
    const { matchtime: _m, ...rest } = raw;
    expect(only(JSON.stringify({ ...rest, match_time: '2026-08-01T16:00:02Z' }))).toMatchObject({ matchTimeMs: Date.UTC(2026, 7, 1, 16, 0, 2) });
  });
});

describe('user channel order', () => {
  it('infers the kind from `type` when event_type is absent (PLACEMENT)', () => {
    const order = only(fixtureText('ws_user_order_placement.json'));
    expect(order).toMatchObject({
      type: 'order',
      kind: 'PLACEMENT',
      status: 'LIVE',
      priceMicros: 490_000n,
      originalSizeMicros: 100_000_000n,
      matchedSizeMicros: 0n,
      tradeIds: [],
      createdAtMs: 1_785_600_001_900,
      expiration: '0',
    });
  });

  it('parses an UPDATE with its associated trades', () => {
    expect(only(fixtureText('ws_user_order_update.json'))).toMatchObject({
      type: 'order',
      kind: 'UPDATE',
      matchedSizeMicros: 60_100_000n,
      tradeIds: ['6d2f3b0a-1c9e-4c1e-9a53-2b4f8c7e1d01'],
    });
  });

  it('keeps an order status it has not seen before (orders must not be dropped)', () => {
    const raw = JSON.parse(fixtureText('ws_user_order_update.json')) as object;
    expect(only(JSON.stringify({ ...raw, status: 'CANCELED_MARKET_RESOLVED' }))).toMatchObject({ status: 'CANCELED_MARKET_RESOLVED' });
  });
});

describe('bad user frames', () => {
  it('garbage, truncated, unknown type and wrong field types', () => {
    expect(parseUserFrame('nope')[0]).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseUserFrame(fixtureText('ws_user_trade.json').slice(0, 100))[0]).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseUserFrame('{"event_type":"balance","amount":"1"}')[0]).toMatchObject({ ok: false, kind: 'unknown_type', eventType: 'balance' });
    expect(parseUserFrame('{"type":"HEARTBEAT"}')[0]).toMatchObject({ ok: false, kind: 'unknown_type', eventType: 'HEARTBEAT' });
    const raw = JSON.parse(fixtureText('ws_user_order_update.json')) as object;
    expect(parseUserFrame(JSON.stringify({ ...raw, size_matched: 60.1 }))[0]).toMatchObject({
      ok: false,
      kind: 'invalid',
      eventType: 'order',
      detail: expect.stringMatching(/^size_matched/),
    });
    expect(parseUserFrame('PONG')).toEqual([{ ok: true, value: { type: 'pong' } }]);
  });
});
