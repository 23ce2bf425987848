import { deterministicId, MICROS_PER_UNIT, type BookSnapshot, type DataSource } from '@floor/domain';

/**
 * `/prices-history` gives one price per time, not a book. To replay it through the floor (which trades
 * against books) each point becomes a synthetic one-level book: a bid and an ask one tick apart, on the
 * market's tick grid, bracketing the price. Datasets built this way say so in their header's `generator`.
 *
 * The rules, for a price p and tick t:
 * - p off the grid: bid = p rounded down to the grid, ask = bid + t (Polymarket's history prices are
 *   usually mids of a one-tick spread, so this gives back the book they came from);
 * - p on the grid: the band [p, p + t] below 0.5, [p − t, p] from 0.5 up, i.e. towards the middle;
 * - a side whose price would leave [t, 1 − t] (the venue's valid prices) is left empty, so p = 0 gives
 *   only an ask at t and p = 1 only a bid at 1 − t, as a near-certain market's book looks.
 *
 * The complement token's book mirrors it: its bid is 1 − the ask, its ask 1 − the bid.
 */

export interface Quotes {
  readonly bidMicros: bigint | null;
  readonly askMicros: bigint | null;
}

const HALF = MICROS_PER_UNIT / 2n;

export function syntheticQuotes(priceMicros: bigint, tickMicros: bigint): Quotes {
  if (tickMicros <= 0n) throw new RangeError(`tick must be positive, got ${tickMicros}`);
  if (priceMicros < 0n || priceMicros > MICROS_PER_UNIT) throw new RangeError(`price must be in [0, 1], got ${priceMicros} micros`);
  const floor = (priceMicros / tickMicros) * tickMicros;
  let bid: bigint;
  if (floor !== priceMicros) bid = floor;
  else bid = priceMicros < HALF ? priceMicros : priceMicros - tickMicros;
  const ask = bid + tickMicros;
  return {
    bidMicros: bid >= tickMicros ? bid : null,
    askMicros: ask <= MICROS_PER_UNIT - tickMicros ? ask : null,
  };
}

/** The other outcome's quotes: buying NO at q is selling YES at 1 − q. */
export function complementQuotes(quotes: Quotes): Quotes {
  return {
    bidMicros: quotes.askMicros === null ? null : MICROS_PER_UNIT - quotes.askMicros,
    askMicros: quotes.bidMicros === null ? null : MICROS_PER_UNIT - quotes.bidMicros,
  };
}

export interface SyntheticBookInput {
  readonly marketId: string;
  readonly tokenId: string;
  readonly quotes: Quotes;
  /** size of each of the two levels */
  readonly sizeMicros: bigint;
  readonly tsMs: number;
  readonly source: DataSource;
}

/** A `book` event from synthetic quotes. The id is a hash of what it says, so rebuilding gives the same ids. */
export function syntheticBook(input: SyntheticBookInput): BookSnapshot {
  const { bidMicros, askMicros } = input.quotes;
  return {
    v: 1,
    type: 'book',
    eventId: deterministicId('event', 'book', 'synthetic', input.tokenId, input.tsMs, bidMicros ?? '-', askMicros ?? '-', input.sizeMicros),
    marketId: input.marketId,
    tokenId: input.tokenId,
    tsEventMs: input.tsMs,
    tsPublishedMs: input.tsMs,
    source: input.source,
    bids: bidMicros === null ? [] : [{ priceMicros: bidMicros, sizeMicros: input.sizeMicros }],
    asks: askMicros === null ? [] : [{ priceMicros: askMicros, sizeMicros: input.sizeMicros }],
    stale: false,
  };
}
