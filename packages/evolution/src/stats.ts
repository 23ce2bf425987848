/**
 * Sharpe statistics for deciding who wins, after Bailey & López de Prado:
 * - "The Sharpe Ratio Efficient Frontier" (2012): the Probabilistic Sharpe Ratio,
 * - "The Deflated Sharpe Ratio" (2014): the PSR against the Sharpe the best of N no-skill trials would show.
 *
 * Returns are per closed trade (pnl / capital the trade put at risk), so the Sharpe here is per trade, not
 * annualised; it is compared only with other per-trade Sharpes. Statistics are floats: they are estimates,
 * not money.
 */

export const EULER_MASCHERONI = 0.5772156649015329;

export interface ReturnMoments {
  readonly n: number;
  readonly mean: number;
  /** sample standard deviation (n − 1) */
  readonly std: number;
  /** skewness γ3 (population estimator) */
  readonly skew: number;
  /** kurtosis γ4, not excess: 3 for a normal distribution (population estimator) */
  readonly kurtosis: number;
}

/** Moments of a return series. With fewer than two points, or no dispersion, std is 0 and skew 0, kurtosis 3. */
export function returnMoments(returns: readonly number[]): ReturnMoments {
  const n = returns.length;
  if (n === 0) return { n, mean: 0, std: 0, skew: 0, kurtosis: 3 };
  const mean = returns.reduce((s, r) => s + r, 0) / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const r of returns) {
    const d = r - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (n < 2 || m2 === 0) return { n, mean, std: 0, skew: 0, kurtosis: 3 };
  return { n, mean, std: Math.sqrt((m2 * n) / (n - 1)), skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** mean / std; 0 without dispersion (a record with no variance proves nothing either way). */
export function sharpeRatio(m: ReturnMoments): number {
  return m.std > 0 ? m.mean / m.std : 0;
}

/**
 * PSR(SR*) = Φ( (SR − SR*) √(n − 1) / √(1 − γ3 SR + (γ4 − 1)/4 SR²) ): the probability that the true Sharpe
 * exceeds `benchmark`, given the observed Sharpe, the number of observations and the shape of the returns.
 * Negative skew and fat tails widen the estimate's error and lower the PSR. Undefined below two observations:
 * returns 0.5 then (no information).
 */
export function probabilisticSharpe(m: ReturnMoments, benchmark = 0): number {
  if (m.n < 2) return 0.5;
  const sr = sharpeRatio(m);
  return normalCdf(((sr - benchmark) * Math.sqrt(m.n - 1)) / sharpeErrorScale(sr, m));
}

/**
 * √(1 − γ3 SR + (γ4 − 1)/4 SR²). For any distribution γ4 ≥ 1 + γ3², so the radicand is ≥ (1 − γ3 SR / 2)² ≥ 0;
 * the floor only guards a degenerate sample.
 */
function sharpeErrorScale(sr: number, m: ReturnMoments): number {
  return Math.sqrt(Math.max(1e-12, 1 - m.skew * sr + ((m.kurtosis - 1) / 4) * sr * sr));
}

/**
 * E[max of N trials' Sharpes] when none has skill: √V × ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e))), with V the
 * variance of the trials' Sharpes and γ the Euler–Mascheroni constant. 0 for a single trial.
 */
export function expectedMaxSharpe(trials: number, sharpeVariance: number): number {
  if (trials <= 1 || sharpeVariance <= 0) return 0;
  const g = EULER_MASCHERONI;
  return Math.sqrt(sharpeVariance) * ((1 - g) * normalInv(1 - 1 / trials) + g * normalInv(1 - 1 / (trials * Math.E)));
}

export interface Trials {
  /** how many strategy variants were tried, the live ones and the retired ones: the multiple-testing count */
  readonly count: number;
  /** variance of their (per-trade) Sharpes */
  readonly sharpeVariance: number;
}

/** DSR = PSR(E[max Sharpe of the trials]): the PSR deflated for having picked the best of many. */
export function deflatedSharpe(m: ReturnMoments, trials: Trials): { readonly dsr: number; readonly benchmark: number } {
  const benchmark = expectedMaxSharpe(trials.count, trials.sharpeVariance);
  return { dsr: probabilisticSharpe(m, benchmark), benchmark };
}

/**
 * The trials behind a selection: the Sharpes of every agent tried, plus `extraTrials` tried without a usable
 * record. With fewer than two Sharpes there is no spread to measure, so the variance falls back to that of a
 * no-skill Sharpe estimate over `typicalTrades` observations, 1 / (n − 1).
 */
export function trialsFrom(sharpes: readonly number[], typicalTrades: number, extraTrials = 0): Trials {
  const count = sharpes.length + extraTrials;
  if (sharpes.length < 2) return { count, sharpeVariance: typicalTrades > 1 ? 1 / (typicalTrades - 1) : 0 };
  const mean = sharpes.reduce((s, x) => s + x, 0) / sharpes.length;
  const variance = sharpes.reduce((s, x) => s + (x - mean) ** 2, 0) / (sharpes.length - 1);
  return { count, sharpeVariance: variance };
}

// ---------------------------------------------------------------------------------------------- the normal

/**
 * Φ(x), the standard normal CDF, via erfc (Numerical Recipes' Chebyshev fit, |relative error| < 1.2e-7).
 */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ⁻¹(p), Acklam's rational approximation (|relative error| < 1.2e-9). */
export function normalInv(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`not a probability in (0, 1): ${p}`);
  }
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}
