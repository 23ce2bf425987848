import { describe, expect, it } from 'vitest';
import { NO_FEES, type FeeSchedule } from '@floor/domain';
import { edgeAfterFeeMicros, feePerShareMicros, probabilityToMicros, sizeBinaryTrade, sizeOutcomeBuy, type SizingLimits } from './sizing.js';

const FEE_2PCT: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
const limits: SizingLimits = { minEdgeBps: 500, kellyFraction: 0.25, capitalMicros: 1_000_000_000n }; // $1000

describe('edge', () => {
  it('is q − p − fee per share, in micros', () => {
    // fee at 0.55 with a 2% rate: 0.02 × 0.55 × 0.45 = $0.00495 per share
    expect(feePerShareMicros(FEE_2PCT, 550_000n)).toBe(4_950n);
    expect(edgeAfterFeeMicros(600_000n, 550_000n, FEE_2PCT)).toBe(45_050n);
    expect(edgeAfterFeeMicros(600_000n, 550_000n, NO_FEES)).toBe(50_000n);
  });
});

describe('sizeOutcomeBuy at and around the minimum edge', () => {
  const buyYes = (probability: number, minEdgeBps: number, fee: FeeSchedule = NO_FEES) =>
    sizeOutcomeBuy({ outcome: 'YES', probability, priceMicros: 550_000n, fee, limits: { ...limits, minEdgeBps } });

  it('trades at exactly the minimum edge', () => {
    expect(buyYes(0.6, 500)).toMatchObject({ outcome: 'YES', edgeBps: 500 });
  });

  it('does not trade a micro below it, or with a higher minimum', () => {
    expect(buyYes(0.599_999, 500)).toBeUndefined();
    expect(buyYes(0.6, 501)).toBeUndefined();
  });

  it('counts the taker fee against the edge', () => {
    // 500 bps gross, 450.5 bps net of the 2% fee
    expect(buyYes(0.6, 450, FEE_2PCT)).toMatchObject({ edgeBps: 450.5 });
    expect(buyYes(0.6, 451, FEE_2PCT)).toBeUndefined();
  });

  it('stakes kellyFraction × (q − p)/(1 − p) of capital, in whole 0.01-share steps', () => {
    const trade = buyYes(0.6, 500);
    // f* = 0.05 / 0.45 = 0.1111; a quarter of it is $27.777777; at 0.55 that is 50.505 shares → 50.50
    expect(trade?.stakeFraction).toBeCloseTo(0.027_777, 6);
    expect(trade?.sizeMicros).toBe(50_500_000n);
    expect(trade?.costMicros).toBe(27_775_000n);
    expect(trade?.priceMicros).toBe(550_000n);
  });

  it('never spends more than the capital, fee included, even at full Kelly on a sure thing', () => {
    const capitalMicros = 100_000_000n;
    const trade = sizeOutcomeBuy({
      outcome: 'YES',
      probability: 1,
      priceMicros: 500_000n,
      fee: FEE_2PCT,
      limits: { minEdgeBps: 0, kellyFraction: 1, capitalMicros },
    });
    expect(trade).toBeDefined();
    expect(trade?.costMicros).toBeLessThanOrEqual(capitalMicros);
    expect(trade?.costMicros).toBeGreaterThan(capitalMicros - 1_000_000n);
  });

  it('returns nothing below the market minimum order, without capital, or at an untradeable price', () => {
    const small = { ...limits, capitalMicros: 10_000_000n, minOrderSizeMicros: 5_000_000n }; // $10 → 0.5 share
    expect(sizeOutcomeBuy({ outcome: 'YES', probability: 0.6, priceMicros: 550_000n, fee: NO_FEES, limits: small })).toBeUndefined();
    expect(sizeOutcomeBuy({ outcome: 'YES', probability: 0.6, priceMicros: 550_000n, fee: NO_FEES, limits: { ...limits, capitalMicros: 0n } })).toBeUndefined();
    expect(sizeOutcomeBuy({ outcome: 'YES', probability: 1, priceMicros: 1_000_000n, fee: NO_FEES, limits })).toBeUndefined();
    expect(sizeOutcomeBuy({ outcome: 'YES', probability: 0.5, priceMicros: 0n, fee: NO_FEES, limits })).toBeUndefined();
  });
});

describe('sizeBinaryTrade', () => {
  it('buys NO when the model thinks YES is overpriced', () => {
    const trade = sizeBinaryTrade({ probabilityYes: 0.3, yesAskMicros: 400_000n, noAskMicros: 620_000n, fee: NO_FEES, limits });
    expect(trade).toMatchObject({ outcome: 'NO', priceMicros: 620_000n, edgeBps: 800 });
  });

  it('buys YES when YES is cheap, and nothing inside the minimum edge', () => {
    expect(sizeBinaryTrade({ probabilityYes: 0.7, yesAskMicros: 600_000n, noAskMicros: 420_000n, fee: NO_FEES, limits })).toMatchObject({ outcome: 'YES' });
    expect(sizeBinaryTrade({ probabilityYes: 0.62, yesAskMicros: 600_000n, noAskMicros: 420_000n, fee: NO_FEES, limits })).toBeUndefined();
  });

  it('skips a side with no ask', () => {
    expect(sizeBinaryTrade({ probabilityYes: 0.3, yesAskMicros: 400_000n, noAskMicros: undefined, fee: NO_FEES, limits })).toBeUndefined();
  });
});

describe('probabilityToMicros', () => {
  it('rounds to the nearest micro and clamps to [0, 1]', () => {
    expect(probabilityToMicros(0.123_456_7)).toBe(123_457n);
    expect(probabilityToMicros(1.2)).toBe(1_000_000n);
    expect(() => probabilityToMicros(Number.NaN)).toThrow(RangeError);
  });
});
