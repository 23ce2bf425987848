import { numberToMicros, type FeeSchedule, type PriceMicros, type SharesMicros, type UsdMicros } from '@floor/domain';
import { DEFAULT_SIZE_STEP_MICROS, feePerShareMicros, orderCostMicros, sizeOutcomeBuy } from '@floor/llm/sizing';
import { shareOfMicros, type HeatConfig, type PreTradeLimits, type SizingConfig } from './config.js';

/**
 * How big an entry should be: fractional Kelly (the binary-contract Kelly of @floor/llm), scaled by
 * multipliers for forecast confidence, drawdown heat and time to resolution, then capped by the per-order and
 * per-agent limits the pre-trade engine enforces, so a size from here passes those checks.
 *
 *   stake = capital × kellyFraction × confidence × heat × time × (q − c)/(1 − c),  c = price + fee per share
 *   size  = min(stake, caps) / c, in whole 0.01-share steps
 *
 * The caps count the taker fee (the engine counts notional only), so a size from here is never denied by them.
 */

// ---------------------------------------------------------------------------------------------- heat

export interface Heat {
  /** drawdown from the high-water mark, in millionths (100_000 = 10 %) */
  readonly drawdownPpm: bigint;
  /** stake multiplier of the level reached (1 below the first level, 0 at the halt) */
  readonly multiplier: number;
  /** index of the level reached in `HeatConfig.levels`; -1 below the first; `levels.length` at the halt */
  readonly level: number;
  readonly halt: boolean;
}

/** Drawdown of `equity` from `peak` in millionths, rounded down; 0 when at or above the peak or without one. */
export function drawdownPpm(peakMicros: bigint, equityMicros: bigint): bigint {
  if (peakMicros <= 0n || equityMicros >= peakMicros) return 0n;
  return ((peakMicros - equityMicros) * 1_000_000n) / peakMicros;
}

/**
 * The heat of a drawdown. A level applies from exactly its drawdown on (10 % → half size at 10.0000 %).
 * Compared in integer millionths so "exactly at the level" means exactly.
 */
export function heatOf(peakMicros: bigint, equityMicros: bigint, config: HeatConfig): Heat {
  const dd = drawdownPpm(peakMicros, equityMicros);
  // exact test for "at or past the level": (peak − equity) × 1e6 ≥ level × peak, without the rounding of dd
  const reached = (fraction: number) => peakMicros > 0n && (peakMicros - equityMicros) * 1_000_000n >= numberToMicros(fraction) * peakMicros;
  if (reached(config.haltDrawdown)) return { drawdownPpm: dd, multiplier: 0, level: config.levels.length, halt: true };
  let level = -1;
  let multiplier = 1;
  config.levels.forEach((l, i) => {
    if (reached(l.drawdown)) {
      level = i;
      multiplier = l.multiplier;
    }
  });
  return { drawdownPpm: dd, multiplier, level, halt: false };
}

// ---------------------------------------------------------------------------------------------- multipliers

/** 0 below `minConfidence`, else the confidence itself (clamped to 1). */
export function confidenceMultiplier(confidence: number, config: SizingConfig): number {
  if (!Number.isFinite(confidence) || confidence < config.minConfidence) return 0;
  return Math.min(1, confidence);
}

/**
 * Capital locked until resolution earns nothing meanwhile: a market resolving within `fullSizeWithinMs` gets
 * the full stake, a later one `fullSizeWithinMs / timeToResolution` of it, never less than `minTimeMultiplier`.
 * A market past its end date (or without one, endDateMs = 0) gets the full stake: time is not the concern there.
 */
export function timeMultiplier(nowMs: number, endDateMs: number, config: SizingConfig): number {
  const leftMs = endDateMs - nowMs;
  if (endDateMs <= 0 || leftMs <= config.fullSizeWithinMs) return 1;
  return Math.max(config.minTimeMultiplier, config.fullSizeWithinMs / leftMs);
}

// ---------------------------------------------------------------------------------------------- sizing

export interface EntrySizingInput {
  /** calibrated probability that the token bought pays out */
  readonly probability: number;
  /** the forecast's confidence, 0..1 (1 for a strategy without a notion of confidence) */
  readonly confidence: number;
  /** price the entry would pay (its limit, usually the best ask) */
  readonly priceMicros: PriceMicros;
  readonly fee: FeeSchedule;
  readonly minOrderSizeMicros?: SharesMicros;
  readonly nowMs: number;
  /** the market's end date; 0 = unknown */
  readonly endDateMs: number;
  /** the agent's allotted capital: the base of its Kelly stake */
  readonly capitalMicros: UsdMicros;
  /** the floor's bankroll, which the per-trade and per-agent shares are taken of */
  readonly bankrollMicros: UsdMicros;
  /** cost basis of the agent's open positions */
  readonly agentDeployedMicros: UsdMicros;
  /** the floor's and the agent's heat multiplier and reduced sizing, combined (`breakerRestrictions().sizeMultiplier`) */
  readonly sizeMultiplier: number;
}

export type CapName = 'kelly' | 'maxStake' | 'tradeShare' | 'agentDeployed';

export type EntrySize =
  | {
      readonly ok: true;
      readonly sizeMicros: SharesMicros;
      /** notional (rounded up) + taker fee at `priceMicros` */
      readonly costMicros: UsdMicros;
      /** which bound set the size */
      readonly boundBy: CapName;
      readonly numbers: SizingNumbers;
    }
  | { readonly ok: false; readonly reason: string; readonly numbers: SizingNumbers };

export interface SizingNumbers {
  readonly kellyFraction: number;
  readonly confidenceMultiplier: number;
  readonly timeMultiplier: number;
  readonly sizeMultiplier: number;
  /** kellyFraction × the three multipliers: the share of full Kelly staked */
  readonly effectiveKellyFraction: number;
  readonly capsMicros: Readonly<Record<Exclude<CapName, 'kelly'>, UsdMicros>>;
}

/** Size of an entry, or the reason there is none. Pure; the edge minimum is the agent's `minEdgeBps`. */
export function sizeEntry(input: EntrySizingInput, limits: PreTradeLimits, config: SizingConfig): EntrySize {
  const confidence = confidenceMultiplier(input.confidence, config);
  const time = timeMultiplier(input.nowMs, input.endDateMs, config);
  const heat = Math.min(1, Math.max(0, input.sizeMultiplier));
  const effective = config.kellyFraction * confidence * time * heat;
  const capsMicros = {
    maxStake: shareOfMicros(limits.agent.maxStakeUsd, heat),
    tradeShare: shareOfMicros(shareOfMicros(input.bankrollMicros, limits.agent.maxTradeShare), heat),
    agentDeployed: maxZero(shareOfMicros(input.bankrollMicros, limits.agent.maxDeployedShare) - input.agentDeployedMicros),
  };
  const numbers: SizingNumbers = {
    kellyFraction: config.kellyFraction,
    confidenceMultiplier: confidence,
    timeMultiplier: time,
    sizeMultiplier: heat,
    effectiveKellyFraction: effective,
    capsMicros,
  };
  if (effective <= 0) {
    const why = confidence === 0 ? `confidence ${input.confidence} is below ${config.minConfidence}` : 'the size multiplier is 0 (drawdown halt)';
    return { ok: false, reason: why, numbers };
  }

  const kelly = sizeOutcomeBuy({
    outcome: 'YES', // a label only: the probability given is the one of the token bought
    probability: input.probability,
    priceMicros: input.priceMicros,
    fee: input.fee,
    limits: {
      minEdgeBps: limits.agent.minEdgeBps,
      kellyFraction: effective,
      capitalMicros: input.capitalMicros,
      ...(input.minOrderSizeMicros !== undefined ? { minOrderSizeMicros: input.minOrderSizeMicros } : {}),
    },
  });
  if (!kelly) return { ok: false, reason: 'no edge above the minimum after fees, or the Kelly size is below the market minimum', numbers };

  let boundBy: CapName = 'kelly';
  let budget = kelly.costMicros;
  for (const [name, cap] of Object.entries(capsMicros) as [Exclude<CapName, 'kelly'>, bigint][]) {
    if (cap < budget) {
      budget = cap;
      boundBy = name;
    }
  }
  if (boundBy === 'kelly') return { ok: true, sizeMicros: kelly.sizeMicros, costMicros: kelly.costMicros, boundBy, numbers };

  const sizeMicros = sharesForBudget(budget, input.priceMicros, input.fee);
  if (sizeMicros <= 0n || sizeMicros < (input.minOrderSizeMicros ?? 0n)) {
    return { ok: false, reason: `the ${boundBy} cap of ${budget} micros buys less than the market minimum`, numbers };
  }
  return { ok: true, sizeMicros, costMicros: orderCostMicros(input.priceMicros, sizeMicros, input.fee), boundBy, numbers };
}

/** The most shares (in 0.01-share steps) whose cost, fee included, fits in `budgetMicros`. */
export function sharesForBudget(budgetMicros: UsdMicros, priceMicros: PriceMicros, fee: FeeSchedule): SharesMicros {
  const step = DEFAULT_SIZE_STEP_MICROS;
  const perShare = priceMicros + feePerShareMicros(fee, priceMicros);
  if (budgetMicros <= 0n || perShare <= 0n) return 0n;
  let size = (budgetMicros * 1_000_000n) / perShare;
  size -= size % step;
  // fee rounding to 5 decimals can push the exact cost a few micros over: step down until it fits
  while (size > 0n && orderCostMicros(priceMicros, size, fee) > budgetMicros) size -= step;
  return size;
}

function maxZero(v: bigint): bigint {
  return v > 0n ? v : 0n;
}
