import {
  divRound,
  MICROS_PER_UNIT,
  notionalMicros,
  takerFeeMicros,
  type FeeSchedule,
  type PriceMicros,
  type SharesMicros,
  type UsdMicros,
} from '@floor/domain';

/**
 * From a calibrated probability to an order size, in integer micros (STYLE #4).
 *
 * Buying one share at price p with taker fee f per share costs c = p + f and pays 1 if the outcome wins.
 * Edge = q − c (q = win probability). Full Kelly for such a bet stakes f* = (q − c)/(1 − c) of capital;
 * we stake `kellyFraction` of that, never more than the capital, and trade only when the edge reaches
 * `minEdgeBps`. One basis point is $0.0001 per share = 100 micros.
 */

const MICROS_PER_BPS = 100n;
/** Fee per share is computed on this many shares, so the 5-decimal fee rounding does not distort it. */
const FEE_PROBE_SHARES = 1_000n;

/** Polymarket order sizes have 2 decimals. */
export const DEFAULT_SIZE_STEP_MICROS: SharesMicros = 10_000n;

/**
 * A probability as micros (0..1_000_000). Probabilities are model outputs, not money, so this is the one
 * place a float becomes an integer, rounded to the nearest micro.
 */
export function probabilityToMicros(probability: number): bigint {
  if (!Number.isFinite(probability)) throw new RangeError(`not a probability: ${probability}`);
  const clamped = Math.min(1, Math.max(0, probability));
  return BigInt(Math.round(clamped * 1_000_000));
}

/** Taker fee of one share bought at `price`, in micros, rounded up. */
export function feePerShareMicros(fee: FeeSchedule, price: PriceMicros): UsdMicros {
  const probeFee = takerFeeMicros(fee, price, FEE_PROBE_SHARES * MICROS_PER_UNIT);
  return divRound(probeFee, FEE_PROBE_SHARES, 'ceil');
}

/** q − (p + fee per share), in micros per share; negative when the trade loses in expectation. */
export function edgeAfterFeeMicros(probabilityMicros: bigint, price: PriceMicros, fee: FeeSchedule): bigint {
  return probabilityMicros - price - feePerShareMicros(fee, price);
}

export type Outcome = 'YES' | 'NO';

export interface SizedTrade {
  readonly outcome: Outcome;
  /** limit price: the ask the size was computed at */
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  /** notional (rounded up) + taker fee: what the fill at `priceMicros` costs */
  readonly costMicros: UsdMicros;
  /** edge after fee, per share, in basis points of $1 */
  readonly edgeBps: number;
  /** the Kelly share of capital actually staked (after `kellyFraction`), for the audit trail */
  readonly stakeFraction: number;
}

export interface SizingLimits {
  readonly minEdgeBps: number;
  /** 0 < k ≤ 1: share of the full-Kelly stake */
  readonly kellyFraction: number;
  /** the agent's capital available for this trade */
  readonly capitalMicros: UsdMicros;
  /** the market's minimum order, if any */
  readonly minOrderSizeMicros?: SharesMicros;
  readonly sizeStepMicros?: SharesMicros;
}

/**
 * Size of a buy of one outcome at `priceMicros` (its best ask) with win probability `probability`, or
 * undefined when the edge is below the minimum, the price is not tradeable, or the size rounds below the
 * market's minimum.
 */
export function sizeOutcomeBuy(args: {
  outcome: Outcome;
  probability: number;
  priceMicros: PriceMicros;
  fee: FeeSchedule;
  limits: SizingLimits;
}): SizedTrade | undefined {
  const { priceMicros: price, fee, limits } = args;
  if (price <= 0n || price >= MICROS_PER_UNIT || limits.capitalMicros <= 0n) return undefined;

  const q = probabilityToMicros(args.probability);
  const costPerShare = price + feePerShareMicros(fee, price);
  const edge = q - costPerShare;
  if (edge < BigInt(limits.minEdgeBps) * MICROS_PER_BPS || edge <= 0n || costPerShare >= MICROS_PER_UNIT) {
    return undefined;
  }

  // stake = capital × k × (q − c)/(1 − c), all in micros, rounded down
  const kMicros = probabilityToMicros(limits.kellyFraction);
  const stake = (limits.capitalMicros * edge * kMicros) / ((MICROS_PER_UNIT - costPerShare) * MICROS_PER_UNIT);
  const step = limits.sizeStepMicros ?? DEFAULT_SIZE_STEP_MICROS;
  let size = floorTo((stake * MICROS_PER_UNIT) / costPerShare, step);

  // The order-level fee is rounded to 5 decimals, so at (near) full Kelly the cost can pass the capital
  // by a few micros; step down until it fits.
  let cost = orderCostMicros(price, size, fee);
  while (size > 0n && cost > limits.capitalMicros) {
    size -= step;
    cost = orderCostMicros(price, size, fee);
  }
  if (size <= 0n || size < (limits.minOrderSizeMicros ?? 0n)) return undefined;

  return {
    outcome: args.outcome,
    priceMicros: price,
    sizeMicros: size,
    costMicros: cost,
    edgeBps: Number(edge) / Number(MICROS_PER_BPS),
    stakeFraction: Number((stake * MICROS_PER_UNIT) / limits.capitalMicros) / 1e6,
  };
}

/**
 * The better of buying YES at its ask or NO at its ask, given the calibrated probability of YES.
 * A missing ask (empty book side) rules that outcome out.
 */
export function sizeBinaryTrade(args: {
  probabilityYes: number;
  yesAskMicros: PriceMicros | undefined;
  noAskMicros: PriceMicros | undefined;
  fee: FeeSchedule;
  limits: SizingLimits;
}): SizedTrade | undefined {
  const yes =
    args.yesAskMicros === undefined
      ? undefined
      : sizeOutcomeBuy({ outcome: 'YES', probability: args.probabilityYes, priceMicros: args.yesAskMicros, fee: args.fee, limits: args.limits });
  const no =
    args.noAskMicros === undefined
      ? undefined
      : sizeOutcomeBuy({ outcome: 'NO', probability: 1 - args.probabilityYes, priceMicros: args.noAskMicros, fee: args.fee, limits: args.limits });
  if (yes && no) return yes.edgeBps >= no.edgeBps ? yes : no;
  return yes ?? no;
}

/** Notional rounded up plus the taker fee of the whole order. */
export function orderCostMicros(price: PriceMicros, size: SharesMicros, fee: FeeSchedule): UsdMicros {
  return notionalMicros(price, size, 'ceil') + takerFeeMicros(fee, price, size);
}

function floorTo(value: bigint, step: bigint): bigint {
  return value <= 0n ? 0n : value - (value % step);
}
