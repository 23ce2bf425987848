import { divRound, type PriceMicros, type SharesMicros, type UsdMicros, MICROS_PER_UNIT } from './units.js';

/**
 * A market's fee schedule, as Gamma's `feeSchedule` gives it: taker-only, probability-weighted.
 * `rateMicros` is the rate in millionths (0.04 → 40_000). Exponent 1 in every observed schedule.
 */
export interface FeeSchedule {
  readonly rateMicros: bigint;
  readonly exponent: number;
  readonly takerOnly: boolean;
}

export const NO_FEES: FeeSchedule = { rateMicros: 0n, exponent: 1, takerOnly: true };

/** Polymarket's smallest fee step: fees are computed in USDC and rounded to 5 decimal places. */
export const FEE_STEP_MICROS = 10n;

/**
 * Taker fee for a fill: `shares × rate × (p × (1 − p))^exponent`, rounded half-up to 5 decimals
 * (10 micros), and never rounded to zero when the exact fee is positive.
 */
export function takerFeeMicros(schedule: FeeSchedule, price: PriceMicros, size: SharesMicros): UsdMicros {
  if (schedule.rateMicros === 0n || size === 0n) return 0n;
  const u = MICROS_PER_UNIT;
  let weight = price * (u - price); // scaled by u^2
  let scale = u * u;
  for (let i = 1; i < schedule.exponent; i += 1) {
    weight *= price * (u - price);
    scale *= u * u;
  }
  // fee (micros) = size(µ) × rate(µ)/u × weight/scale
  const numerator = size * schedule.rateMicros * weight;
  const denominator = u * scale;
  const exactSteps = divRound(numerator, denominator * FEE_STEP_MICROS, 'halfUp');
  if (exactSteps === 0n && numerator > 0n) return FEE_STEP_MICROS;
  return exactSteps * FEE_STEP_MICROS;
}
