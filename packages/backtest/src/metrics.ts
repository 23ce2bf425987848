/**
 * Performance statistics of an equity curve and a trade list. Pure functions. Money stays bigint micros;
 * ratios (returns, Sharpe, Sortino, win rate) are numbers, derived once at this edge.
 */

const YEAR_MS = 365 * 86_400_000;

/** Simple returns between consecutive equity samples: e[i] / e[i−1] − 1 (a sample at or below zero ends the series). */
export function periodReturns(equityMicros: readonly bigint[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equityMicros.length; i += 1) {
    const prev = equityMicros[i - 1] as bigint;
    if (prev <= 0n) break;
    out.push(Number((equityMicros[i] as bigint) - prev) / Number(prev));
  }
  return out;
}

/** Periods in a year, for annualising: prediction markets trade every day, so a year is 365 days. */
export function periodsPerYear(periodMs: number): number {
  return YEAR_MS / periodMs;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Annualised Sharpe ratio of per-period returns (risk-free rate 0): mean / sample standard deviation × √(periods
 * per year). Null with fewer than two returns or no variation.
 */
export function sharpeRatio(returns: readonly number[], periodMs: number): number | null {
  if (returns.length < 2) return null;
  const m = mean(returns);
  const variance = returns.reduce((s, r) => s + (r - m) ** 2, 0) / (returns.length - 1);
  if (!(variance > 0)) return null;
  return (m / Math.sqrt(variance)) * Math.sqrt(periodsPerYear(periodMs));
}

/**
 * Annualised Sortino ratio: mean / downside deviation × √(periods per year), where the downside deviation is
 * √(Σ min(r, 0)² / n) (target return 0). Null with fewer than two returns or no losing period.
 */
export function sortinoRatio(returns: readonly number[], periodMs: number): number | null {
  if (returns.length < 2) return null;
  const downside = returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / returns.length;
  if (!(downside > 0)) return null;
  return (mean(returns) / Math.sqrt(downside)) * Math.sqrt(periodsPerYear(periodMs));
}

/** Tracks the running peak of an equity series and the deepest fall from it. Feed it every mark. */
export class DrawdownTracker {
  private peak: bigint | undefined;
  private maxMicros = 0n;
  /** the deepest drawdown as a fraction of the peak it fell from */
  private maxFraction = 0;

  observe(equityMicros: bigint): void {
    if (this.peak === undefined || equityMicros > this.peak) this.peak = equityMicros;
    const drawdown = this.peak - equityMicros;
    if (drawdown > this.maxMicros) this.maxMicros = drawdown;
    if (this.peak > 0n) {
      const fraction = Number(drawdown) / Number(this.peak);
      if (fraction > this.maxFraction) this.maxFraction = fraction;
    }
  }

  result(): { readonly maxDrawdownMicros: bigint; readonly maxDrawdownFraction: number } {
    return { maxDrawdownMicros: this.maxMicros, maxDrawdownFraction: this.maxFraction };
  }
}

/** A position from flat to flat in one token: its PnL is the realized PnL of its fills minus their fees. */
export interface RoundTrip {
  readonly tokenId: string;
  readonly marketId: string;
  readonly openedAtMs: number;
  readonly closedAtMs: number;
  readonly pnlMicros: bigint;
  /** closed by a settlement at resolution rather than a sale */
  readonly settled: boolean;
}

export interface RoundTripStats {
  readonly closed: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / closed; null with no closed round trip */
  readonly winRate: number | null;
}

export function roundTripStats(trips: readonly RoundTrip[]): RoundTripStats {
  const wins = trips.filter((t) => t.pnlMicros > 0n).length;
  const losses = trips.filter((t) => t.pnlMicros < 0n).length;
  return { closed: trips.length, wins, losses, winRate: trips.length === 0 ? null : wins / trips.length };
}
