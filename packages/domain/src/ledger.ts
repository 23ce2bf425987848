import { divRound, notionalMicros, type PriceMicros, type SharesMicros, type UsdMicros, MICROS_PER_UNIT } from './units.js';
import type { Side } from './messages.js';

/**
 * Double-entry ledger in micro-USDC. A posting's amount is signed: positive = debit, negative = credit.
 * The postings of one transaction always sum to zero.
 *
 * Accounts:
 *   floor:capital            funding source (credit balance = bankroll handed to agents)
 *   floor:fees               fees paid to the venue (debit balance)
 *   agent:<id>:cash          the agent's cash (debit balance)
 *   agent:<id>:positions     open positions at cost (debit balance)
 *   agent:<id>:pnl           realized PnL before fees (credit balance = profit)
 *
 * Hence, per agent: cash + positions at cost = allocated − fees + realized PnL.
 */
export interface Posting {
  readonly account: string;
  readonly amountMicros: bigint;
}

export const Accounts = {
  capital: 'floor:capital',
  fees: 'floor:fees',
  cash: (agentId: string) => `agent:${agentId}:cash`,
  positions: (agentId: string) => `agent:${agentId}:positions`,
  pnl: (agentId: string) => `agent:${agentId}:pnl`,
} as const;

export class UnbalancedPostingsError extends Error {
  constructor(readonly postings: readonly Posting[]) {
    super(`ledger postings do not balance: ${postings.map((p) => `${p.account}=${p.amountMicros}`).join(', ')}`);
  }
}

export function assertBalanced(postings: readonly Posting[]): void {
  const sum = postings.reduce((acc, p) => acc + p.amountMicros, 0n);
  if (sum !== 0n) throw new UnbalancedPostingsError(postings);
}

/** Capital moved from the floor to an agent (negative amount moves it back). */
export function allocationPostings(agentId: string, amount: UsdMicros): Posting[] {
  return [
    { account: Accounts.cash(agentId), amountMicros: amount },
    { account: Accounts.capital, amountMicros: -amount },
  ];
}

/** A position in one token: shares held and what they cost (fees excluded). */
export interface PositionState {
  readonly sizeMicros: SharesMicros;
  readonly costMicros: UsdMicros;
}

export const EMPTY_POSITION: PositionState = { sizeMicros: 0n, costMicros: 0n };

export interface FillEffect {
  readonly position: PositionState;
  /** signed change of the agent's cash */
  readonly cashDeltaMicros: UsdMicros;
  /** proceeds − cost basis removed (before fees); zero on a buy */
  readonly realizedPnlMicros: UsdMicros;
  readonly postings: readonly Posting[];
}

/**
 * What one fill does to a position and to the ledger. Buys cost `ceil(price × size)`, sells return
 * `floor(price × size)`: rounding always favours the venue, so paper results are never flattered.
 * A sell removes cost basis pro rata (floored); selling the whole position removes all of it.
 */
export function fillEffect(
  agentId: string,
  position: PositionState,
  side: Side,
  price: PriceMicros,
  size: SharesMicros,
  fee: UsdMicros,
): FillEffect {
  if (size <= 0n) throw new RangeError('fill size must be positive');
  if (side === 'BUY') {
    const cost = notionalMicros(price, size, 'ceil');
    const postings: Posting[] = [
      { account: Accounts.positions(agentId), amountMicros: cost },
      { account: Accounts.fees, amountMicros: fee },
      { account: Accounts.cash(agentId), amountMicros: -(cost + fee) },
    ];
    assertBalanced(postings);
    return {
      position: { sizeMicros: position.sizeMicros + size, costMicros: position.costMicros + cost },
      cashDeltaMicros: -(cost + fee),
      realizedPnlMicros: 0n,
      postings,
    };
  }
  if (size > position.sizeMicros) {
    throw new RangeError(`cannot sell ${size} shares of a position of ${position.sizeMicros}`);
  }
  const proceeds = notionalMicros(price, size, 'floor');
  const basis = size === position.sizeMicros ? position.costMicros : divRound(position.costMicros * size, position.sizeMicros, 'floor');
  const realized = proceeds - basis;
  const postings: Posting[] = [
    { account: Accounts.cash(agentId), amountMicros: proceeds - fee },
    { account: Accounts.fees, amountMicros: fee },
    { account: Accounts.positions(agentId), amountMicros: -basis },
    { account: Accounts.pnl(agentId), amountMicros: -realized },
  ];
  assertBalanced(postings);
  return {
    position: { sizeMicros: position.sizeMicros - size, costMicros: position.costMicros - basis },
    cashDeltaMicros: proceeds - fee,
    realizedPnlMicros: realized,
    postings,
  };
}

/** Settlement at resolution: the whole position is redeemed at 1 (winner) or 0 (loser), no fee. */
export function settlementEffect(agentId: string, position: PositionState, won: boolean): FillEffect {
  return fillEffect(agentId, position, 'SELL', won ? MICROS_PER_UNIT : 0n, position.sizeMicros, 0n);
}
