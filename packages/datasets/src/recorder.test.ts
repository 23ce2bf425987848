import { describe, expect, it } from 'vitest';
import { MarketEvent } from '@floor/domain';
import { parseGammaMarkets, parseMarketMessage, type WsMarketMessage } from '@floor/polymarket';
import { FeedRecorder } from './recorder.js';

const YES = '1001';
const NO = '1002';
const CONDITION = `0x${'ab'.repeat(32)}`;
const [MARKET] = parseGammaMarkets([
  {
    id: '7',
    question: 'Will the recorder keep order?',
    conditionId: CONDITION,
    endDate: '2030-01-01T00:00:00Z',
    outcomes: '["Yes", "No"]',
    clobTokenIds: JSON.stringify([YES, NO]),
    enableOrderBook: true,
    closed: false,
  },
]).accepted;

function message(raw: Record<string, unknown>): WsMarketMessage {
  const parsed = parseMarketMessage({ market: CONDITION, ...raw });
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.value;
}
const book = (tokenId: string, ts: number, bid: string, ask: string) =>
  message({ event_type: 'book', asset_id: tokenId, timestamp: String(ts), bids: [{ price: bid, size: '10' }], asks: [{ price: ask, size: '10' }] });
const trade = (ts: number) => message({ event_type: 'last_trade_price', asset_id: YES, price: '0.5', size: '3', side: 'BUY', timestamp: String(ts) });

function recorder(reorderWindowMs = 100) {
  if (!MARKET) throw new Error('fixture market did not parse');
  return new FeedRecorder({ markets: [MARKET], reorderWindowMs });
}

describe('FeedRecorder', () => {
  it('lists a market just before its first event and turns deltas into full books', () => {
    const r = recorder(0);
    const first = r.onMessage(book(YES, 1_000, '0.48', '0.52'), 1_001);
    expect(first.events.map((e) => e.type)).toEqual(['listed', 'book']);
    expect(first.events[0]?.tsEventMs).toBe(1_000);
    const delta = message({
      event_type: 'price_change',
      timestamp: '1100',
      price_changes: [{ asset_id: YES, price: '0.49', size: '5', side: 'BUY', best_bid: '0.49', best_ask: '0.52' }],
    });
    const after = r.onMessage(delta, 1_101).events;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ type: 'book', bids: [{ priceMicros: 490_000n, sizeMicros: 5_000_000n }, { priceMicros: 480_000n }] });
    for (const e of [...first.events, ...after]) expect(MarketEvent.safeParse(e).success).toBe(true);
  });

  it('asks for a REST book when a delta comes before any snapshot', () => {
    const r = recorder(0);
    const out = r.onMessage(message({ event_type: 'price_change', timestamp: '5', price_changes: [{ asset_id: NO, price: '0.5', size: '1', side: 'SELL' }] }), 6);
    expect(out.resyncs).toEqual([expect.objectContaining({ tokenId: NO, reason: 'no_snapshot' })]);
    expect(r.stats().resyncs).toBe(1);
  });

  it('holds events for the reorder window and releases them sorted by venue time', () => {
    const r = recorder(100);
    expect(r.onMessage(trade(1_050), 0).events).toEqual([]);
    expect(r.onMessage(book(YES, 1_000, '0.48', '0.52'), 0).events).toEqual([]);
    const released = r.onMessage(trade(1_200), 0).events;
    expect(released.map((e) => [e.type, e.tsEventMs])).toEqual([['listed', 1_000], ['book', 1_000], ['trade', 1_050]]);
    expect(r.flush().map((e) => [e.type, e.tsEventMs])).toEqual([['trade', 1_200]]);
  });

  it('re-stamps an event that arrives after later ones were released, so the file stays in order', () => {
    const r = recorder(0);
    r.onMessage(trade(2_000), 0);
    const late = r.onMessage(book(NO, 1_500, '0.4', '0.6'), 0).events;
    expect(late).toEqual([expect.objectContaining({ type: 'book', tokenId: NO, tsEventMs: 2_000 })]);
    expect(r.stats().restamped).toBe(1);
  });

  it('records resolutions and ignores markets it was not asked to record', () => {
    const r = recorder(0);
    const resolved = r.onMessage(message({ event_type: 'market_resolved', winning_asset_id: NO, assets_ids: [YES, NO], timestamp: '10' }), 11).events;
    expect(resolved.map((e) => e.type)).toEqual(['listed', 'resolved']);
    const again = r.onMessage(message({ event_type: 'market_resolved', winning_asset_id: NO, assets_ids: [YES, NO], timestamp: '10' }), 12).events;
    expect(again).toEqual([]);
    expect(r.onMessage({ ...trade(20), marketId: '0xother' } as WsMarketMessage, 21).events).toEqual([]);
    expect(r.stats()).toMatchObject({ foreign: 1, events: { listed: 1, resolved: 1 } });
  });
});
