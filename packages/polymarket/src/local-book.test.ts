import { describe, expect, it } from 'vitest';
import { BookSnapshot } from '@floor/domain';
import { fixtureJson, fixtureText } from '../test/load-fixture.js';
import { findStale, LocalBooks } from './local-book.js';
import { parseRestBook } from './parse/rest.js';
import { parseMarketFrame, type WsBook, type WsMarketMessage, type WsPriceChange } from './parse/ws-market.js';

function messages(fixture: string): WsMarketMessage[] {
  return parseMarketFrame(fixtureText(fixture)).map((r) => {
    if (!r.ok) throw new Error(r.detail);
    return r.value;
  });
}

const [bookYes, bookNo] = messages('ws_market_book_array.json') as [WsBook, WsBook];
const [priceChange] = messages('ws_market_price_change.json') as [WsPriceChange];
const RECEIVED_MS = 1_785_600_002_500;

function priceChangeFor(book: WsBook, change: Partial<WsPriceChange['changes'][number]>, timestampMs = book.timestampMs + 1): WsPriceChange {
  return {
    type: 'price_change',
    marketId: book.marketId,
    timestampMs,
    changes: [{ tokenId: book.tokenId, side: 'BUY', priceMicros: 0n, sizeMicros: 0n, hash: null, bestBidMicros: null, bestAskMicros: null, ...change }],
  };
}

describe('LocalBooks: snapshots', () => {
  it('a book message becomes a domain BookSnapshot, best-first, that the wire schema accepts', () => {
    const books = new LocalBooks();
    const { snapshots, resyncs } = books.apply(bookYes, RECEIVED_MS);
    expect(resyncs).toEqual([]);
    const [snapshot] = snapshots;
    expect(snapshot).toMatchObject({ v: 1, type: 'book', tokenId: bookYes.tokenId, marketId: bookYes.marketId, tsEventMs: bookYes.timestampMs, tsPublishedMs: RECEIVED_MS, source: 'polymarket', stale: false });
    expect(snapshot?.bids.map((l) => l.priceMicros)).toEqual([470_000n, 460_000n, 440_000n]);
    expect(snapshot?.asks.map((l) => l.priceMicros)).toEqual([490_000n, 500_000n, 520_000n]);
    expect(snapshot?.eventId).toMatch(/^evt_/);
    expect(BookSnapshot.parse(snapshot)).toEqual(snapshot);
  });

  it('event ids are deterministic: a replay produces the same ids', () => {
    const a = new LocalBooks().apply(bookYes, RECEIVED_MS).snapshots[0];
    const b = new LocalBooks().apply(bookYes, RECEIVED_MS + 999).snapshots[0];
    expect(a?.eventId).toBe(b?.eventId);
  });

  it('ignores a snapshot older than the book (a slow REST answer) and one with the same hash', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    expect(books.apply({ ...bookYes, timestampMs: bookYes.timestampMs - 1, hash: 'older' }, RECEIVED_MS).snapshots).toEqual([]);
    expect(books.apply({ ...bookYes, timestampMs: bookYes.timestampMs + 5 }, RECEIVED_MS).snapshots).toEqual([]);
    expect(books.apply({ ...bookYes, timestampMs: bookYes.timestampMs + 5, hash: 'newer' }, RECEIVED_MS).snapshots).toHaveLength(1);
  });
});

describe('LocalBooks: price_change deltas', () => {
  it('applies level replacements across both tokens of the market (size 0 removes)', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    books.apply(bookNo, RECEIVED_MS);
    const { snapshots, resyncs } = books.apply(priceChange, RECEIVED_MS);
    expect(resyncs).toEqual([]);
    expect(snapshots.map((s) => s.tokenId)).toEqual([bookYes.tokenId, bookNo.tokenId]);
    expect(snapshots[0]?.bids[0]).toEqual({ priceMicros: 480_000n, sizeMicros: 150_000_000n });
    expect(snapshots[0]?.tsEventMs).toBe(priceChange.timestampMs);
    expect(snapshots[1]?.bids.map((l) => l.priceMicros)).toEqual([500_000n]); // 0.51 removed
    expect(books.state(bookYes.tokenId)?.hash).toBe('aa01');
  });

  it('a delta for a token without a snapshot asks for a resync and is dropped until one comes', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    const { snapshots, resyncs } = books.apply(priceChange, RECEIVED_MS);
    expect(snapshots.map((s) => s.tokenId)).toEqual([bookYes.tokenId]);
    expect(resyncs).toEqual([expect.objectContaining({ tokenId: bookNo.tokenId, reason: 'no_snapshot' })]);
    // the same gap does not ask twice; it stays listed as pending for a caller that retries
    expect(books.apply({ ...priceChange, timestampMs: priceChange.timestampMs + 1 }, RECEIVED_MS).resyncs).toEqual([]);
    expect(books.pendingResyncs().map((r) => r.tokenId)).toEqual([bookNo.tokenId]);
    // the REST answer heals it
    const healed = books.apply({ ...bookNo, timestampMs: priceChange.timestampMs + 2, hash: 'fresh' }, RECEIVED_MS);
    expect(healed.snapshots).toHaveLength(1);
    expect(books.pendingResyncs()).toEqual([]);
  });

  it('detects a missed message: our best bid disagrees with the venue best_bid', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    // venue says best bid 0.48 after this change, but the change is at 0.45: we missed the 0.48 level
    const drift = priceChangeFor(bookYes, { priceMicros: 450_000n, sizeMicros: 10_000_000n, bestBidMicros: 480_000n, bestAskMicros: 490_000n });
    const { snapshots, resyncs } = books.apply(drift, RECEIVED_MS);
    expect(snapshots).toEqual([]);
    expect(resyncs).toEqual([expect.objectContaining({ tokenId: bookYes.tokenId, reason: 'best_mismatch' })]);
    expect(books.state(bookYes.tokenId)).toMatchObject({ valid: false, invalidReason: 'best_mismatch', bids: [], asks: [] });
  });

  it('a crossed local book is a gap too', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    const crossing = priceChangeFor(bookYes, { side: 'BUY', priceMicros: 500_000n, sizeMicros: 1_000_000n });
    expect(books.apply(crossing, RECEIVED_MS).resyncs).toEqual([expect.objectContaining({ reason: 'crossed' })]);
  });

  it('treats best_bid "0" as an empty side on the venue', () => {
    const books = new LocalBooks();
    const oneBid: WsBook = { ...bookYes, bids: [{ priceMicros: 470_000n, sizeMicros: 1_000_000n }] };
    books.apply(oneBid, RECEIVED_MS);
    const emptied = priceChangeFor(oneBid, { priceMicros: 470_000n, sizeMicros: 0n, bestBidMicros: 0n, bestAskMicros: 490_000n });
    const { snapshots, resyncs } = books.apply(emptied, RECEIVED_MS);
    expect(resyncs).toEqual([]);
    expect(snapshots[0]?.bids).toEqual([]);
  });

  it('skips deltas older than the snapshot (already reflected in it)', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    const old = priceChangeFor(bookYes, { priceMicros: 300_000n, sizeMicros: 1n }, bookYes.timestampMs - 10);
    expect(books.apply(old, RECEIVED_MS)).toEqual({ snapshots: [], resyncs: [] });
    expect(books.state(bookYes.tokenId)?.bids.map((l) => l.priceMicros)).not.toContain(300_000n);
  });
});

describe('LocalBooks: tick size change', () => {
  it('invalidates the book, records the new tick and waits for a snapshot at or after the change', () => {
    const books = new LocalBooks();
    books.apply(bookYes, RECEIVED_MS);
    const [tick] = messages('ws_market_tick_size_change.json');
    if (tick?.type !== 'tick_size_change') throw new Error('fixture');
    expect(books.apply(tick, RECEIVED_MS).resyncs).toEqual([expect.objectContaining({ tokenId: bookYes.tokenId, reason: 'tick_size_change' })]);
    expect(books.state(bookYes.tokenId)).toMatchObject({ valid: false, tickSizeMicros: 1_000n });
    // deltas are dropped meanwhile
    expect(books.apply(priceChangeFor(bookYes, { priceMicros: 480_000n, sizeMicros: 1n }, tick.timestampMs + 1), RECEIVED_MS).snapshots).toEqual([]);
    // a REST book fetched before the change is on the old grid: ignored
    expect(books.apply({ ...bookYes, timestampMs: tick.timestampMs - 1, hash: 'old-grid' }, RECEIVED_MS).snapshots).toEqual([]);
    const fresh = books.applySnapshot({ ...bookYes, timestampMs: tick.timestampMs + 10, hash: 'new-grid', tickSizeMicros: null }, RECEIVED_MS);
    expect(fresh.snapshots).toHaveLength(1);
    expect(books.state(bookYes.tokenId)).toMatchObject({ valid: true, tickSizeMicros: 1_000n });
  });
});

describe('LocalBooks: REST /book resync', () => {
  it('a parsed /book feeds straight into applySnapshot', () => {
    const rest = parseRestBook(fixtureJson('http_book.json'));
    if (!rest.ok) throw new Error(rest.detail);
    const books = new LocalBooks({ source: 'rest' });
    const { snapshots } = books.applySnapshot(rest.value, RECEIVED_MS);
    expect(snapshots[0]).toMatchObject({ source: 'rest', tokenId: rest.value.tokenId });
    expect(snapshots[0]?.bids[0]?.priceMicros).toBe(480_000n);
  });
});

describe('findStale', () => {
  it('reports tokens and connections silent longer than their limits, most silent first', () => {
    const report = findStale({
      nowMs: 100_000,
      tokenLastMessageMs: new Map([
        ['quiet', 100_000 - 120_001],
        ['quieter', 100_000 - 500_000],
        ['busy', 99_000],
        ['exactly-at-limit', 100_000 - 120_000],
      ]),
      connectionLastMessageMs: new Map([
        ['conn-1', 95_000],
        ['conn-2', 60_000],
      ]),
      tokenStaleAfterMs: 120_000,
      connectionStaleAfterMs: 30_000,
    });
    expect(report.staleTokens).toEqual([
      { id: 'quieter', silentForMs: 500_000 },
      { id: 'quiet', silentForMs: 120_001 },
    ]);
    expect(report.staleConnections).toEqual([{ id: 'conn-2', silentForMs: 40_000 }]);
  });
});
