import { MICROS_PER_UNIT, notionalMicros, type OrderIntent } from '@floor/domain';
import type { RiskCode } from './codes.js';

/**
 * The basic gate: order validity, market, position, book, stake and cash. The executor runs it on the matched
 * result (it needs the real cash change). The pre-trade engine (`evaluateIntent`, engine.ts) adds the policy
 * checks in front of it; see that file for how the two fit together.
 */

export type RiskDecision = { readonly ok: true } | RiskDenial;
export interface RiskDenial {
  readonly ok: false;
  readonly code: RiskCode;
  readonly message: string;
}

/** The limits this gate enforces; `FloorConfig['limits']` satisfies it. */
export interface RiskLimits {
  /** largest notional (limit price × size) of one BUY, micro-USD */
  readonly maxStakeUsd: bigint;
  /** a BUY needs a book published at most this long ago; 0 disables the age check */
  readonly maxBookAgeMs: number;
}

/**
 * What the gate knows about the world when it decides. Built by the executor inside the agent's
 * transaction, so cash and position are the book of record, not the agent's own belief.
 */
export interface RiskView {
  readonly nowMs: number;
  /** global or agent kill switch (either one denies) */
  readonly killSwitch: { readonly on: boolean; readonly reason: string };
  /** undefined = the market is not in the registry */
  readonly market: { readonly tokenIds: readonly string[]; readonly resolved: boolean } | undefined;
  /** undefined = no book for the token */
  readonly book: { readonly stale: boolean; readonly publishedMs: number } | undefined;
  readonly cashMicros: bigint;
  /** shares of `intent.tokenId` the agent holds */
  readonly positionMicros: bigint;
  /**
   * The agent's cash change if the order executes as matched against the current book (negative for a BUY:
   * cost + fees). Matching is pure, so the executor matches first and asks the gate about the real cost.
   */
  readonly cashDeltaMicros: bigint;
}

const deny = (code: RiskCode, message: string): RiskDenial => ({ ok: false, code, message });
const APPROVED: RiskDecision = { ok: true };

/**
 * Pre-trade checks, in order of precedence: the first failing check names the denial.
 * Pure: same intent, view and limits give the same decision.
 */
export function checkIntent(intent: OrderIntent, view: RiskView, limits: RiskLimits): RiskDecision {
  if (view.killSwitch.on) return deny('KILL_SWITCH', view.killSwitch.reason || 'kill switch on');

  if (intent.limitPriceMicros <= 0n || intent.limitPriceMicros >= MICROS_PER_UNIT) {
    return deny('INVALID_ORDER', `limit price ${intent.limitPriceMicros} micros is outside (0, 1)`);
  }
  // The market's min order size is not enforced yet: paper fills of any positive size are harmless.
  if (intent.sizeMicros <= 0n) return deny('INVALID_ORDER', `size ${intent.sizeMicros} micros is not positive`);

  if (!view.market) return deny('UNKNOWN_MARKET', `market ${intent.marketId} is not in the registry`);
  if (!view.market.tokenIds.includes(intent.tokenId)) {
    return deny('UNKNOWN_MARKET', `token ${intent.tokenId} is not an outcome of market ${intent.marketId}`);
  }
  if (view.market.resolved) return deny('MARKET_RESOLVED', `market ${intent.marketId} has resolved`);

  if (intent.side === 'SELL') {
    // No shorting. A SELL only reduces a position, so it skips the stake and book checks: an agent must
    // always be able to get out, even when the feed is in trouble (it then fills against the last book).
    if (intent.sizeMicros > view.positionMicros) {
      return deny('INSUFFICIENT_POSITION', `sell of ${intent.sizeMicros} exceeds the ${view.positionMicros} held`);
    }
  } else {
    if (!view.book) return deny('NO_BOOK', `no book for token ${intent.tokenId}`);
    if (view.book.stale) return deny('STALE_BOOK', `the feed marks the book of ${intent.tokenId} stale`);
    const ageMs = view.nowMs - view.book.publishedMs;
    if (limits.maxBookAgeMs > 0 && ageMs > limits.maxBookAgeMs) {
      return deny('STALE_BOOK', `book of ${intent.tokenId} is ${ageMs} ms old (limit ${limits.maxBookAgeMs} ms)`);
    }
    const stake = notionalMicros(intent.limitPriceMicros, intent.sizeMicros, 'ceil');
    if (stake > limits.maxStakeUsd) {
      return deny('MAX_STAKE_EXCEEDED', `stake ${stake} micros exceeds the ${limits.maxStakeUsd} limit`);
    }
  }

  if (view.cashMicros + view.cashDeltaMicros < 0n) {
    return deny('INSUFFICIENT_CASH', `needs ${-view.cashDeltaMicros} micros, has ${view.cashMicros}`);
  }
  return APPROVED;
}
