import { describe, expect, it } from 'vitest';
import type { EquityPoint } from '@floor/db';
import { brierScore, calibrationBuckets, maxDrawdown, periodReturns, roundTrips, sharpeRatio, sortinoRatio, type FillForTrips } from './stats.js';

const USD = 1_000_000n;
const series = (...usd: number[]): EquityPoint[] => usd.map((u, i) => ({ tsMs: i * 1000, equityMicros: BigInt(Math.round(u * 1e6)) }));

describe('series statistics, against hand-computed values', () => {
  // 100 → 110 → 99 → 108.9 → 119.79: returns +10 %, −10 %, +10 %, +10 %
  const path = series(100, 110, 99, 108.9, 119.79);

  it('returns are simple period returns', () => {
    const r = periodReturns(path);
    expect(r).toHaveLength(4);
    r.forEach((x, i) => expect(x).toBeCloseTo([0.1, -0.1, 0.1, 0.1][i] as number, 12));
  });

  it('Sharpe = mean / sample std: 0.05 / 0.1 = 0.5', () => {
    // deviations 0.05, −0.15, 0.05, 0.05 → Σ² = 0.03, / (n − 1 = 3) = 0.01, std 0.1
    expect(sharpeRatio(periodReturns(path))).toBeCloseTo(0.5, 10);
  });

  it('Sortino = mean / downside deviation over all n: 0.05 / √(0.01 / 4) = 1', () => {
    expect(sortinoRatio(periodReturns(path))).toBeCloseTo(1, 10);
  });

  it('is undefined (null) without enough history or without dispersion / downside', () => {
    expect(sharpeRatio([0.1])).toBeNull();
    expect(sharpeRatio([0.02, 0.02, 0.02])).toBeNull();
    expect(sortinoRatio([0.01, 0.02])).toBeNull();
    expect(periodReturns(series(0, 10, 11))).toHaveLength(1); // no return from zero equity
  });

  it('max drawdown is the worst fall from a running peak: 110 → 99 = 10 %, $11', () => {
    const dd = maxDrawdown(path);
    expect(dd.fraction).toBeCloseTo(0.1, 12);
    expect(dd.micros).toBe(11n * USD);
    expect(dd.currentFraction).toBe(0); // 119.79 is a new peak
    const falling = maxDrawdown(series(200, 150, 180, 120));
    expect(falling.fraction).toBeCloseTo(0.4, 12);
    expect(falling.micros).toBe(80n * USD);
    expect(falling.currentFraction).toBeCloseTo(0.4, 12);
    expect(maxDrawdown([])).toEqual({ fraction: 0, micros: 0n, currentFraction: 0 });
  });
});

describe('round trips and win rate', () => {
  const fill = (tokenId: string, side: 'BUY' | 'SELL', size: number, realizedUsd: number, feeUsd = 0): FillForTrips => ({
    tokenId,
    side,
    sizeMicros: BigInt(size) * USD,
    realizedPnlMicros: BigInt(Math.round(realizedUsd * 1e6)),
    feeMicros: BigInt(Math.round(feeUsd * 1e6)),
  });

  it('counts flat-to-flat trips with fees, settlement included, open positions excluded', () => {
    const trips = roundTrips([
      fill('A', 'BUY', 10, 0, 0.1),
      fill('B', 'BUY', 5, 0, 0.05),
      fill('A', 'SELL', 10, 2, 0.1), // A: +2 − 0.2 fees = +1.80, a win
      fill('B', 'SELL', 2, -0.5),
      fill('C', 'BUY', 4, 0),
      fill('C', 'SELL', 4, 0.05, 0.06), // C: +0.05 − 0.06 = −0.01: fees turned it into a loss
      fill('B', 'SELL', 3, -1), // B settles: −1.5 − 0.05 = −1.55, a loss
      fill('D', 'BUY', 7, 0), // D: still open, not counted
    ]);
    expect(trips.closed).toBe(3);
    expect(trips.wins).toBe(1);
    expect(trips.winRate).toBeCloseTo(1 / 3, 12);
    expect(trips.pnlMicros).toBe(1_800_000n - 10_000n - 1_550_000n);
  });

  it('has no win rate before the first closed trip', () => {
    expect(roundTrips([fill('A', 'BUY', 1, 0)]).winRate).toBeNull();
  });
});

describe('forecast scores', () => {
  const forecasts = [
    { probability: 0.8, outcome: 1 as const }, // (0.2)² = 0.04
    { probability: 0.3, outcome: 0 as const }, // 0.09
    { probability: 0.6, outcome: 0 as const }, // 0.36
    { probability: 0.85, outcome: 0 as const }, // 0.7225
  ];

  it('Brier = mean squared error: (0.04 + 0.09 + 0.36 + 0.7225) / 4', () => {
    expect(brierScore(forecasts)).toBeCloseTo(1.2125 / 4, 12);
    expect(brierScore([])).toBeNull();
  });

  it('buckets forecasts by probability and reports the observed frequency', () => {
    expect(calibrationBuckets([...forecasts, { probability: 1, outcome: 1 }])).toEqual([
      { bucket: '0.3-0.4', count: 1, meanProbability: 0.3, observedFrequency: 0 },
      { bucket: '0.6-0.7', count: 1, meanProbability: 0.6, observedFrequency: 0 },
      { bucket: '0.8-0.9', count: 2, meanProbability: 0.825, observedFrequency: 0.5 },
      { bucket: '0.9-1.0', count: 1, meanProbability: 1, observedFrequency: 1 },
    ]);
  });
});
