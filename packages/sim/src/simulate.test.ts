import { describe, expect, it } from 'vitest';
import { MICROS_PER_UNIT, type BookSnapshot, type MarketEvent } from '@floor/domain';
import { simulateLive, simulateMarkets, type SimulateMarketsOptions } from './simulate.js';
import { TICK_MICROS } from './books.js';

const SMALL: SimulateMarketsOptions = { seed: 11, markets: 4, startMs: Date.UTC(2025, 0, 1), stepMs: 60_000, steps: 720, staggerMs: 3_600_000 };

function all(opts: SimulateMarketsOptions): MarketEvent[] {
  return [...simulateMarkets(opts).events];
}

describe('simulateMarkets', () => {
  it('is deterministic: the same seed gives the same markets and events, again on every iteration', () => {
    const a = simulateMarkets(SMALL);
    const b = simulateMarkets(SMALL);
    expect(b.markets).toEqual(a.markets);
    const first = [...a.events];
    expect([...b.events]).toEqual(first);
    expect([...a.events]).toEqual(first);
    expect(first.length).toBeGreaterThan(500);
  });

  it('gives different markets and paths for a different seed', () => {
    const a = all(SMALL);
    const b = all({ ...SMALL, seed: 12 });
    expect(b[0]?.marketId).not.toBe(a[0]?.marketId);
    const prices = (events: MarketEvent[]) => events.filter((e) => e.type === 'trade').map((e) => (e.type === 'trade' ? e.priceMicros : 0n)).join(',');
    expect(prices(b)).not.toBe(prices(a));
  });

  it('uses Polymarket-shaped ids, unique event ids, and mixes categories and fee schedules', () => {
    const sim = simulateMarkets({ ...SMALL, markets: 8 });
    for (const m of sim.markets) {
      expect(m.marketId).toMatch(/^0x[0-9a-f]{64}$/);
      for (const t of m.tokens) expect(t.tokenId).toMatch(/^[1-9]\d{60,}$/);
      expect(m.tokens.map((t) => t.outcome)).toEqual(['Yes', 'No']);
    }
    expect(new Set(sim.markets.map((m) => m.category)).size).toBeGreaterThanOrEqual(5);
    const events = [...sim.events];
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });

  it('emits events in time order; each market is listed first and resolved exactly once, last, with one of its tokens', () => {
    const sim = simulateMarkets(SMALL);
    const events = [...sim.events];
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.tsEventMs).toBeGreaterThanOrEqual(events[i - 1]!.tsEventMs);
    for (const market of sim.markets) {
      const own = events.filter((e) => e.marketId === market.marketId);
      expect(own[0]?.type).toBe('listed');
      const resolved = own.filter((e) => e.type === 'resolved');
      expect(resolved).toHaveLength(1);
      expect(own.at(-1)).toBe(resolved[0]);
      expect(own.at(-1)!.tsEventMs).toBe(market.endDateMs);
      const winner = resolved[0]!.type === 'resolved' ? resolved[0]!.winningTokenId : '';
      expect(market.tokens.map((t) => t.tokenId)).toContain(winner);
    }
  });

  it('quotes valid books on the tick grid, best first, with depth growing away from the touch and YES/NO mirrored', () => {
    const events = all(SMALL);
    const books = events.filter((e): e is BookSnapshot => e.type === 'book');
    expect(books.length).toBeGreaterThan(100);
    let deeperAway = 0;
    for (const book of books) {
      expect(book.bids.length).toBeGreaterThan(0);
      expect(book.asks.length).toBeGreaterThan(0);
      expect(book.bids.length).toBeLessThanOrEqual(10);
      expect(book.asks.length).toBeLessThanOrEqual(10);
      expect(book.bids[0]!.priceMicros).toBeLessThan(book.asks[0]!.priceMicros);
      const spread = book.asks[0]!.priceMicros - book.bids[0]!.priceMicros;
      expect(spread >= TICK_MICROS && spread <= 3n * TICK_MICROS).toBe(true);
      for (const side of [book.bids, book.asks]) {
        for (const level of side) {
          expect(level.priceMicros % TICK_MICROS).toBe(0n);
          expect(level.priceMicros > 0n && level.priceMicros < MICROS_PER_UNIT).toBe(true);
          expect(level.sizeMicros).toBeGreaterThan(0n);
        }
      }
      for (let i = 1; i < book.bids.length; i += 1) expect(book.bids[i]!.priceMicros).toBeLessThan(book.bids[i - 1]!.priceMicros);
      for (let i = 1; i < book.asks.length; i += 1) expect(book.asks[i]!.priceMicros).toBeGreaterThan(book.asks[i - 1]!.priceMicros);
      if (book.bids.length >= 5 && book.bids.at(-1)!.sizeMicros > book.bids[0]!.sizeMicros) deeperAway += 1;
    }
    expect(deeperAway / books.length).toBeGreaterThan(0.8);
    // books come in YES/NO pairs at the same instant: NO bid = 1 − YES ask, NO ask = 1 − YES bid, same sizes
    for (let i = 0; i + 1 < books.length; i += 1) {
      const [yes, no] = [books[i]!, books[i + 1]!];
      if (yes.marketId !== no.marketId || yes.tsEventMs !== no.tsEventMs || yes.tokenId === no.tokenId) continue;
      expect(no.bids).toEqual(yes.asks.map((l) => ({ priceMicros: MICROS_PER_UNIT - l.priceMicros, sizeMicros: l.sizeMicros })));
      expect(no.asks).toEqual(yes.bids.map((l) => ({ priceMicros: MICROS_PER_UNIT - l.priceMicros, sizeMicros: l.sizeMicros })));
      i += 1;
    }
  });

  it('prints trades at the touch of the latest book, no bigger than the touch, with volume bursts', () => {
    const events = all({ ...SMALL, markets: 2, steps: 2_880 });
    const latest = new Map<string, BookSnapshot>();
    const tradeMinutes = new Map<string, number[]>();
    for (const e of events) {
      if (e.type === 'book') latest.set(e.tokenId, e);
      if (e.type !== 'trade') continue;
      const book = latest.get(e.tokenId)!;
      const touch = e.side === 'BUY' ? book.asks[0]! : book.bids[0]!;
      expect(e.priceMicros).toBe(touch.priceMicros);
      expect(e.sizeMicros).toBeLessThanOrEqual(touch.sizeMicros);
      const list = tradeMinutes.get(e.marketId) ?? [];
      list.push(Math.floor(e.tsEventMs / 600_000));
      tradeMinutes.set(e.marketId, list);
    }
    for (const minutes of tradeMinutes.values()) {
      const per10Min = new Map<number, number>();
      for (const m of minutes) per10Min.set(m, (per10Min.get(m) ?? 0) + 1);
      const windows = (2_880 * 60_000) / 600_000;
      const mean = minutes.length / windows;
      expect(Math.max(...per10Min.values())).toBeGreaterThan(4 * mean);
    }
  });

  it('lets a test force the drift, and the drift shows in the outcomes', () => {
    const outcomes = (drift: number) => {
      const sim = simulateMarkets({ ...SMALL, markets: 30, steps: 1_440, driftFor: () => drift });
      const yes = new Set(sim.markets.map((m) => m.tokens[0]!.tokenId));
      return [...sim.events].filter((e) => e.type === 'resolved' && yes.has(e.winningTokenId)).length;
    };
    expect(outcomes(3)).toBeGreaterThan(20);
    expect(outcomes(-3)).toBeLessThan(10);
  });
});

describe('simulateLive', () => {
  it('is deterministic and keeps listing new markets as old ones resolve', () => {
    const take = (n: number) => {
      const out: MarketEvent[] = [];
      for (const e of simulateLive({ seed: 5, startMs: 0, concurrentMarkets: 3, minSteps: 30, maxSteps: 60 })) {
        out.push(e);
        if (out.length === n) break;
      }
      return out;
    };
    const events = take(3_000);
    expect(take(3_000)).toEqual(events);
    const listed = events.filter((e) => e.type === 'listed').length;
    const resolved = events.filter((e) => e.type === 'resolved').length;
    expect(resolved).toBeGreaterThan(3);
    expect(listed).toBeGreaterThan(resolved);
    expect(listed - resolved).toBeLessThanOrEqual(3);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.tsEventMs).toBeGreaterThanOrEqual(events[i - 1]!.tsEventMs);
  });
});
