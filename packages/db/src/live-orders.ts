import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import {
  deterministicId,
  EMPTY_POSITION,
  fillEffect,
  InvariantError,
  notionalMicros,
  takerFeeMicros,
  type FeeSchedule,
  type FillApplied,
  type MarketInfo,
  type OrderIntent,
  type OrderOutcome,
  type PositionState,
  type Side,
} from '@floor/domain';
import { clientOrderIdFor } from '@floor/paper';
import { checkIntent } from '@floor/risk';
import type { Db, Tx } from './client.js';
import {
  agentLockKey,
  anyKillSwitch,
  basicGateLimits,
  bookFill,
  decidePreTrade,
  denialReason,
  isMarketResolved,
  marketLockKey,
  readIntentResult,
  toFillApplied,
  toOrderOutcome,
  recordRiskEvent,
  writePosition,
  type IntentDenial,
  type OrderRecord,
  type ProcessIntentDeps,
} from './execution.js';
import { readAgentPortfolioTx } from './portfolio.js';
import { orders, riskEvents, venueTrades, type VenueTradeStatus } from './schema.js';

/**
 * The live executor's write path. A live order lives longer than one transaction:
 *
 *   openLiveOrder        risk checks, then the order row as `pending_unknown` with its venue order id, BEFORE the
 *                        submit: whatever happens to the request, the order can be looked for by that id
 *   recordSubmitOutcome  the venue's answer: accepted → open, a clean refusal → rejected; no answer → unchanged
 *   applyVenueTrade      a trade report (idempotent); a CONFIRMED trade becomes a fill + position + ledger in the
 *                        same transaction, exactly as the paper path books a match (bookFill, writePosition)
 *   observeLiveOrder     what the venue's open-order list says about an order (reconciliation)
 *
 * Locks are taken in the order processIntent takes them (market shared, then agent), so live and paper verbs
 * serialise where they must and never deadlock.
 */

export type VenueTradeRecord = typeof venueTrades.$inferSelect;

/** Trade statuses that will not change again. */
const FINAL_TRADE_STATUSES: readonly VenueTradeStatus[] = ['CONFIRMED', 'FAILED'];
/** Progress order; RETRYING sits with MINED (a failed settlement being retried) and may go either way. */
const TRADE_STATUS_RANK: Record<VenueTradeStatus, number> = { MATCHED: 0, MINED: 1, RETRYING: 1, CONFIRMED: 2, FAILED: 2 };

const WORKING_STATUSES = ['pending_unknown', 'open'] as const;

/** The order as signed: price and size after rounding to the venue's grid. */
export interface LiveOrderPlan {
  readonly venueOrderId: string;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
}

export interface OpenLiveOrderResult {
  readonly order: OrderRecord;
  /** the intent had an order already (nothing written): do not submit again */
  readonly replayed: boolean;
  readonly denial: IntentDenial | undefined;
  /** set when the order is already final (a denial, or a replay of a finished order) */
  readonly outcome: OrderOutcome | undefined;
  /** on a replay: the order's fills so far, to re-publish */
  readonly fills: readonly FillApplied[];
}

/**
 * The pre-trade engine approved the intent at a smaller size than the signed plan, so nothing was written: sign the
 * order again at `resizeTo` and call `openLiveOrder` once more (a signed order cannot shrink).
 */
export interface LiveOrderResize {
  readonly resizeTo: bigint;
}

/**
 * Decides a live intent and, when it passes, records the order as `pending_unknown` under its venue order id.
 * The same gates as the paper path, on the order as signed: the pre-trade engine (`decidePreTrade`), then the
 * basic gate on the worst-case cost. Both see the book of record minus what working live orders have committed:
 * cash for the unfilled part of BUYs, shares for the unfilled part of SELLs (matched-but-unconfirmed trades are
 * part of that). Idempotent by intent id like `processIntent`.
 */
export async function openLiveOrder(
  db: Db,
  intent: OrderIntent,
  /** the signed order, or why it could not be signed (then, unless risk denies it first, it is rejected unsent) */
  plan: LiveOrderPlan | { readonly invalid: string },
  deps: ProcessIntentDeps,
): Promise<OpenLiveOrderResult | LiveOrderResize> {
  const clientOrderId = clientOrderIdFor(intent.intentId);
  return db.transaction(async (tx): Promise<OpenLiveOrderResult | LiveOrderResize> => {
    await lockFor(tx, intent.marketId, intent.agentId);
    const prior = await readIntentResult(tx, intent.intentId);
    if (prior) return { order: prior.order, replayed: true, denial: undefined, outcome: prior.outcome, fills: prior.fills };

    const portfolio = await readAgentPortfolioTx(tx, intent.agentId);
    const held = portfolio.positions.find((p) => p.tokenId === intent.tokenId)?.sizeMicros ?? 0n;
    const committed = await liveCommitments(tx, intent.agentId, intent.tokenId);
    const resolved = deps.market ? await isMarketResolved(tx, intent.marketId) : false;
    const priceMicros = 'invalid' in plan ? intent.limitPriceMicros : plan.priceMicros;
    const sizeMicros = 'invalid' in plan ? intent.sizeMicros : plan.sizeMicros;
    // the gates judge the order as signed (rounded to the venue's grid), against what is not already committed
    const signed: OrderIntent = { ...intent, limitPriceMicros: priceMicros, sizeMicros };
    const available = { cashMicros: portfolio.cashMicros - committed.cashMicros, positionMicros: held - committed.sharesMicros };

    const base = {
      clientOrderId,
      intentId: intent.intentId,
      agentId: intent.agentId,
      marketId: intent.marketId,
      tokenId: intent.tokenId,
      side: intent.side,
      orderType: intent.orderType,
      limitPriceMicros: priceMicros,
      sizeMicros,
      filledSizeMicros: 0n,
      venue: 'live' as const,
      intentReason: intent.reason,
      tsIntentMs: BigInt(intent.tsCreatedMs),
    };
    const context = {
      clientOrderId,
      venue: 'live',
      cashMicros: portfolio.cashMicros,
      committedCashMicros: committed.cashMicros,
      positionMicros: held,
      committedSharesMicros: committed.sharesMicros,
    };
    const deny = async (denial: IntentDenial, numbers: Record<string, unknown>): Promise<OpenLiveOrderResult> => {
      const [order] = await tx.insert(orders).values({ ...base, status: 'denied', reason: denialReason(denial) }).returning();
      await recordRiskEvent(tx, intent, denial.code, { check: denial.check, message: denial.message, ...context, ...numbers, numbers: denial.details });
      const stored = requireRow(order);
      return { order: stored, replayed: false, denial, outcome: toOrderOutcome(stored), fills: [] };
    };

    const preTrade = await decidePreTrade(tx, signed, { ...deps, resolved, positionMicros: available.positionMicros });
    if (!preTrade.ok) return deny(preTrade.denial, preTrade.numbers);
    if (preTrade.sizeMicros < sizeMicros && !('invalid' in plan)) return { resizeTo: preTrade.sizeMicros };
    const worstCaseCost =
      intent.side === 'BUY' ? notionalMicros(priceMicros, sizeMicros, 'ceil') + takerFeeMicros(deps.market?.fee ?? ZERO_FEE, priceMicros, sizeMicros) : 0n;
    const gate = checkIntent(
      signed,
      {
        nowMs: deps.nowMs,
        killSwitch: anyKillSwitch(deps.preTrade.killSwitch),
        market: deps.market ? { tokenIds: deps.market.tokens.map((t) => t.tokenId), resolved } : undefined,
        book: deps.book ? { stale: deps.book.stale, publishedMs: deps.book.tsPublishedMs } : undefined,
        cashMicros: available.cashMicros,
        positionMicros: available.positionMicros,
        cashDeltaMicros: -worstCaseCost,
      },
      basicGateLimits(preTrade.limits),
    );
    if (!gate.ok) return deny({ ...gate, check: 'basicGate', details: { worstCaseCostMicros: worstCaseCost } }, preTrade.numbers);
    if ('invalid' in plan) {
      const [order] = await tx.insert(orders).values({ ...base, status: 'rejected', reason: `INVALID_ORDER: ${plan.invalid}` }).returning();
      const stored = requireRow(order);
      return { order: stored, replayed: false, denial: undefined, outcome: toOrderOutcome(stored), fills: [] };
    }
    const [order] = await tx
      .insert(orders)
      .values({ ...base, status: 'pending_unknown', reason: 'submitting', venueOrderId: plan.venueOrderId, submittedAt: sql`now()` })
      .returning();
    return { order: requireRow(order), replayed: false, denial: undefined, outcome: undefined, fills: [] };
  });
}

export type SubmitRecord =
  | { readonly kind: 'accepted'; readonly venueOpen: boolean }
  | { readonly kind: 'rejected'; readonly message: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Records the venue's answer to a submit. Only a `pending_unknown` order moves: if reconciliation got there first
 * (it saw the order open, or its trades), its evidence stands. Returns the order and, for a rejection, its outcome.
 */
export async function recordSubmitOutcome(db: Db, clientOrderId: string, result: SubmitRecord): Promise<{ order: OrderRecord; outcome: OrderOutcome | undefined }> {
  const set =
    result.kind === 'accepted'
      ? { status: 'open' as const, venueOpen: result.venueOpen, reason: '' }
      : result.kind === 'rejected'
        ? { status: 'rejected' as const, reason: `VENUE_REJECTED: ${result.message}` }
        : { reason: `submit unconfirmed (${result.reason}); waiting for venue evidence` };
  const [updated] = await db
    .update(orders)
    .set({ ...set, updatedAt: sql`now()` })
    .where(and(eq(orders.clientOrderId, clientOrderId), eq(orders.status, 'pending_unknown')))
    .returning();
  const order = updated ?? requireRow((await db.select().from(orders).where(eq(orders.clientOrderId, clientOrderId)))[0]);
  return { order, outcome: updated && result.kind === 'rejected' ? toOrderOutcome(order) : undefined };
}

/** One of our orders' part in a venue trade. */
export interface LiveTradeReport {
  readonly tradeId: string;
  readonly venueOrderId: string;
  readonly traderSide: 'TAKER' | 'MAKER';
  /** our order's side */
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  /** the taker fee rate the venue applied (bps); makers pay nothing */
  readonly feeRateBps: number | null;
  readonly status: VenueTradeStatus;
  readonly matchedAtMs: number;
  readonly lastUpdateMs: number | null;
  readonly transactionHash: string | null;
}

export interface ApplyVenueTradeResult {
  /** false when the report told us nothing new (same or older status) */
  readonly changed: boolean;
  /** true when this trade was not in venue_trades before */
  readonly inserted: boolean;
  readonly previousStatus: VenueTradeStatus | null;
  /** the fill written for a newly CONFIRMED trade */
  readonly fill: FillApplied | undefined;
  /** the order's outcome, when this trade finished it */
  readonly outcome: OrderOutcome | undefined;
  readonly order: OrderRecord;
}

/**
 * Applies a trade report idempotently: statuses only move forward, and the CONFIRMED step writes the fill, the
 * position and the balanced ledger transaction in this same transaction. FAILED is recorded and books nothing.
 * Throws InvariantError for a trade of an order we do not know (callers filter by venue order id first).
 */
export async function applyVenueTrade(db: Db, report: LiveTradeReport, market: MarketInfo | undefined): Promise<ApplyVenueTradeResult> {
  const [known] = await db.select().from(orders).where(eq(orders.venueOrderId, report.venueOrderId));
  if (!known) throw new InvariantError('trade for an order we did not place', { tradeId: report.tradeId, venueOrderId: report.venueOrderId });
  return db.transaction(async (tx) => {
    await lockFor(tx, known.marketId, known.agentId);
    const order = requireRow((await tx.select().from(orders).where(eq(orders.clientOrderId, known.clientOrderId)))[0]);
    const key = and(eq(venueTrades.tradeId, report.tradeId), eq(venueTrades.venueOrderId, report.venueOrderId));
    const [existing] = await tx.select().from(venueTrades).where(key);
    const unchanged = { changed: false, inserted: false, previousStatus: existing?.status ?? null, fill: undefined, outcome: undefined, order };
    if (existing && !advances(existing.status, report.status)) return unchanged;

    const feeMicros = feeOf(report, market);
    const values = {
      status: report.status,
      transactionHash: report.transactionHash,
      venueUpdatedAt: report.lastUpdateMs === null ? null : new Date(report.lastUpdateMs),
      updatedAt: sql`now()`,
    };
    if (existing) {
      await tx.update(venueTrades).set(values).where(key);
    } else {
      await tx.insert(venueTrades).values({
        ...values,
        tradeId: report.tradeId,
        venueOrderId: report.venueOrderId,
        clientOrderId: order.clientOrderId,
        agentId: order.agentId,
        marketId: order.marketId,
        tokenId: order.tokenId,
        side: report.side,
        traderSide: report.traderSide,
        priceMicros: report.priceMicros,
        sizeMicros: report.sizeMicros,
        feeMicros,
        feeRateBps: report.traderSide === 'TAKER' ? (report.feeRateBps ?? 0) : 0,
        matchedAt: new Date(report.matchedAtMs),
      });
    }

    let fill: FillApplied | undefined;
    let filledSizeMicros = order.filledSizeMicros;
    if (report.status === 'CONFIRMED') {
      fill = await bookConfirmedTrade(tx, order, report, feeMicros);
      filledSizeMicros += report.sizeMicros;
    }
    const matched = await matchedSizeOf(tx, order.clientOrderId);
    const [updated] = await tx
      .update(orders)
      .set({
        filledSizeMicros,
        matchedSizeMicros: matched,
        // a trade is evidence the venue accepted the order
        ...(order.status === 'pending_unknown' ? { status: 'open' as const, reason: '' } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(orders.clientOrderId, order.clientOrderId))
      .returning();
    const settled = await settleIfDone(tx, requireRow(updated));
    return { changed: true, inserted: !existing, previousStatus: existing?.status ?? null, fill, outcome: settled.outcome, order: settled.order };
  });
}

/** Writes the fill of a CONFIRMED trade like the paper path writes a matched level. */
async function bookConfirmedTrade(tx: Tx, order: OrderRecord, report: LiveTradeReport, feeMicros: bigint): Promise<FillApplied> {
  const portfolio = await readAgentPortfolioTx(tx, order.agentId);
  const held = portfolio.positions.find((p) => p.tokenId === order.tokenId);
  const position: PositionState = held ? { sizeMicros: held.sizeMicros, costMicros: held.costMicros } : EMPTY_POSITION;
  const effect = fillEffect(order.agentId, position, report.side, report.priceMicros, report.sizeMicros, feeMicros);
  const fillId = liveFillId(order.clientOrderId, report.tradeId);
  const row = await bookFill(tx, {
    fillId,
    kind: 'trade',
    clientOrderId: order.clientOrderId,
    intentId: order.intentId,
    agentId: order.agentId,
    marketId: order.marketId,
    tokenId: order.tokenId,
    side: report.side,
    priceMicros: report.priceMicros,
    sizeMicros: report.sizeMicros,
    feeMicros,
    effect,
  });
  if (!row) throw new InvariantError('fill of a newly confirmed trade already exists', { fillId, tradeId: report.tradeId });
  await writePosition(tx, { agentId: order.agentId, tokenId: order.tokenId, marketId: order.marketId }, effect.position, effect.realizedPnlMicros);
  await tx
    .update(venueTrades)
    .set({ fillId })
    .where(and(eq(venueTrades.tradeId, report.tradeId), eq(venueTrades.venueOrderId, report.venueOrderId)));
  return toFillApplied(row, Number(order.tsIntentMs));
}

/** The fill id of a live trade: one per (order, venue trade), ever. */
export function liveFillId(clientOrderId: string, tradeId: string): string {
  return deterministicId('fill', clientOrderId, 'venue-trade', tradeId);
}

/**
 * What the venue's open-order list says about a working order, read at `observedAtMs` (before the venue was
 * asked). An order changed after that instant is left alone: the observation may predate its submit.
 *   listed     → open (a pending_unknown order is thereby confirmed), matched size as the venue says
 *   not listed → no longer resting: settles once all its trades are final; a pending_unknown order with no
 *                trace after `notFoundAfterMs` becomes not_found
 */
export type LiveOrderObservation =
  | { readonly kind: 'listed' }
  | { readonly kind: 'absent'; readonly notFoundAfterMs: number };

export interface ObserveLiveOrderResult {
  readonly before: OrderRecord;
  readonly order: OrderRecord;
  readonly outcome: OrderOutcome | undefined;
}

export async function observeLiveOrder(db: Db, clientOrderId: string, seen: LiveOrderObservation, observedAtMs: number): Promise<ObserveLiveOrderResult | undefined> {
  const [known] = await db.select().from(orders).where(eq(orders.clientOrderId, clientOrderId));
  if (!known) return undefined;
  return db.transaction(async (tx) => {
    await lockFor(tx, known.marketId, known.agentId);
    const before = requireRow((await tx.select().from(orders).where(eq(orders.clientOrderId, clientOrderId)))[0]);
    const working = (WORKING_STATUSES as readonly string[]).includes(before.status);
    if (!working || before.updatedAt.getTime() > observedAtMs) return { before, order: before, outcome: undefined };

    if (seen.kind === 'listed') {
      if (before.status === 'open' && before.venueOpen) return { before, order: before, outcome: undefined };
      const [order] = await tx
        .update(orders)
        .set({ status: 'open', venueOpen: true, reason: '', updatedAt: sql`now()` })
        .where(eq(orders.clientOrderId, clientOrderId))
        .returning();
      return { before, order: requireRow(order), outcome: undefined };
    }

    if (before.status === 'pending_unknown') {
      const submittedMs = (before.submittedAt ?? before.createdAt).getTime();
      if (observedAtMs - submittedMs < seen.notFoundAfterMs) return { before, order: before, outcome: undefined };
      const [order] = await tx
        .update(orders)
        .set({ status: 'not_found', venueOpen: false, reason: 'NOT_FOUND: the venue shows neither the order nor any trade of it', updatedAt: sql`now()` })
        .where(eq(orders.clientOrderId, clientOrderId))
        .returning();
      const stored = requireRow(order);
      return { before, order: stored, outcome: toOrderOutcome(stored) };
    }

    const [order] = await tx
      .update(orders)
      .set({ venueOpen: false, updatedAt: sql`now()` })
      .where(eq(orders.clientOrderId, clientOrderId))
      .returning();
    const settled = await settleIfDone(tx, requireRow(order));
    return { before, order: settled.order, outcome: settled.outcome };
  });
}

/** Live orders still working at the venue, oldest first. */
export async function listWorkingLiveOrders(q: Db | Tx): Promise<OrderRecord[]> {
  return q
    .select()
    .from(orders)
    .where(and(eq(orders.venue, 'live'), inArray(orders.status, [...WORKING_STATUSES])))
    .orderBy(asc(orders.createdAt));
}

/** The live orders with these venue ids (to tell our trades from anyone else's). */
export async function liveOrdersByVenueId(q: Db | Tx, venueOrderIds: readonly string[]): Promise<OrderRecord[]> {
  if (venueOrderIds.length === 0) return [];
  return q.select().from(orders).where(inArray(orders.venueOrderId, [...venueOrderIds]));
}

/** Trades of an order, oldest first. */
export async function venueTradesOf(q: Db | Tx, clientOrderId: string): Promise<VenueTradeRecord[]> {
  return q.select().from(venueTrades).where(eq(venueTrades.clientOrderId, clientOrderId)).orderBy(asc(venueTrades.matchedAt));
}

/** The earliest match time of a trade that is not final yet (to know how far back to read venue trades). */
export async function oldestUnsettledTradeMs(q: Db | Tx): Promise<number | undefined> {
  const [row] = await q
    .select({ at: sql<Date | null>`min(${venueTrades.matchedAt})` })
    .from(venueTrades)
    .where(and(ne(venueTrades.status, 'CONFIRMED'), ne(venueTrades.status, 'FAILED')));
  return row?.at ? new Date(row.at).getTime() : undefined;
}

// ---------------------------------------------------------------------------------------------------------

const ZERO_FEE: FeeSchedule = { rateMicros: 0n, exponent: 1, takerOnly: true };

async function lockFor(tx: Tx, marketId: string, agentId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(hashtext(${marketLockKey(marketId)}))`);
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${agentLockKey(agentId)}))`);
}

/**
 * What an agent's working live orders have committed and the ledger does not show yet: cash for the unfilled
 * part of BUYs (at the limit, plus the worst-case taker fee), shares for the unfilled part of SELLs.
 */
async function liveCommitments(tx: Tx, agentId: string, tokenId: string): Promise<{ cashMicros: bigint; sharesMicros: bigint }> {
  const working = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.agentId, agentId), eq(orders.venue, 'live'), inArray(orders.status, [...WORKING_STATUSES])));
  let cashMicros = 0n;
  let sharesMicros = 0n;
  for (const o of working) {
    const unfilled = o.sizeMicros - o.filledSizeMicros;
    if (unfilled <= 0n) continue;
    if (o.side === 'BUY') cashMicros += notionalMicros(o.limitPriceMicros, unfilled, 'ceil');
    else if (o.tokenId === tokenId) sharesMicros += unfilled;
  }
  return { cashMicros, sharesMicros };
}

function advances(from: VenueTradeStatus, to: VenueTradeStatus): boolean {
  if (FINAL_TRADE_STATUSES.includes(from)) return false;
  if (from === to) return false;
  return TRADE_STATUS_RANK[to] >= TRADE_STATUS_RANK[from];
}

/** Taker fee at the rate the venue reports for the trade (the market's schedule when it reports none); makers pay 0. */
function feeOf(report: LiveTradeReport, market: MarketInfo | undefined): bigint {
  if (report.traderSide === 'MAKER') return 0n;
  const schedule: FeeSchedule =
    report.feeRateBps === null
      ? (market?.fee ?? ZERO_FEE)
      : { rateMicros: BigInt(report.feeRateBps) * 100n, exponent: market?.fee.exponent ?? 1, takerOnly: true };
  return takerFeeMicros(schedule, report.priceMicros, report.sizeMicros);
}

async function matchedSizeOf(tx: Tx, clientOrderId: string): Promise<bigint> {
  const rows = await tx.select().from(venueTrades).where(and(eq(venueTrades.clientOrderId, clientOrderId), ne(venueTrades.status, 'FAILED')));
  return rows.reduce((sum, r) => sum + r.sizeMicros, 0n);
}

/**
 * An order is final when everything it will ever book is booked: fully filled, or no longer resting at the
 * venue with every one of its trades CONFIRMED or FAILED.
 */
async function settleIfDone(tx: Tx, order: OrderRecord): Promise<{ order: OrderRecord; outcome: OrderOutcome | undefined }> {
  if (order.status !== 'open') return { order, outcome: undefined };
  const complete = order.filledSizeMicros >= order.sizeMicros;
  if (!complete) {
    if (order.venueOpen) return { order, outcome: undefined };
    const trades = await venueTradesOf(tx, order.clientOrderId);
    if (trades.some((t) => !FINAL_TRADE_STATUSES.includes(t.status))) return { order, outcome: undefined };
  }
  const status = complete ? 'filled' : order.filledSizeMicros > 0n ? 'partially_filled' : 'cancelled';
  const reason = status === 'filled' ? '' : 'no longer resting at the venue (cancelled, expired or killed)';
  const [updated] = await tx
    .update(orders)
    .set({ status, reason, venueOpen: complete ? false : order.venueOpen, updatedAt: sql`now()` })
    .where(eq(orders.clientOrderId, order.clientOrderId))
    .returning();
  const stored = requireRow(updated);
  return { order: stored, outcome: toOrderOutcome(stored) };
}

function requireRow<T>(row: T | undefined): T {
  if (!row) throw new InvariantError('expected an orders row');
  return row;
}
