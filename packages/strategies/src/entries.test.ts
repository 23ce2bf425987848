import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notionalMicros, takerFeeMicros, type FeeSchedule } from '@floor/domain';
import { buyAtAsk, largestLotSize, SHARE_LOT_MICROS, sharesForBudget, updateStaleTokens } from './entries.js';
import { bookEvent, FakeWorld, marketInfo, NO, T0_MS, YES } from './test-support.js';

const FEE_2PCT: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };

describe('sharesForBudget', () => {
  it('is budget / price floored to 0.01 share, without fees', () => {
    expect(sharesForBudget(25_000_000n, 490_000n, { ...FEE_2PCT, rateMicros: 0n })).toBe(51_020_000n);
  });

  it('leaves room for the taker fee', () => {
    const shares = sharesForBudget(25_000_000n, 490_000n, FEE_2PCT);
    expect(shares).toBeLessThan(51_020_000n);
    expect(notionalMicros(490_000n, shares, 'ceil') + takerFeeMicros(FEE_2PCT, 490_000n, shares)).toBeLessThanOrEqual(25_000_000n);
  });

  it('never spends more than the budget, fee included, and leaves less than one more lot would cost', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000_000n }),
        fc.bigInt({ min: 1_000n, max: 999_000n }),
        fc.bigInt({ min: 0n, max: 200_000n }),
        (budget, price, rate) => {
          const fee: FeeSchedule = { rateMicros: rate, exponent: 1, takerOnly: true };
          const shares = sharesForBudget(budget, price, fee);
          const spent = notionalMicros(price, shares, 'ceil') + takerFeeMicros(fee, price, shares);
          expect(spent).toBeLessThanOrEqual(budget);
          expect(shares % SHARE_LOT_MICROS).toBe(0n);
          const oneMore = shares + SHARE_LOT_MICROS;
          expect(notionalMicros(price, oneMore, 'ceil') + takerFeeMicros(fee, price, oneMore)).toBeGreaterThan(budget);
        },
      ),
    );
  });
});

describe('largestLotSize', () => {
  it('finds the last lot for which a monotone check holds', () => {
    expect(largestLotSize(1_000_000n, (size) => size <= 123_456n)).toBe(120_000n);
    expect(largestLotSize(1_000_000n, () => true)).toBe(1_000_000n);
    expect(largestLotSize(1_000_000n, () => false)).toBe(0n);
    expect(largestLotSize(9_999n, () => true)).toBe(0n);
  });
});

describe('buyAtAsk', () => {
  const market = marketInfo();
  const book = bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros: 480_000n }); // ask 0.49

  it('buys at the best ask for the stake', () => {
    const intent = buyAtAsk(new FakeWorld().context({}), market, book, 25_000_000n, 'why');
    expect(intent).toEqual({
      marketId: market.marketId,
      tokenId: YES,
      side: 'BUY',
      limitPriceMicros: 490_000n,
      sizeMicros: 51_020_000n,
      orderType: 'FAK',
      reason: 'why',
    });
  });

  it('caps the stake at the cash available', () => {
    const world = new FakeWorld();
    world.cashMicros = 4_900_000n;
    expect(buyAtAsk(world.context({}), market, book, 25_000_000n, 'why')?.sizeMicros).toBe(10_000_000n);
  });

  it('skips an order below the market minimum size', () => {
    const world = new FakeWorld();
    world.cashMicros = 2_000_000n; // 4.08 shares < 5
    expect(buyAtAsk(world.context({}), market, book, 25_000_000n, 'why')).toBeUndefined();
  });
});

describe('updateStaleTokens', () => {
  it('adds a token on a stale book and drops it on the next fresh one', () => {
    const stale = updateStaleTokens([NO], bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros: 500_000n, stale: true }));
    expect(stale).toEqual([NO, YES]);
    expect(updateStaleTokens(stale, bookEvent({ tokenId: NO, tsMs: T0_MS, midMicros: 500_000n }))).toEqual([YES]);
  });
});
