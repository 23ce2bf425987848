import {
  notionalMicros,
  takerFeeMicros,
  type Book,
  type BookLevel,
  type FeeSchedule,
  type OrderType,
  type PriceMicros,
  type SharesMicros,
  type Side,
  type UsdMicros,
} from '@floor/domain';

/** One execution against one price level. */
export interface PaperFill {
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  /** taker fee of this level's execution (`takerFeeMicros`), charged per level as the venue does */
  readonly feeMicros: UsdMicros;
}

export type MatchStatus = 'filled' | 'partially_filled' | 'unfilled';

export interface MatchResult {
  /** best price first; one fill per level touched */
  readonly fills: readonly PaperFill[];
  readonly filledSizeMicros: SharesMicros;
  readonly status: MatchStatus;
}

export interface MatchRequest {
  readonly book: Book;
  readonly side: Side;
  readonly limitPriceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  readonly orderType: OrderType;
  readonly fee: FeeSchedule;
}

/**
 * The levels an order on `side` may take from: a BUY lifts asks priced at or below its limit, a SELL hits
 * bids priced at or above it. `levels` is the opposite side, best first, so crossing levels form a prefix.
 */
export function crossingLevels(levels: readonly BookLevel[], side: Side, limitPriceMicros: PriceMicros): BookLevel[] {
  const out: BookLevel[] = [];
  for (const level of levels) {
    const crosses = side === 'BUY' ? level.priceMicros <= limitPriceMicros : level.priceMicros >= limitPriceMicros;
    if (!crosses) break;
    // an empty level is a feed artefact (a delete that was not applied); it holds nothing to take
    if (level.sizeMicros > 0n) out.push(level);
  }
  return out;
}

/**
 * Takes up to `sizeMicros` from `levels` in the order given, one fill per level, each charged the taker fee.
 * The building block of matching: a price-time-priority engine can pass the resting orders it wants to hit
 * (one "level" per resting order, in priority order) and decrement them by the returned fill sizes, which
 * line up with its input because empty levels are never passed in (see `crossingLevels`).
 */
export function takeLiquidity(levels: readonly BookLevel[], sizeMicros: SharesMicros, fee: FeeSchedule): PaperFill[] {
  const fills: PaperFill[] = [];
  let remaining = sizeMicros;
  for (const level of levels) {
    if (remaining <= 0n) break;
    const take = level.sizeMicros < remaining ? level.sizeMicros : remaining;
    if (take <= 0n) continue;
    fills.push({ priceMicros: level.priceMicros, sizeMicros: take, feeMicros: takerFeeMicros(fee, level.priceMicros, take) });
    remaining -= take;
  }
  return fills;
}

/**
 * Matches a taker order against a book snapshot, without changing it (pure).
 *
 * - BUY walks the asks while ask ≤ limit; SELL walks the bids while bid ≥ limit; partial fills across levels.
 * - FOK fills the whole size or nothing.
 * - FAK fills what crosses and cancels the rest.
 * - GTC fills what crosses; on the paper exchange its remainder is cancelled too, because there is no resting
 *   book to put it on yet. Resting orders arrive with the sandbox venue, whose engine will reuse
 *   `crossingLevels` and `takeLiquidity` for the taking part of an order.
 *
 * A non-positive size matches nothing; the risk gate denies such orders before they reach a venue.
 */
export function matchAgainstBook(req: MatchRequest): MatchResult {
  if (req.sizeMicros <= 0n) return { fills: [], filledSizeMicros: 0n, status: 'unfilled' };
  const opposite = req.side === 'BUY' ? req.book.asks : req.book.bids;
  const levels = crossingLevels(opposite, req.side, req.limitPriceMicros);
  if (req.orderType === 'FOK') {
    const available = levels.reduce((sum, l) => sum + l.sizeMicros, 0n);
    if (available < req.sizeMicros) return { fills: [], filledSizeMicros: 0n, status: 'unfilled' };
  }
  const fills = takeLiquidity(levels, req.sizeMicros, req.fee);
  const filledSizeMicros = fills.reduce((sum, f) => sum + f.sizeMicros, 0n);
  const status: MatchStatus =
    filledSizeMicros === 0n ? 'unfilled' : filledSizeMicros === req.sizeMicros ? 'filled' : 'partially_filled';
  return { fills, filledSizeMicros, status };
}

/**
 * The agent's cash change if these fills are booked: a BUY pays Σ (⌈price × size⌉ + fee), a SELL receives
 * Σ (⌊price × size⌋ − fee). The rounding is the ledger's (`fillEffect`), so a cash check on this number
 * agrees with what the ledger will post, to the micro.
 */
export function matchCashDeltaMicros(side: Side, fills: readonly PaperFill[]): UsdMicros {
  let delta = 0n;
  for (const f of fills) {
    delta += side === 'BUY'
      ? -(notionalMicros(f.priceMicros, f.sizeMicros, 'ceil') + f.feeMicros)
      : notionalMicros(f.priceMicros, f.sizeMicros, 'floor') - f.feeMicros;
  }
  return delta;
}
