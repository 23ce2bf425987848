import { describe, expect, it } from 'vitest';
import { MarketInfo, type Book, type MarketEvent } from '@floor/domain';
import { momentum, MomentumParams, type MomentumState } from './momentum.js';
import type { IntentDraft, StrategyContext } from './strategy.js';

const MARKET = MarketInfo.parse({
  marketId: 'm1',
  question: 'Will it rain?',
  endDateMs: 100 * 3_600_000,
  tokens: [
    { tokenId: 'yes', outcome: 'Yes' },
    { tokenId: 'no', outcome: 'No' },
  ],
});
const params = MomentumParams.parse({ lookback: 3, thresholdBps: 200, stakeUsd: 10, takeProfitBps: 1_000, stopLossBps: 500, maxHoldMs: 60_000, exitBeforeEndMs: 3_600_000 });

interface World {
  nowMs: number;
  books: Map<string, Book>;
  positions: Map<string, { sizeMicros: bigint; costMicros: bigint; openedAtMs: number }>;
  pending: Set<string>;
}

function newWorld(): World {
  return { nowMs: 1_000, books: new Map(), positions: new Map(), pending: new Set() };
}

function ctxOf(w: World): StrategyContext<MomentumParams> {
  return {
    agentId: 'a1',
    params,
    nowMs: w.nowMs,
    market: (id) => (id === MARKET.marketId ? MARKET : undefined),
    book: (id) => w.books.get(id),
    portfolio: {
      cashMicros: 1_000_000_000n,
      capitalMicros: 1_000_000_000n,
      position: (t) => w.positions.get(t),
      hasPendingIntent: (t) => w.pending.has(t),
      openPositionCount: w.positions.size,
    },
  };
}

let n = 0;
/** Sets the book of `tokenId` (as the kernel would) and returns the event for it. Prices in micros. */
function setBook(w: World, tokenId: string, bid: number, ask: number, stale = false): MarketEvent {
  n += 1;
  const bids = [{ priceMicros: BigInt(bid), sizeMicros: 100_000_000n }];
  const asks = [{ priceMicros: BigInt(ask), sizeMicros: 100_000_000n }];
  w.books.set(tokenId, { tokenId, bids, asks });
  return { type: 'book', v: 1, eventId: `evt_${n}`, marketId: 'm1', tokenId, tsEventMs: w.nowMs, tsPublishedMs: w.nowMs, source: 'replay', bids, asks, stale };
}

/** Feeds YES books with the given mids (spread 2 cents) and returns the drafts of the last one. */
function feedYes(w: World, state: MomentumState, mids: number[]): { state: MomentumState; intents: readonly IntentDraft[] } {
  let s = state;
  let intents: readonly IntentDraft[] = [];
  for (const mid of mids) {
    const d = momentum.onMarketEvent(ctxOf(w), s, setBook(w, 'yes', mid - 10_000, mid + 10_000));
    s = d.state;
    intents = d.intents;
  }
  return { state: s, intents };
}

describe('momentum', () => {
  it('buys YES at the best ask after the YES mid rises past the threshold', () => {
    const w = newWorld();
    const { intents } = feedYes(w, momentum.init(params), [500_000, 505_000, 510_000, 520_000]);
    expect(intents).toEqual([
      { marketId: 'm1', tokenId: 'yes', side: 'BUY', limitPriceMicros: 530_000n, sizeMicros: 18_860_000n, orderType: 'FAK', reason: 'momentum up 200bps over 3 updates' },
    ]);
  });

  it('buys NO at its own ask when YES falls, and waits for a full window', () => {
    const w = newWorld();
    setBook(w, 'no', 470_000, 490_000);
    const partial = feedYes(w, momentum.init(params), [500_000, 480_000, 470_000]);
    expect(partial.intents).toEqual([]);
    const { intents, state } = feedYes(w, partial.state, [470_000]);
    expect(intents).toMatchObject([{ tokenId: 'no', side: 'BUY', limitPriceMicros: 490_000n }]);
    // the window restarts, so the same move does not trigger again on the next update
    expect(feedYes(w, state, [470_000]).intents).toEqual([]);
  });

  it('ignores moves below the threshold, stale books, and markets it does not know', () => {
    const w = newWorld();
    expect(feedYes(w, momentum.init(params), [500_000, 505_000, 510_000, 519_000]).intents).toEqual([]);
    let s = momentum.init(params);
    for (const mid of [500_000, 505_000, 510_000, 520_000]) s = momentum.onMarketEvent(ctxOf(w), s, setBook(w, 'yes', mid - 10_000, mid + 10_000, true)).state;
    expect(s.mids).toEqual({});
    const unknown = { ...setBook(w, 'yes', 1, 2), marketId: 'other' };
    expect(momentum.onMarketEvent(ctxOf(w), s, unknown).intents).toEqual([]);
  });

  it('does not enter near the market end, while pending, or when already in the market', () => {
    const mids = [500_000, 505_000, 510_000, 520_000];
    const late = newWorld();
    late.nowMs = MARKET.endDateMs - 1_000;
    expect(feedYes(late, momentum.init(params), mids).intents).toEqual([]);
    const pending = newWorld();
    pending.pending.add('no');
    expect(feedYes(pending, momentum.init(params), mids).intents).toEqual([]);
  });

  it('exits at take profit, stop loss, max hold and before the market end, selling the whole position at the bid', () => {
    // 20 shares bought for $10 (0.50 each)
    const held = { sizeMicros: 20_000_000n, costMicros: 10_000_000n, openedAtMs: 1_000 };
    const cases: Array<[string, { bid: number; nowMs: number }]> = [
      ['take profit 1000bps', { bid: 550_000, nowMs: 2_000 }],
      ['stop loss -500bps', { bid: 475_000, nowMs: 2_000 }],
      ['max holding time', { bid: 500_000, nowMs: 61_000 }],
      ['exit before market end', { bid: 500_000, nowMs: MARKET.endDateMs - 3_600_000 }],
    ];
    for (const [reason, { bid, nowMs }] of cases) {
      const w = newWorld();
      w.nowMs = nowMs;
      w.positions.set('yes', held);
      const d = momentum.onMarketEvent(ctxOf(w), momentum.init(params), setBook(w, 'yes', bid, bid + 20_000));
      expect(d.intents).toEqual([{ marketId: 'm1', tokenId: 'yes', side: 'SELL', limitPriceMicros: BigInt(bid), sizeMicros: 20_000_000n, orderType: 'FAK', reason }]);
    }
    const quiet = newWorld();
    quiet.positions.set('yes', held);
    expect(momentum.onMarketEvent(ctxOf(quiet), momentum.init(params), setBook(quiet, 'yes', 510_000, 530_000)).intents).toEqual([]);
    quiet.pending.add('yes');
    expect(momentum.onMarketEvent(ctxOf(quiet), momentum.init(params), setBook(quiet, 'yes', 600_000, 610_000)).intents).toEqual([]);
  });

  it('forgets a resolved market and restores its state through JSON', () => {
    const w = newWorld();
    const { state } = feedYes(w, momentum.init(params), [500_000, 505_000]);
    const restored = momentum.restoreState?.(JSON.parse(JSON.stringify(state)), { ...params, lookback: 2 });
    expect(restored).toEqual(state);
    expect(momentum.restoreState?.({ nonsense: true }, params)).toEqual({ mids: {} });
    const resolved = momentum.onMarketEvent(ctxOf(w), state, { type: 'resolved', v: 1, eventId: 'evt_r', marketId: 'm1', tsEventMs: 1, tsPublishedMs: 1, source: 'replay', winningTokenId: 'yes' });
    expect(resolved.state.mids).toEqual({});
  });
});
