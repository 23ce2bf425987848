import { describe, expect, it } from 'vitest';
import { deflatedSharpe, expectedMaxSharpe, normalCdf, normalInv, probabilisticSharpe, returnMoments, sharpeRatio, trialsFrom, type ReturnMoments } from './stats.js';

describe('the normal distribution', () => {
  it('matches reference values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7); // the erfc fit is good to ~1e-7
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-3.2)).toBeCloseTo(0.000687138, 7);
    expect(normalInv(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalInv(1e-6)).toBeCloseTo(-4.753424, 5);
    expect(normalInv(0.5)).toBeCloseTo(0, 9);
  });
});

describe('moments and Sharpe', () => {
  // reference values from scipy: std ddof=1, skew and kurtosis (fisher=False) biased
  const returns = [0.02, -0.01, 0.03, 0.015, -0.005, 0.01, 0.025, -0.02, 0.005, 0.012];

  it('computes mean, sample std, skew and (non-excess) kurtosis', () => {
    const m = returnMoments(returns);
    expect(m.n).toBe(10);
    expect(m.mean).toBeCloseTo(0.0082, 12);
    expect(m.std).toBeCloseTo(0.0158871016865884, 12);
    expect(m.skew).toBeCloseTo(-0.39918726283113537, 10);
    expect(m.kurtosis).toBeCloseTo(2.1314204090342375, 10);
    expect(sharpeRatio(m)).toBeCloseTo(0.5161419723852017, 10);
  });

  it('PSR by hand: Φ((SR − SR*) √(n − 1) / √(1 − γ3 SR + (γ4 − 1)/4 SR²))', () => {
    const m = returnMoments(returns);
    // SR = 0.516142, γ3 = −0.399187, γ4 = 2.131420: radicand 1 + 0.206039 + 0.075358 = 1.281397
    // SR* = 0: z = 0.516142 × 3 / 1.131988 = 1.367877 → Φ = 0.914326
    expect(probabilisticSharpe(m, 0)).toBeCloseTo(0.914326, 5);
    // SR* = 0.1: z = 0.416142 × 3 / 1.131988 = 1.102849 → Φ = 0.864957
    expect(probabilisticSharpe(m, 0.1)).toBeCloseTo(0.864957, 5);
  });

  it('penalises negative skew and fat tails at the same Sharpe', () => {
    const normal: ReturnMoments = { n: 101, mean: 0.1, std: 1, skew: 0, kurtosis: 3 };
    // radicand 1 + 0.5 × 0.01 = 1.005: z = 0.1 × 10 / 1.002497 = 0.997509 → 0.840740
    expect(probabilisticSharpe(normal, 0)).toBeCloseTo(0.84074, 5);
    expect(probabilisticSharpe({ ...normal, skew: -2, kurtosis: 12 }, 0)).toBeLessThan(probabilisticSharpe(normal, 0));
  });

  it('has no opinion without dispersion or data', () => {
    expect(sharpeRatio(returnMoments([0.01, 0.01, 0.01]))).toBe(0);
    expect(probabilisticSharpe(returnMoments([0.01]), 0)).toBe(0.5);
  });
});

describe('Deflated Sharpe Ratio', () => {
  it("reproduces the paper's numerical example (Bailey & López de Prado 2014)", () => {
    // annualised SR 2.5 over 1250 daily returns, γ3 = −3, γ4 = 10; 100 trials with V[SR] = ½ annualised
    const m: ReturnMoments = { n: 1_250, mean: 2.5 / Math.sqrt(250), std: 1, skew: -3, kurtosis: 10 };
    const { dsr, benchmark } = deflatedSharpe(m, { count: 100, sharpeVariance: 0.5 / 250 });
    expect(benchmark).toBeCloseTo(0.113172, 5); // the paper's SR*₀ ≈ 0.1132
    expect(dsr).toBeCloseTo(0.9004, 3); // the paper's DSR ≈ 0.9004
  });

  it('equals the PSR against 0 for a single trial and falls as trials grow', () => {
    const m: ReturnMoments = { n: 200, mean: 0.15, std: 1, skew: 0, kurtosis: 3 };
    expect(deflatedSharpe(m, { count: 1, sharpeVariance: 0.005 }).dsr).toBeCloseTo(probabilisticSharpe(m, 0), 12);
    const few = deflatedSharpe(m, { count: 5, sharpeVariance: 0.005 }).dsr;
    const many = deflatedSharpe(m, { count: 500, sharpeVariance: 0.005 }).dsr;
    expect(many).toBeLessThan(few);
  });

  it('expected max Sharpe: √V × ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))', () => {
    // N = 10, V = 1: 0.422784 × Φ⁻¹(0.9) + 0.577216 × Φ⁻¹(0.963212) = 0.422784 × 1.281552 + 0.577216 × 1.789231
    expect(expectedMaxSharpe(10, 1)).toBeCloseTo(1.574598, 5);
    expect(expectedMaxSharpe(10, 4)).toBeCloseTo(2 * 1.574598, 5);
    expect(expectedMaxSharpe(1, 1)).toBe(0);
  });

  it('trials: the sample variance of the Sharpes, or 1/(n − 1) without a spread to measure', () => {
    expect(trialsFrom([0.1, 0.3], 50)).toEqual({ count: 2, sharpeVariance: expect.closeTo(0.02, 12) });
    expect(trialsFrom([0.1], 51, 4)).toEqual({ count: 5, sharpeVariance: 0.02 });
  });
});
