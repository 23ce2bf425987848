import { describe, expect, it } from 'vitest';
import { NO_FEES, takerFeeMicros, type BookLevel, type FeeSchedule } from '@floor/domain';
import { TokenBook, type IncomingOrder } from './token-book.js';

const FEE_4PCT: FeeSchedule = { rateMicros: 40_000n, exponent: 1, takerOnly: true };
const lvl = (price: number, size: number): BookLevel => ({ priceMicros: BigInt(price), sizeMicros: BigInt(size) });
const order = (o: Partial<IncomingOrder> & Pick<IncomingOrder, 'orderId' | 'side' | 'priceMicros' | 'sizeMicros'>): IncomingOrder => ({
  owner: 'alice',
  orderType: 'GTC',
  postOnly: false,
  expiresAtMs: null,
  ...o,
});

/** crowd: bids 0.48×10, 0.47×20; asks 0.50×10, 0.52×20 (sizes in whole micros for readability) */
function book(): TokenBook {
  const b = new TokenBook('yes');
  b.replaceCrowd([lvl(480_000, 10), lvl(470_000, 20)], [lvl(500_000, 10), lvl(520_000, 20)]);
  return b;
}

describe('TokenBook matching', () => {
  it('rests a non-crossing GTC and shows it in the public book beside the crowd', () => {
    const b = book();
    const r = b.submit(order({ orderId: 'o1', side: 'BUY', priceMicros: 480_000n, sizeMicros: 5n }), NO_FEES);
    expect(r.accepted && r.rested?.orderId).toBe('o1');
    expect(b.publicBook().bids[0]).toEqual(lvl(480_000, 15));
  });

  it('takes crowd liquidity with the paper walk, charging the taker fee per level, and rests the remainder', () => {
    const b = book();
    const r = b.submit(order({ orderId: 'o1', side: 'BUY', priceMicros: 520_000n, sizeMicros: 40_000_000n }), FEE_4PCT);
    if (!r.accepted) throw new Error('rejected');
    expect(r.fills.map((f) => [f.priceMicros, f.sizeMicros])).toEqual([[500_000n, 10n], [520_000n, 20n]]);
    expect(r.fills[1]?.feeMicros).toBe(takerFeeMicros(FEE_4PCT, 520_000n, 20n));
    expect(r.rested?.matchedSizeMicros).toBe(30n);
    // the crowd asks are used up until the next snapshot; our remainder is the best bid now
    expect(b.publicBook().asks).toEqual([]);
    expect(b.publicBook().bids[0]).toEqual(lvl(520_000, 40_000_000 - 30));
  });

  it('keeps price-time priority: better price first, then the crowd, then earlier user orders', () => {
    const b = book();
    b.submit(order({ orderId: 'late', owner: 'bob', side: 'SELL', priceMicros: 500_000n, sizeMicros: 5n }), NO_FEES);
    b.submit(order({ orderId: 'later', owner: 'carol', side: 'SELL', priceMicros: 500_000n, sizeMicros: 5n }), NO_FEES);
    b.submit(order({ orderId: 'better', owner: 'dave', side: 'SELL', priceMicros: 490_000n, sizeMicros: 3n }), NO_FEES);
    const r = b.submit(order({ orderId: 'taker', side: 'BUY', priceMicros: 500_000n, sizeMicros: 16n, orderType: 'FAK' }), NO_FEES);
    if (!r.accepted) throw new Error('rejected');
    expect(r.fills.map((f) => (f.maker.kind === 'crowd' ? 'crowd' : f.maker.orderId))).toEqual(['better', 'crowd', 'late']);
    expect(r.fills.map((f) => f.sizeMicros)).toEqual([3n, 10n, 3n]);
    expect(r.makerFills).toEqual([
      { orderId: 'better', owner: 'dave', side: 'SELL', priceMicros: 490_000n, sizeMicros: 3n, completed: true },
      { orderId: 'late', owner: 'bob', side: 'SELL', priceMicros: 500_000n, sizeMicros: 3n, completed: false },
    ]);
    expect(b.resting('late')?.matchedSizeMicros).toBe(3n);
    expect(b.resting('later')?.matchedSizeMicros).toBe(0n);
  });

  it('FOK fills completely or is rejected without touching the book', () => {
    const b = book();
    expect(b.submit(order({ orderId: 'f1', side: 'BUY', priceMicros: 520_000n, sizeMicros: 31n, orderType: 'FOK' }), NO_FEES)).toEqual({ accepted: false, reason: 'fok_unfilled' });
    expect(b.publicBook().asks).toEqual([lvl(500_000, 10), lvl(520_000, 20)]);
    const r = b.submit(order({ orderId: 'f2', side: 'BUY', priceMicros: 520_000n, sizeMicros: 30n, orderType: 'FOK' }), NO_FEES);
    expect(r.accepted && r.filledSizeMicros).toBe(30n);
  });

  it('FAK fills what crosses and never rests; with nothing crossing it is rejected', () => {
    const b = book();
    const r = b.submit(order({ orderId: 'k1', side: 'SELL', priceMicros: 480_000n, sizeMicros: 15n, orderType: 'FAK' }), NO_FEES);
    expect(r.accepted && [r.filledSizeMicros, r.rested]).toEqual([10n, null]);
    expect(b.submit(order({ orderId: 'k2', side: 'SELL', priceMicros: 490_000n, sizeMicros: 1n, orderType: 'FAK' }), NO_FEES)).toEqual({ accepted: false, reason: 'fak_unmatched' });
  });

  it('refuses a post-only order that would take', () => {
    const b = book();
    expect(b.submit(order({ orderId: 'p', side: 'BUY', priceMicros: 500_000n, sizeMicros: 1n, postOnly: true }), NO_FEES)).toEqual({ accepted: false, reason: 'post_only_crosses' });
  });

  it('cancels a resting order and expires GTD orders at their time', () => {
    const b = book();
    b.submit(order({ orderId: 'c', side: 'BUY', priceMicros: 400_000n, sizeMicros: 5n }), NO_FEES);
    b.submit(order({ orderId: 'g', side: 'BUY', priceMicros: 410_000n, sizeMicros: 5n, orderType: 'GTD', expiresAtMs: 1_000 }), NO_FEES);
    expect(b.cancel('c')?.orderId).toBe('c');
    expect(b.cancel('c')).toBeUndefined();
    expect(b.expire(999)).toEqual([]);
    expect(b.expire(1_000).map((o) => o.orderId)).toEqual(['g']);
    expect(b.restingOrders()).toEqual([]);
  });
});

describe('TokenBook: the crowd moving through resting orders', () => {
  it('fills a resting bid as maker, at its own price, when a new crowd snapshot offers at or below it', () => {
    const b = book();
    b.submit(order({ orderId: 'bid', side: 'BUY', priceMicros: 490_000n, sizeMicros: 12n }), NO_FEES);
    const fills = b.replaceCrowd([lvl(470_000, 5)], [lvl(480_000, 7), lvl(490_000, 10), lvl(500_000, 9)]);
    expect(fills).toEqual([{ orderId: 'bid', owner: 'alice', side: 'BUY', priceMicros: 490_000n, sizeMicros: 12n, completed: true }]);
    // the crowd sellers who traded with us are gone from the snapshot
    expect(b.publicBook().asks).toEqual([lvl(490_000, 5), lvl(500_000, 9)]);
  });

  it('fills resting orders a crowd print trades through: strictly better first, at the print price only behind the crowd queue', () => {
    const b = book();
    b.submit(order({ orderId: 'ask49', side: 'SELL', priceMicros: 490_000n, sizeMicros: 4n }), NO_FEES);
    b.submit(order({ orderId: 'ask50', side: 'SELL', priceMicros: 500_000n, sizeMicros: 10n }), NO_FEES);
    // a BUY print of 16 at 0.50: 4 from our 0.49 ask, then 10 crowd shares queued ahead at 0.50, then 2 of ours
    const fills = b.applyCrowdTrade('BUY', 500_000n, 16n);
    expect(fills.map((f) => [f.orderId, f.sizeMicros])).toEqual([['ask49', 4n], ['ask50', 6n]]);
    const small = new TokenBook('yes');
    small.replaceCrowd([], [lvl(500_000, 10)]);
    small.submit(order({ orderId: 'a', side: 'SELL', priceMicros: 500_000n, sizeMicros: 10n }), NO_FEES);
    expect(small.applyCrowdTrade('BUY', 500_000n, 10n)).toEqual([]);
    expect(small.applyCrowdTrade('SELL', 500_000n, 100n)).toEqual([]);
  });
});
