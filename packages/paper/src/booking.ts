import {
  deterministicId,
  fillEffect,
  formatMicros,
  settlementEffect,
  MICROS_PER_UNIT,
  type FillEffect,
  type PositionState,
  type OrderType,
  type Side,
  type UsdMicros,
} from '@floor/domain';
import type { MatchResult, PaperFill } from './match.js';

/**
 * How a match becomes booked fills: the pure half of the executor's write path. The executor (packages/db
 * `processIntent`, `settleMarket`) writes what these functions return to Postgres; the backtester keeps it in
 * memory. Both therefore post the same cash, cost basis, realized PnL and fees for the same match, to the micro.
 */

/** The client order id of an intent: deterministic, so a retry of an uncommitted attempt reuses it. */
export function clientOrderIdFor(intentId: string): string {
  return deterministicId('clientOrder', intentId);
}

/** The fill id of the n-th fill of an order. */
export function tradeFillId(clientOrderId: string, index: number): string {
  return deterministicId('fill', clientOrderId, index);
}

/** The fill id of an agent's settlement in one token: at most one per (agent, token), ever. */
export function settlementFillId(agentId: string, tokenId: string): string {
  return deterministicId('fill', 'settle', agentId, tokenId);
}

/** The id of the `OrderOutcome` event of an order. */
export function orderOutcomeEventId(clientOrderId: string): string {
  return deterministicId('event', 'order', clientOrderId);
}

/** One level of a match with its ledger effect, in match order. */
export interface BookedLeg {
  readonly fillId: string;
  readonly fill: PaperFill;
  readonly effect: FillEffect;
}

export interface BookedMatch {
  readonly legs: readonly BookedLeg[];
  /** the position after every leg */
  readonly position: PositionState;
  /** Σ realized PnL of the legs (before fees) */
  readonly realizedMicros: UsdMicros;
}

/**
 * Applies a match's fills to a position one level at a time, as the executor books them: each level is its own
 * fill with its own fee and its own `fillEffect` (a buy costs ⌈p × s⌉, a sell returns ⌊p × s⌋ and removes cost
 * basis pro rata). Throws like `fillEffect` when a sell exceeds the position.
 */
export function bookMatch(args: {
  readonly agentId: string;
  readonly clientOrderId: string;
  readonly position: PositionState;
  readonly side: Side;
  readonly fills: readonly PaperFill[];
}): BookedMatch {
  let position = args.position;
  let realizedMicros = 0n;
  const legs = args.fills.map((fill, index): BookedLeg => {
    const effect = fillEffect(args.agentId, position, args.side, fill.priceMicros, fill.sizeMicros, fill.feeMicros);
    position = effect.position;
    realizedMicros += effect.realizedPnlMicros;
    return { fillId: tradeFillId(args.clientOrderId, index), fill, effect };
  });
  return { legs, position, realizedMicros };
}

/** A settlement at resolution: the whole position redeemed at 1 (winner) or 0 (loser), no fee. */
export interface BookedSettlement {
  readonly fillId: string;
  readonly priceMicros: bigint;
  readonly effect: FillEffect;
}

export function bookSettlement(agentId: string, tokenId: string, position: PositionState, won: boolean): BookedSettlement {
  return {
    fillId: settlementFillId(agentId, tokenId),
    priceMicros: won ? MICROS_PER_UNIT : 0n,
    effect: settlementEffect(agentId, position, won),
  };
}

/** The order's `reason` when it did not fill completely: why, in words an operator reads. */
export function unfilledReason(
  order: { readonly orderType: OrderType; readonly sizeMicros: bigint },
  match: MatchResult,
  hadBook: boolean,
): string {
  const { status } = match;
  if (status === 'filled') return '';
  if (status === 'unfilled' && !hadBook) return 'no book to match against';
  if (status === 'unfilled' && order.orderType === 'FOK') return 'FOK: not enough liquidity within the limit';
  if (status === 'unfilled') return 'nothing crosses the limit';
  return `remainder of ${formatMicros(order.sizeMicros - match.filledSizeMicros)} cancelled (${order.orderType} on the paper exchange)`;
}
