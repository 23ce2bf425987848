import { z } from 'zod';
import {
  bestAsk,
  MICROS_PER_UNIT,
  minBig,
  notionalMicros,
  numberToMicros,
  takerFeeMicros,
  type Book,
  type FeeSchedule,
  type MarketEvent,
  type MarketInfo,
  type PriceMicros,
  type SharesMicros,
  type UsdMicros,
} from '@floor/domain';
import type { IntentDraft, StrategyContext } from './strategy.js';

/**
 * Entry helpers shared by the strategies: the stake parameter, sizing that leaves room for the taker fee,
 * the guards every entry passes (fresh book, market still open) and the BUY draft itself.
 */

/** The stake parameter, in whole USD so strategy files stay readable; converted to micros with `usdMicros`. */
export function stakeUsdParam(defaultUsd: number, description = 'USD to spend on one entry (capped by the cash the agent has)') {
  return z.number().min(1).max(100_000).default(defaultUsd).describe(description);
}

export function usdMicros(usd: number): UsdMicros {
  return numberToMicros(usd);
}

/** The YES and NO token ids of a binary market (the market lists YES first). */
export function outcomeTokenIds(market: MarketInfo): { readonly yes: string; readonly no: string } {
  const [yes, no] = market.tokens;
  if (!yes || !no) throw new RangeError(`market ${market.marketId} does not have two outcome tokens`);
  return { yes: yes.tokenId, no: no.tokenId };
}

/**
 * The book to trade `tokenId` on: the event itself when it is that token's book (the freshest copy we have,
 * whatever order the kernel updates its cache in), otherwise the kernel's latest book.
 */
export function bookFor<P>(ctx: StrategyContext<P>, event: MarketEvent, tokenId: string): Book | undefined {
  if (event.type === 'book' && event.tokenId === tokenId) return event;
  return ctx.book(tokenId);
}

/**
 * Keeps the list of tokens whose last book event was flagged stale. A strategy that prices one token off
 * another token's book (buy NO on a YES signal, buy both legs of a pair) needs this: `Book` carries no flag.
 */
export function updateStaleTokens(staleTokenIds: readonly string[], event: MarketEvent): string[] {
  if (event.type !== 'book') return [...staleTokenIds];
  const others = staleTokenIds.filter((id) => id !== event.tokenId);
  return event.stale ? [...others, event.tokenId] : others;
}

/** True once `nowMs` is inside the last `cutoffMs` before the market's end date (or past it). */
export function isNearEnd(market: MarketInfo, nowMs: number, cutoffMs: number): boolean {
  return nowMs >= market.endDateMs - cutoffMs;
}

/** True while the token has an open position or an intent without an outcome. */
export function isEngaged<P>(ctx: StrategyContext<P>, tokenId: string): boolean {
  if (ctx.portfolio.hasPendingIntent(tokenId)) return true;
  const position = ctx.portfolio.position(tokenId);
  return position !== undefined && position.sizeMicros > 0n;
}

/** Polymarket order sizes have two decimals: strategies size in lots of 0.01 share. */
export const SHARE_LOT_MICROS = 10_000n;

/**
 * The largest multiple of the share lot in [0, upperMicros] for which `fits` holds. `fits` must be monotone
 * (true up to some size, false beyond), which every "cost of this size is within budget" check is: notional
 * and fee both grow with the size. A binary search is exact and plainly correct, where a closed form with
 * per-leg rounding and fee steps would not be.
 */
export function largestLotSize(upperMicros: SharesMicros, fits: (sizeMicros: SharesMicros) => boolean): SharesMicros {
  let low = 0n;
  let high = upperMicros / SHARE_LOT_MICROS;
  while (low < high) {
    const mid = (low + high + 1n) / 2n;
    if (fits(mid * SHARE_LOT_MICROS)) low = mid;
    else high = mid - 1n;
  }
  return low * SHARE_LOT_MICROS;
}

/** Shares to buy at `priceMicros` for at most `budgetMicros`, taker fee included, in whole lots. */
export function sharesForBudget(budgetMicros: UsdMicros, priceMicros: PriceMicros, fee: FeeSchedule): SharesMicros {
  if (budgetMicros <= 0n || priceMicros <= 0n) return 0n;
  return largestLotSize(
    (budgetMicros * MICROS_PER_UNIT) / priceMicros,
    (size) => notionalMicros(priceMicros, size, 'ceil') + takerFeeMicros(fee, priceMicros, size) <= budgetMicros,
  );
}

/**
 * The cash the kernel sets aside for a BUY before it admits it (mirrors `buyReserve` in packages/kernel):
 * the notional, the fee at p = 0.5 (its maximum) and 100 micros of slack. A strategy that sends several BUYs
 * on one event and needs each at full size sizes against this, or the kernel shrinks the later ones.
 */
export function kernelBuyReserveMicros(priceMicros: PriceMicros, sizeMicros: SharesMicros, fee: FeeSchedule): UsdMicros {
  return notionalMicros(priceMicros, sizeMicros, 'ceil') + takerFeeMicros(fee, MICROS_PER_UNIT / 2n, sizeMicros) + 100n;
}

/**
 * A FAK BUY of `tokenId` at its best ask for `stakeMicros` (capped by cash), or undefined when the book has no
 * ask or the size would fall below the market's minimum order size.
 */
export function buyAtAsk<P>(
  ctx: StrategyContext<P>,
  market: MarketInfo,
  book: Book,
  stakeMicros: UsdMicros,
  reason: string,
): IntentDraft | undefined {
  const askMicros = bestAsk(book);
  if (askMicros === undefined) return undefined;
  const sizeMicros = sharesForBudget(minBig(stakeMicros, ctx.portfolio.cashMicros), askMicros, market.fee);
  if (sizeMicros <= 0n || sizeMicros < market.minOrderSizeMicros) return undefined;
  return {
    marketId: market.marketId,
    tokenId: book.tokenId,
    side: 'BUY',
    limitPriceMicros: askMicros,
    sizeMicros,
    orderType: 'FAK',
    reason,
  };
}
