import { z } from 'zod';
import { MICROS_PER_UNIT, MicrosWire, notionalMicros, takerFeeMicros, type FeeSchedule, type Side } from '@floor/domain';
import type { AgentLimits } from '@floor/db';
import type { StoredFill } from './fill-checks.js';
import { AuditRules, expectEqual, failed, passed, type CheckOutcome } from './rules.js';

/**
 * The checks of a fill against the decision that produced it: the order's limit and the book the executor saw,
 * the fee schedule, and the limits in force. Pure functions over rows the caller read (`readTradeEvidence`);
 * each returns one outcome, and a failed one names the first thing found wrong with its numbers.
 */

/** A fee schedule as stored in jsonb (orders.book_seen.fee, markets.info.fee): the rate as a decimal string. */
export const StoredFeeSchedule = z.object({ rateMicros: MicrosWire, exponent: z.number().int().positive(), takerOnly: z.boolean() });

/** orders.book_seen as the executor writes it (execution.ts `bookSeen`); other keys are ignored. */
export const BookSeen = z.object({
  side: z.enum(['asks', 'bids']),
  levels: z.array(z.object({ priceMicros: MicrosWire, sizeMicros: MicrosWire })),
  /** the schedule the order's fills were charged by; absent on orders written before the executor recorded it */
  fee: StoredFeeSchedule.optional(),
});
export type BookSeen = z.output<typeof BookSeen>;

/** The order behind a trade fill, as the auditor reads it. */
export interface OrderOfFill {
  readonly clientOrderId: string;
  readonly side: Side;
  readonly limitPriceMicros: bigint;
  /** the size the executor approved (after any reduction): what the stake limit binds */
  readonly sizeMicros: bigint;
  readonly status: string;
  readonly venue: 'paper' | 'live';
  /** orders.book_seen, unparsed: an unreadable one is a finding, not a crash */
  readonly bookSeen: unknown;
  /** orders.created_at: the start of the executor's transaction, just after it read the kill switches */
  readonly createdAtMs: number;
}

/** What the markets row says about a fill's market; null when the floor has no row for it. */
export interface MarketOfFill {
  readonly winningTokenId: string | null;
  readonly fee: FeeSchedule | null;
}

/** One `killswitch.set` row of the audit log that concerns the fill's agent (its own switch or the floor's). */
export interface KillSwitchFlip {
  readonly scope: 'floor' | 'agent';
  readonly on: boolean;
  readonly reason: string;
  readonly tsMs: number;
}

/** Everything the three checks read about one fill (`readTradeEvidence` in fill-evidence.ts). */
export interface TradeEvidence {
  /** null for a settlement, or for a trade fill whose order is missing */
  readonly order: OrderOfFill | null;
  /** Σ size of the order's fills at this fill's price, this one included */
  readonly filledAtPriceMicros: bigint;
  readonly market: MarketOfFill | null;
  /** the fee of the venue trade a live fill was booked from; null when there is none */
  readonly venueTradeFeeMicros: bigint | null;
  /** the agent's limits as the executor resolves them: floor.yaml's `risk.agent` with agents.risk merged over it */
  readonly limits: AgentLimits;
  /** in audit-log order */
  readonly killSwitchFlips: readonly KillSwitchFlip[];
}

/**
 * How far a kill switch flip's audit row may be from the moment the switch really flipped, either way: the CLI
 * writes the row just after setting the switch, and the executor reads the switches just before its transaction
 * starts (orders.created_at). An order decided within this long of a flip is given the benefit of the doubt.
 */
export const KILL_SWITCH_GRACE_MS = 1_000;

const ONE = MICROS_PER_UNIT;

// ------------------------------------------------------------------------------------------ fill_price_within_book

/**
 * A settlement pays exactly 1 for the token the markets row names the winner and 0 for the other. A trade fill is
 * on its order's side, at or better than the order's limit (a BUY never above it, a SELL never below) and, on the
 * paper exchange, at a price level of the book the executor saw (orders.book_seen) on the side the order takes
 * from, for no more in all of the order's fills at that price than the level offered. A live fill's price is the
 * venue's: only the limit is checked, since the venue may fill a resting order from a book the executor never saw.
 */
export function checkFillPriceWithinBook(fill: StoredFill, e: Pick<TradeEvidence, 'order' | 'filledAtPriceMicros' | 'market'>): CheckOutcome {
  const rule = AuditRules.fillPriceWithinBook;
  const where = { agentId: fill.agentId, refId: fill.fillId };
  const price = { priceMicros: fill.priceMicros, sizeMicros: fill.sizeMicros };

  if (fill.kind === 'settlement') {
    if (!e.market) return failed(rule, where, { ...price, tokenId: fill.tokenId, problem: 'settlement of a market the floor has no row for' });
    if (e.market.winningTokenId === null) {
      return failed(rule, where, { ...price, tokenId: fill.tokenId, problem: 'settlement of a market with no recorded winner' });
    }
    const won = e.market.winningTokenId === fill.tokenId;
    if (fill.priceMicros === (won ? ONE : 0n)) return passed(rule);
    return failed(rule, where, {
      ...price,
      tokenId: fill.tokenId,
      winningTokenId: e.market.winningTokenId,
      expectedPriceMicros: won ? ONE : 0n,
      problem: won ? 'the winning token settles at 1' : 'a losing token settles at 0',
    });
  }

  const { order } = e;
  if (!order) return failed(rule, where, { ...price, clientOrderId: fill.clientOrderId ?? '', problem: 'trade fill without its order' });
  const ids = { clientOrderId: order.clientOrderId, side: fill.side };
  if (order.side !== fill.side) return failed(rule, where, { ...price, ...ids, orderSide: order.side, problem: 'fill is on the other side of its order' });
  const throughLimit = fill.side === 'BUY' ? fill.priceMicros > order.limitPriceMicros : fill.priceMicros < order.limitPriceMicros;
  if (throughLimit) {
    return failed(rule, where, { ...price, ...ids, limitPriceMicros: order.limitPriceMicros, problem: 'fill is through the order limit' });
  }
  if (order.venue === 'live') return passed(rule);

  if (order.bookSeen === null) return failed(rule, where, { ...price, ...ids, problem: 'no book recorded with the order' });
  const book = BookSeen.safeParse(order.bookSeen);
  if (!book.success) return failed(rule, where, { ...price, ...ids, problem: 'the recorded book is unreadable' });
  const takesFrom = fill.side === 'BUY' ? 'asks' : 'bids';
  if (book.data.side !== takesFrom) {
    return failed(rule, where, { ...price, ...ids, bookSide: book.data.side, problem: `the recorded book is not the ${takesFrom} the order takes from` });
  }
  const atPrice = book.data.levels.filter((l) => l.priceMicros === fill.priceMicros);
  if (atPrice.length === 0) {
    return failed(rule, where, {
      ...price,
      ...ids,
      bookPricesMicros: book.data.levels.map((l) => l.priceMicros).join(','),
      problem: 'fill price is not a level of the book the executor saw',
    });
  }
  const levelSizeMicros = atPrice.reduce((sum, l) => sum + l.sizeMicros, 0n);
  if (e.filledAtPriceMicros > levelSizeMicros) {
    return failed(rule, where, {
      ...price,
      ...ids,
      levelSizeMicros,
      filledAtPriceMicros: e.filledAtPriceMicros,
      problem: 'the order filled more at this price than the level offered',
    });
  }
  return passed(rule);
}

// ------------------------------------------------------------------------------------------ fee_matches_schedule

/**
 * A settlement is free. A paper fill pays `takerFeeMicros(schedule, price, size)`, by the schedule the executor
 * recorded with the order (book_seen.fee) or, for an order that predates that, the markets row's. A live fill
 * pays what the venue reported for its trade (venue_trades.fee_micros), which the venue alone decides: the check
 * is that the book of record charged exactly that. With no schedule to compare against, the finding is a warning:
 * nothing is known to be wrong, but the fee went unchecked.
 */
export function checkFeeMatchesSchedule(fill: StoredFill, e: Pick<TradeEvidence, 'order' | 'market' | 'venueTradeFeeMicros'>): CheckOutcome {
  const rule = AuditRules.feeMatchesSchedule;
  const where = { agentId: fill.agentId, refId: fill.fillId };
  const numbers = { priceMicros: fill.priceMicros, sizeMicros: fill.sizeMicros };
  if (fill.kind === 'settlement') return expectEqual(rule, where, 0n, fill.feeMicros, { ...numbers, source: 'settlements are free' });

  if (e.order?.venue === 'live') {
    if (e.venueTradeFeeMicros === null) return failed(rule, where, { ...numbers, feeMicros: fill.feeMicros, problem: 'live fill without its venue trade' });
    return expectEqual(rule, where, e.venueTradeFeeMicros, fill.feeMicros, { ...numbers, source: 'venue trade' });
  }

  const recorded = e.order ? BookSeen.safeParse(e.order.bookSeen) : undefined;
  const fromOrder = recorded?.success ? recorded.data.fee : undefined;
  const schedule = fromOrder ?? e.market?.fee ?? undefined;
  if (!schedule) {
    return failed(rule, where, { ...numbers, feeMicros: fill.feeMicros, problem: 'no fee schedule recorded with the order or the market' }, 'warning');
  }
  return expectEqual(rule, where, takerFeeMicros(schedule, fill.priceMicros, fill.sizeMicros), fill.feeMicros, {
    ...numbers,
    rateMicros: schedule.rateMicros,
    exponent: schedule.exponent,
    source: fromOrder ? 'order' : 'market',
  });
}

// ------------------------------------------------------------------------------------------ within_limits_in_force

/**
 * The order behind a trade fill was one the executor may approve:
 *   - it was not denied (a denied order has no fills);
 *   - no kill switch of the floor or the agent was on when it was decided, as the audit log's `killswitch.set`
 *     rows tell it (the switches act on entries and exits alike);
 *   - an entry (BUY) stakes no more than the agent's `maxStakeUsd`: ⌈limit × approved size⌉, as the engine
 *     computes it. The engine's cap may be lower still (the Boss's size multiplier is at most 1), so passing
 *     here means "not over the configured limit", not "exactly the cap the engine applied".
 * Settlements are decided by the market, not the agent, and pass. A trade fill without its order is reported by
 * fill_price_within_book; this check has nothing to compare and passes.
 */
export function checkWithinLimitsInForce(
  fill: StoredFill,
  e: Pick<TradeEvidence, 'order' | 'limits' | 'killSwitchFlips'>,
  graceMs: number = KILL_SWITCH_GRACE_MS,
): CheckOutcome {
  const rule = AuditRules.withinLimitsInForce;
  const { order } = e;
  if (fill.kind === 'settlement' || !order) return passed(rule);
  const where = { agentId: fill.agentId, refId: fill.fillId };
  const ids = { clientOrderId: order.clientOrderId, side: order.side };

  if (order.status === 'denied') return failed(rule, where, { ...ids, orderStatus: order.status, problem: 'fill on a denied order' });

  const flip = killSwitchOnThroughout(e.killSwitchFlips, order.createdAtMs - graceMs, order.createdAtMs + graceMs);
  if (flip) {
    return failed(rule, where, {
      ...ids,
      scope: flip.scope,
      switchSetAt: new Date(flip.tsMs).toISOString(),
      orderDecidedAt: new Date(order.createdAtMs).toISOString(),
      switchReason: flip.reason,
      problem: `order decided while the ${flip.scope} kill switch was on`,
    });
  }

  if (order.side !== 'BUY') return passed(rule);
  if (!e.limits.ok) return failed(rule, where, { ...ids, problem: `the agent's limits are unusable, so the executor denies its entries: ${e.limits.problem}` });
  const stakeMicros = notionalMicros(order.limitPriceMicros, order.sizeMicros, 'ceil');
  const maxStakeMicros = e.limits.limits.agent.maxStakeUsd;
  if (stakeMicros <= maxStakeMicros) return passed(rule);
  return failed(rule, where, {
    ...ids,
    limitPriceMicros: order.limitPriceMicros,
    orderSizeMicros: order.sizeMicros,
    stakeMicros,
    maxStakeMicros,
    problem: 'order stake over the agent maxStakeUsd',
  });
}

/**
 * The flip that turned a switch on and kept it on throughout [fromMs, toMs], or undefined when every switch was
 * off at some moment of it. The floor switch is looked at first.
 */
export function killSwitchOnThroughout(flips: readonly KillSwitchFlip[], fromMs: number, toMs: number): KillSwitchFlip | undefined {
  for (const scope of ['floor', 'agent'] as const) {
    let setting: KillSwitchFlip | undefined;
    let clearedWithin = false;
    for (const flip of flips) {
      if (flip.scope !== scope) continue;
      if (flip.tsMs <= fromMs) setting = flip.on ? flip : undefined;
      else if (flip.tsMs <= toMs && !flip.on) clearedWithin = true;
    }
    if (setting && !clearedWithin) return setting;
  }
  return undefined;
}
