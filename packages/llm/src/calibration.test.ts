import { describe, expect, it } from 'vitest';
import {
  brierScore,
  calibrate,
  calibrationTable,
  currentCalibration,
  fitPlatt,
  logit,
  sigmoid,
  type CalibrationSample,
} from './calibration.js';

/** mulberry32: a tiny seeded PRNG, so the synthetic data is the same on every run */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Forecasts whose true probability is σ(a·logit(p) + b), with outcomes drawn from it. */
function synthetic(n: number, truth: { a: number; b: number }, seed: number): CalibrationSample[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const probability = sigmoid(-3 + 6 * random());
    const outcome = random() < sigmoid(truth.a * logit(probability) + truth.b) ? 1 : 0;
    return { probability, outcome };
  });
}

describe('calibrate', () => {
  it('shrinks extreme probabilities toward 0.5 with the default-like a < 1', () => {
    const params = { a: 0.8, b: 0 };
    expect(calibrate(0.95, params)).toBeLessThan(0.95);
    expect(calibrate(0.95, params)).toBeGreaterThan(0.5);
    expect(calibrate(0.05, params)).toBeGreaterThan(0.05);
    expect(calibrate(0.5, params)).toBeCloseTo(0.5, 12);
    expect(calibrate(0.95, params)).toBeCloseTo(1 - calibrate(0.05, params), 12); // symmetric when b = 0
  });

  it('keeps 0 and 1 finite', () => {
    expect(calibrate(1, { a: 0.8, b: 0 })).toBeLessThan(1);
    expect(calibrate(0, { a: 0.8, b: 0 })).toBeGreaterThan(0);
  });
});

describe('fitPlatt', () => {
  it('recovers known (a, b) from synthetic forecasts', () => {
    const truth = { a: 0.6, b: 0.3 };
    const fit = fitPlatt(synthetic(20_000, truth, 7), { minSamples: 50, l2: 1, prior: { a: 1, b: 0 } });

    expect(fit?.converged).toBe(true);
    expect(fit?.a).toBeCloseTo(truth.a, 1);
    expect(fit?.b).toBeCloseTo(truth.b, 1);
    expect(Math.abs((fit?.a ?? 0) - truth.a)).toBeLessThan(0.05);
    expect(Math.abs((fit?.b ?? 0) - truth.b)).toBeLessThan(0.05);
  });

  it('is deterministic', () => {
    const samples = synthetic(500, { a: 1.2, b: -0.2 }, 3);
    const options = { minSamples: 50, l2: 1, prior: { a: 0.8, b: 0 } };
    expect(fitPlatt(samples, options)).toEqual(fitPlatt(samples, options));
  });

  it('waits for minSamples, and a strong penalty keeps the fit at the prior', () => {
    const samples = synthetic(40, { a: 0.5, b: 1 }, 11);
    expect(fitPlatt(samples, { minSamples: 50, l2: 1, prior: { a: 0.8, b: 0 } })).toBeUndefined();

    const pinned = fitPlatt(samples, { minSamples: 10, l2: 1e9, prior: { a: 0.8, b: 0 } });
    expect(pinned?.a).toBeCloseTo(0.8, 4);
    expect(pinned?.b).toBeCloseTo(0, 4);
  });

  it('stays finite on perfectly separable outcomes (the penalty bounds it)', () => {
    const samples: CalibrationSample[] = Array.from({ length: 60 }, (_, i) => ({
      probability: i < 30 ? 0.2 : 0.8,
      outcome: i < 30 ? 0 : 1,
    }));
    const fit = fitPlatt(samples, { minSamples: 50, l2: 1, prior: { a: 1, b: 0 } });
    expect(fit?.converged).toBe(true);
    expect(Number.isFinite(fit?.a)).toBe(true);
    expect(fit?.a).toBeGreaterThan(1);
  });
});

describe('currentCalibration', () => {
  const config = { a: 0.8, b: 0, minSamples: 100, l2: 1 };
  it('uses the config until there are enough samples, then the fit', () => {
    expect(currentCalibration(synthetic(99, { a: 1, b: 0 }, 5), config)).toMatchObject({ source: 'config', a: 0.8 });
    expect(currentCalibration(synthetic(5_000, { a: 1, b: 0 }, 5), config)).toMatchObject({ source: 'fitted', samples: 5_000 });
  });
});

describe('brierScore and calibrationTable', () => {
  const samples: CalibrationSample[] = [
    { probability: 0.9, outcome: 1 },
    { probability: 0.8, outcome: 0 },
    { probability: 0.1, outcome: 0 },
    { probability: 1, outcome: 1 },
  ];

  it('scores the mean squared error', () => {
    expect(brierScore(samples)).toBeCloseTo((0.01 + 0.64 + 0.01 + 0) / 4, 12);
    expect(brierScore([])).toBeNaN();
  });

  it('buckets forecasts with the mean forecast and the observed YES rate', () => {
    const table = calibrationTable(samples, 5);
    expect(table).toHaveLength(5);
    expect(table[0]).toMatchObject({ from: 0, to: 0.2, count: 1, observedRate: 0 });
    expect(table[4]).toMatchObject({ count: 3 }); // 0.8, 0.9 and 1 (the last bucket includes 1)
    expect(table[4]?.meanProbability).toBeCloseTo(0.9, 12);
    expect(table[4]?.observedRate).toBeCloseTo(2 / 3, 12);
    expect(table[2]?.count).toBe(0);
    expect(table[2]?.observedRate).toBeNaN();
  });
});
