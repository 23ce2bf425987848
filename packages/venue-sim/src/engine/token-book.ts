import { crossingLevels, takeLiquidity } from '@floor/paper';
import { NO_FEES, type BookLevel, type FeeSchedule, type PriceMicros, type SharesMicros, type Side, type UsdMicros } from '@floor/domain';

/**
 * One token's order book on the sandbox venue: the "crowd" liquidity replayed from a dataset (or the
 * simulator) plus the resting limit orders of sandbox users, matched in price-time priority.
 *
 * How user orders meet the crowd (the rules a maintainer needs to know):
 * 1. **Taking.** An incoming order walks the opposite side best price first. At one price the crowd's
 *    displayed size is ahead of any user order (it was there first), then user orders in arrival order.
 *    The walk is `crossingLevels` + `takeLiquidity` from @floor/paper, fed one "level" per crowd level and
 *    per resting order, so the paper exchange and the sandbox take liquidity with the same code and fees.
 *    Crowd size a user takes is gone until the next crowd snapshot replaces it.
 * 2. **The crowd's book moves through a resting order.** When a new crowd snapshot crosses a resting user
 *    order (asks at or below a resting bid, bids at or above a resting ask), those crowd orders are taken
 *    to have arrived as takers: the user order fills as maker, at its own price, for up to the crossing
 *    crowd size, and that crowd size is removed from the snapshot.
 * 3. **The crowd trades through a resting order.** A crowd trade print at price P whose aggressor hits our
 *    side fills resting user orders priced strictly better than P (the print could only reach P after
 *    them), and orders at exactly P for the part of the print beyond the crowd's displayed size at P
 *    (their queue position), in price-time order, up to the print size. Maker fills, at the order's price.
 *
 * Makers pay no fee; takers pay `takerFeeMicros` per level (charged by `takeLiquidity`).
 *
 * The class keeps mutable state but is deterministic and does no I/O: time comes in as arguments.
 */

export type VenueOrderType = 'GTC' | 'GTD' | 'FOK' | 'FAK';

export interface RestingOrder {
  readonly orderId: string;
  readonly owner: string;
  readonly side: Side;
  readonly priceMicros: PriceMicros;
  readonly originalSizeMicros: SharesMicros;
  readonly matchedSizeMicros: SharesMicros;
  /** arrival sequence: time priority among orders at one price */
  readonly seq: number;
  /** GTD expiry (epoch ms); null for GTC */
  readonly expiresAtMs: number | null;
}

export function remainingOf(order: RestingOrder): SharesMicros {
  return order.originalSizeMicros - order.matchedSizeMicros;
}

export interface IncomingOrder {
  readonly orderId: string;
  readonly owner: string;
  readonly side: Side;
  /** limit price: the most a BUY pays / the least a SELL accepts */
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  readonly orderType: VenueOrderType;
  /** refuse instead of taking liquidity (GTC/GTD only) */
  readonly postOnly: boolean;
  readonly expiresAtMs: number | null;
}

/** Who was on the other side of a fill. */
export type Counterparty =
  | { readonly kind: 'crowd' }
  | { readonly kind: 'order'; readonly orderId: string; readonly owner: string };

/** One execution of an incoming (taker) order against one crowd level or one resting order. */
export interface TakerFill {
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  readonly feeMicros: UsdMicros;
  readonly maker: Counterparty;
}

/** One execution of a resting user order as maker (against the crowd, or against a user taker). */
export interface MakerFill {
  readonly orderId: string;
  readonly owner: string;
  /** the resting order's side */
  readonly side: Side;
  readonly priceMicros: PriceMicros;
  readonly sizeMicros: SharesMicros;
  /** true when the order is now completely filled and off the book */
  readonly completed: boolean;
}

export type RejectReason = 'fok_unfilled' | 'fak_unmatched' | 'post_only_crosses' | 'not_positive';

export type SubmitResult =
  | { readonly accepted: false; readonly reason: RejectReason }
  | {
      readonly accepted: true;
      readonly fills: readonly TakerFill[];
      /** user orders on the other side that these fills matched, as maker fills */
      readonly makerFills: readonly MakerFill[];
      readonly filledSizeMicros: SharesMicros;
      /** the remainder now resting (GTC/GTD), or null */
      readonly rested: RestingOrder | null;
    };

interface Liquidity {
  readonly level: BookLevel;
  readonly source: Counterparty;
}

const betterOrEqual = (side: Side, a: PriceMicros, b: PriceMicros): boolean => (side === 'BUY' ? a >= b : a <= b);
const strictlyBetter = (side: Side, a: PriceMicros, b: PriceMicros): boolean => (side === 'BUY' ? a > b : a < b);

/** Sorts a side's resting orders: best price first, then arrival. */
function byPriority(side: Side) {
  return (a: RestingOrder, b: RestingOrder): number => {
    if (a.priceMicros !== b.priceMicros) return strictlyBetter(side, a.priceMicros, b.priceMicros) ? -1 : 1;
    return a.seq - b.seq;
  };
}

export class TokenBook {
  /** crowd levels, best first */
  private crowdBids: BookLevel[] = [];
  private crowdAsks: BookLevel[] = [];
  /** user orders, priority order */
  private bids: RestingOrder[] = [];
  private asks: RestingOrder[] = [];
  private nextSeq = 1;

  constructor(readonly tokenId: string) {}

  /** The public book: crowd and user orders aggregated per price, best first. */
  publicBook(): { bids: BookLevel[]; asks: BookLevel[] } {
    return { bids: aggregate('BUY', this.crowdBids, this.bids), asks: aggregate('SELL', this.crowdAsks, this.asks) };
  }

  restingOrders(): RestingOrder[] {
    return [...this.bids, ...this.asks];
  }

  resting(orderId: string): RestingOrder | undefined {
    return this.bids.find((o) => o.orderId === orderId) ?? this.asks.find((o) => o.orderId === orderId);
  }

  /** Submits a taker order; a GTC/GTD remainder rests. FOK/FAK never rest. */
  submit(order: IncomingOrder, fee: FeeSchedule): SubmitResult {
    if (order.sizeMicros <= 0n || order.priceMicros <= 0n) return { accepted: false, reason: 'not_positive' };
    const liquidity = this.liquidityFor(order.side, order.priceMicros);
    const available = liquidity.reduce((sum, l) => sum + l.level.sizeMicros, 0n);
    const rests = order.orderType === 'GTC' || order.orderType === 'GTD';
    if (order.postOnly && rests && available > 0n) return { accepted: false, reason: 'post_only_crosses' };
    if (order.orderType === 'FOK' && available < order.sizeMicros) return { accepted: false, reason: 'fok_unfilled' };
    if (order.orderType === 'FAK' && available === 0n) return { accepted: false, reason: 'fak_unmatched' };

    // liquidity holds no empty levels, so takeLiquidity's fills line up with it index by index
    const taken = takeLiquidity(liquidity.map((l) => l.level), order.sizeMicros, fee);
    const fills: TakerFill[] = [];
    const makerFills: MakerFill[] = [];
    taken.forEach((fill, i) => {
      const source = (liquidity[i] as Liquidity).source;
      fills.push({ ...fill, maker: source });
      if (source.kind === 'crowd') this.takeFromCrowd(order.side === 'BUY' ? 'SELL' : 'BUY', fill.priceMicros, fill.sizeMicros);
      else makerFills.push(this.fillResting(source.orderId, fill.sizeMicros));
    });
    const filledSizeMicros = fills.reduce((sum, f) => sum + f.sizeMicros, 0n);

    let rested: RestingOrder | null = null;
    if (rests && filledSizeMicros < order.sizeMicros) {
      rested = {
        orderId: order.orderId,
        owner: order.owner,
        side: order.side,
        priceMicros: order.priceMicros,
        originalSizeMicros: order.sizeMicros,
        matchedSizeMicros: filledSizeMicros,
        seq: this.nextSeq++,
        expiresAtMs: order.orderType === 'GTD' ? order.expiresAtMs : null,
      };
      this.insertResting(rested);
    }
    return { accepted: true, fills, makerFills, filledSizeMicros, rested };
  }

  /** Removes a resting order; returns it, or undefined when it is not on the book. */
  cancel(orderId: string): RestingOrder | undefined {
    for (const side of [this.bids, this.asks]) {
      const index = side.findIndex((o) => o.orderId === orderId);
      if (index >= 0) return side.splice(index, 1)[0];
    }
    return undefined;
  }

  /** Removes and returns every GTD order whose expiry is at or before `nowMs`. */
  expire(nowMs: number): RestingOrder[] {
    const expired = this.restingOrders().filter((o) => o.expiresAtMs !== null && o.expiresAtMs <= nowMs);
    for (const o of expired) this.cancel(o.orderId);
    return expired;
  }

  /** Removes and returns every resting order (market resolution). */
  clearResting(): RestingOrder[] {
    const all = this.restingOrders();
    this.bids = [];
    this.asks = [];
    return all;
  }

  /**
   * Replaces the crowd liquidity with a new snapshot (levels best first) and fills the resting user
   * orders it moves through (rule 2). Returns those maker fills.
   */
  replaceCrowd(bids: readonly BookLevel[], asks: readonly BookLevel[]): MakerFill[] {
    this.crowdBids = bids.filter((l) => l.sizeMicros > 0n).map((l) => ({ ...l }));
    this.crowdAsks = asks.filter((l) => l.sizeMicros > 0n).map((l) => ({ ...l }));
    const fills: MakerFill[] = [];
    for (const order of [...this.bids, ...this.asks]) {
      const crowdSide = order.side === 'BUY' ? this.crowdAsks : this.crowdBids;
      const crossing = crossingLevels(crowdSide, order.side, order.priceMicros);
      const taken = takeLiquidity(crossing, remainingOf(order), NO_FEES);
      let size = 0n;
      taken.forEach((t) => {
        this.takeFromCrowd(order.side === 'BUY' ? 'SELL' : 'BUY', t.priceMicros, t.sizeMicros);
        size += t.sizeMicros;
      });
      if (size > 0n) fills.push(this.fillResting(order.orderId, size));
    }
    return fills;
  }

  /**
   * A crowd trade print (rule 3): `aggressorSide` BUY lifts asks, SELL hits bids. Returns the maker fills
   * of resting user orders on the side that was hit.
   */
  applyCrowdTrade(aggressorSide: Side, priceMicros: PriceMicros, sizeMicros: SharesMicros): MakerFill[] {
    const restingSide: Side = aggressorSide === 'BUY' ? 'SELL' : 'BUY';
    const candidates = (restingSide === 'BUY' ? this.bids : this.asks).filter((o) =>
      betterOrEqual(restingSide, o.priceMicros, priceMicros),
    );
    const crowdAtPrice = (restingSide === 'BUY' ? this.crowdBids : this.crowdAsks).find((l) => l.priceMicros === priceMicros);
    let budget = sizeMicros;
    // the part of the print that orders at exactly P can see: what is left after the crowd queued ahead
    let budgetAtPrice = sizeMicros - (crowdAtPrice?.sizeMicros ?? 0n);
    const fills: MakerFill[] = [];
    for (const order of candidates) {
      if (budget <= 0n) break;
      const atPrice = order.priceMicros === priceMicros;
      const limit = atPrice ? (budgetAtPrice < budget ? budgetAtPrice : budget) : budget;
      if (limit <= 0n) continue;
      const remaining = remainingOf(order);
      const take = remaining < limit ? remaining : limit;
      fills.push(this.fillResting(order.orderId, take));
      budget -= take;
      if (atPrice) budgetAtPrice -= take;
    }
    return fills;
  }

  // -------------------------------------------------------------------------------------------

  /** The opposite side's crowd levels and resting orders that cross `limit`, in match priority. */
  private liquidityFor(side: Side, limitPriceMicros: PriceMicros): Liquidity[] {
    const crowd = side === 'BUY' ? this.crowdAsks : this.crowdBids;
    const orders = side === 'BUY' ? this.asks : this.bids;
    const restingSide: Side = side === 'BUY' ? 'SELL' : 'BUY';
    const entries: Liquidity[] = [
      ...crowd.map((level): Liquidity => ({ level, source: { kind: 'crowd' } })),
      ...orders.map((o): Liquidity => ({
        level: { priceMicros: o.priceMicros, sizeMicros: remainingOf(o) },
        source: { kind: 'order', orderId: o.orderId, owner: o.owner },
      })),
    ];
    // stable sort: at one price the crowd (listed first) keeps its place ahead of user orders
    entries.sort((a, b) =>
      a.level.priceMicros === b.level.priceMicros ? 0 : strictlyBetter(restingSide, a.level.priceMicros, b.level.priceMicros) ? -1 : 1,
    );
    const crossing = crossingLevels(entries.map((e) => e.level), side, limitPriceMicros);
    return entries.filter((e) => e.level.sizeMicros > 0n).slice(0, crossing.length);
  }

  private takeFromCrowd(crowdSide: Side, priceMicros: PriceMicros, sizeMicros: SharesMicros): void {
    const levels = crowdSide === 'BUY' ? this.crowdBids : this.crowdAsks;
    const index = levels.findIndex((l) => l.priceMicros === priceMicros);
    const level = levels[index];
    if (!level) return;
    const left = level.sizeMicros - sizeMicros;
    if (left > 0n) levels[index] = { priceMicros, sizeMicros: left };
    else levels.splice(index, 1);
  }

  private fillResting(orderId: string, sizeMicros: SharesMicros): MakerFill {
    const side = this.bids.some((o) => o.orderId === orderId) ? this.bids : this.asks;
    const index = side.findIndex((o) => o.orderId === orderId);
    const order = side[index];
    if (!order) throw new Error(`resting order ${orderId} is not on the book`);
    const updated: RestingOrder = { ...order, matchedSizeMicros: order.matchedSizeMicros + sizeMicros };
    const completed = remainingOf(updated) <= 0n;
    if (completed) side.splice(index, 1);
    else side[index] = updated;
    return { orderId, owner: order.owner, side: order.side, priceMicros: order.priceMicros, sizeMicros, completed };
  }

  private insertResting(order: RestingOrder): void {
    const side = order.side === 'BUY' ? this.bids : this.asks;
    side.push(order);
    side.sort(byPriority(order.side));
  }
}

/** Crowd levels and user orders summed per price, best first. */
function aggregate(side: Side, crowd: readonly BookLevel[], orders: readonly RestingOrder[]): BookLevel[] {
  const byPrice = new Map<bigint, bigint>();
  for (const l of crowd) byPrice.set(l.priceMicros, (byPrice.get(l.priceMicros) ?? 0n) + l.sizeMicros);
  for (const o of orders) byPrice.set(o.priceMicros, (byPrice.get(o.priceMicros) ?? 0n) + remainingOf(o));
  return [...byPrice.entries()]
    .filter(([, size]) => size > 0n)
    .map(([priceMicros, sizeMicros]) => ({ priceMicros, sizeMicros }))
    .sort((a, b) => (a.priceMicros === b.priceMicros ? 0 : strictlyBetter(side, a.priceMicros, b.priceMicros) ? -1 : 1));
}
