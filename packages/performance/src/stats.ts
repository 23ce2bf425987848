import type { EquityPoint } from '@floor/db';

/**
 * Risk-adjusted performance statistics, pure: an equity series or a list of fills in, numbers out.
 *
 * Returns are simple returns between consecutive equity snapshots, so Sharpe and Sortino are *per snapshot
 * interval*, not annualised: compare them only between agents measured on the same interval (they all are: one
 * monitor writes every series). Ratios are floats (estimates, not money); amounts stay bigint micros.
 */

/** Simple returns E[i]/E[i−1] − 1. A step from zero or negative equity has no return and is skipped. */
export function periodReturns(series: readonly EquityPoint[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < series.length; i += 1) {
    const prev = (series[i - 1] as EquityPoint).equityMicros;
    const cur = (series[i] as EquityPoint).equityMicros;
    if (prev <= 0n) continue;
    out.push(Number(cur - prev) / Number(prev));
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * mean / sample standard deviation (n − 1). Null below two returns or without dispersion: a flat record says
 * nothing about risk-adjusted skill, and 0 would read as "no edge" on a leaderboard.
 */
export function sharpeRatio(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const m = mean(returns);
  const variance = returns.reduce((s, r) => s + (r - m) ** 2, 0) / (returns.length - 1);
  return variance > 0 ? m / Math.sqrt(variance) : null;
}

/**
 * mean(r − target) / downside deviation, with downside deviation = √( Σ min(0, r − target)² / n ) over ALL n
 * returns (Sortino & Price's definition; dividing by the count of losing periods only would overstate risk).
 * Null below two returns or when no period fell below the target (the ratio is unbounded then).
 */
export function sortinoRatio(returns: readonly number[], target = 0): number | null {
  if (returns.length < 2) return null;
  const downside = returns.reduce((s, r) => s + Math.min(0, r - target) ** 2, 0) / returns.length;
  return downside > 0 ? (mean(returns) - target) / Math.sqrt(downside) : null;
}

export interface Drawdown {
  /** the largest peak-to-trough fall as a fraction of the peak, 0 … 1 (0 for a series that never fell) */
  readonly fraction: number;
  /** that fall in micros */
  readonly micros: bigint;
  /** the current fall from the running peak, as a fraction */
  readonly currentFraction: number;
}

/** Maximum drawdown of an equity series: the worst fall from a running peak, measured against that peak. */
export function maxDrawdown(series: readonly EquityPoint[]): Drawdown {
  let peak: bigint | undefined;
  let worst = 0;
  let worstMicros = 0n;
  let current = 0;
  for (const { equityMicros } of series) {
    if (peak === undefined || equityMicros > peak) peak = equityMicros;
    const fall = peak - equityMicros;
    current = peak > 0n ? Number(fall) / Number(peak) : 0;
    if (current > worst) {
      worst = current;
      worstMicros = fall;
    }
  }
  return { fraction: worst, micros: worstMicros, currentFraction: current };
}

/** A fill as round-trip accounting needs it (a trade or a settlement), in commit order. */
export interface FillForTrips {
  readonly tokenId: string;
  readonly side: 'BUY' | 'SELL';
  readonly sizeMicros: bigint;
  readonly feeMicros: bigint;
  readonly realizedPnlMicros: bigint;
}

export interface RoundTrips {
  /** positions opened from flat and brought back to flat (by sells or by settlement) */
  readonly closed: number;
  /** closed trips whose PnL after fees (entry and exit fees both) is above zero */
  readonly wins: number;
  /** wins / closed; null before the first closed trip */
  readonly winRate: number | null;
  /** sum of the closed trips' PnL after fees */
  readonly pnlMicros: bigint;
}

/**
 * Round trips per token: a trip starts when a position leaves zero and closes when it is back at zero. Its PnL is
 * the realized PnL of its fills minus every fee paid along the way, so a trade that "won" by less than its fees
 * is a loss. Fills must be in commit order (`seq`); positions still open are not counted.
 */
export function roundTrips(fills: Iterable<FillForTrips>): RoundTrips {
  const open = new Map<string, { size: bigint; pnl: bigint }>();
  let closed = 0;
  let wins = 0;
  let pnlMicros = 0n;
  for (const f of fills) {
    const trip = open.get(f.tokenId) ?? { size: 0n, pnl: 0n };
    trip.size += f.side === 'BUY' ? f.sizeMicros : -f.sizeMicros;
    trip.pnl += f.realizedPnlMicros - f.feeMicros;
    if (trip.size === 0n) {
      closed += 1;
      if (trip.pnl > 0n) wins += 1;
      pnlMicros += trip.pnl;
      open.delete(f.tokenId);
    } else {
      open.set(f.tokenId, trip);
    }
  }
  return { closed, wins, winRate: closed > 0 ? wins / closed : null, pnlMicros };
}

/** A forecast of P(YES) and what happened: 1 = YES won. */
export interface ResolvedForecast {
  readonly probability: number;
  readonly outcome: 0 | 1;
}

/** Mean squared error of the probabilities against the outcomes; 0 is perfect, 0.25 is a coin flip. Null if none. */
export function brierScore(forecasts: readonly ResolvedForecast[]): number | null {
  if (forecasts.length === 0) return null;
  return mean(forecasts.map((f) => (f.probability - f.outcome) ** 2));
}

export interface CalibrationBucket {
  /** the bucket's range as a label: "0.0-0.1" … "0.9-1.0" */
  readonly bucket: string;
  readonly count: number;
  /** mean forecast probability in the bucket */
  readonly meanProbability: number;
  /** share of the bucket's forecasts whose market resolved YES */
  readonly observedFrequency: number;
}

/**
 * Reliability diagram data: forecasts grouped into `buckets` equal-width probability bins ([0, 0.1), …, [0.9, 1]);
 * a calibrated forecaster's observed frequency matches its mean probability in every bin. Empty bins are left out.
 */
export function calibrationBuckets(forecasts: readonly ResolvedForecast[], buckets = 10): CalibrationBucket[] {
  const bins = Array.from({ length: buckets }, () => ({ n: 0, p: 0, yes: 0 }));
  for (const f of forecasts) {
    const bin = bins[Math.min(buckets - 1, Math.floor(f.probability * buckets))] as { n: number; p: number; yes: number };
    bin.n += 1;
    bin.p += f.probability;
    bin.yes += f.outcome;
  }
  const edge = (i: number) => (i / buckets).toFixed(1);
  return bins.flatMap((b, i) =>
    b.n === 0 ? [] : [{ bucket: `${edge(i)}-${edge(i + 1)}`, count: b.n, meanProbability: b.p / b.n, observedFrequency: b.yes / b.n }],
  );
}
