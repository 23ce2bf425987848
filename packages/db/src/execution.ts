import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import {
  deterministicId,
  EMPTY_POSITION,
  formatMicros,
  InvariantError,
  NO_FEES,
  stringifyWire,
  type Book,
  type BookSnapshot,
  type FeeSchedule,
  type FillApplied,
  type FillEffect,
  type FillKind,
  type MarketInfo,
  type OrderIntent,
  type OrderOutcome,
  type PositionState,
  type Side,
} from '@floor/domain';
import {
  bookMatch,
  bookSettlement,
  clientOrderIdFor,
  matchAgainstBook,
  matchCashDeltaMicros,
  orderOutcomeEventId,
  settlementFillId,
  unfilledReason,
  type PaperFill,
} from '@floor/paper';
import { checkIntent, evaluateIntent, type CheckName, type PreTradeLimits, type RiskCode, type RiskDenial, type RiskDetails, type SizeReduction } from '@floor/risk';
import type { Db, Tx } from './client.js';
import { appendAudit, type Actor } from './audit.js';
import { readAgentPortfolioTx } from './portfolio.js';
import { readPreTradeView, type PreTradeInputs } from './risk-view.js';
import { fills, ledgerEntries, ledgerTxns, markets, orders, positions, riskEvents } from './schema.js';

export type OrderRecord = typeof orders.$inferSelect;
export type FillRecord = typeof fills.$inferSelect;

/**
 * The executor's write path. Each verb is one Postgres transaction that takes the same locks in the same
 * order, so that concurrent verbs serialise where they must and never deadlock:
 *
 *   1. `market:<id>` advisory lock: shared by intents, exclusive by settlement. "Is the market resolved?"
 *      and "pay out every open position" are therefore atomic with respect to each other: no fill can
 *      land between a settlement's read of the positions and its commit.
 *   2. `agent:<id>` advisory lock (the key `allocateCapital` uses), in agent-id order. Fill `seq` values
 *      are drawn under it, so one agent's fills commit in seq order and an agent that restored at
 *      `lastFillSeq = N` never misses a late-committing fill with a smaller seq.
 */
export const marketLockKey = (marketId: string) => `market:${marketId}`;
export const agentLockKey = (agentId: string) => `agent:${agentId}`;

// The ids are pure and shared with the backtester, which books matches exactly as this file does.
export { clientOrderIdFor, settlementFillId, tradeFillId } from '@floor/paper';

export interface ProcessIntentDeps {
  /** the market as the registry (`marketsHash`) has it; undefined = not listed */
  readonly market: MarketInfo | undefined;
  /** latest book of `intent.tokenId`, read by the caller before the transaction; undefined = none */
  readonly book: BookSnapshot | undefined;
  /** what the pre-trade engine needs from outside Postgres: the floor's limits, kill switches, trading states, marks */
  readonly preTrade: PreTradeInputs;
  readonly nowMs: number;
}

/** Why an intent was denied: the engine's check (or the basic gate's) with its code, message and numbers. */
export interface IntentDenial extends RiskDenial {
  /** the engine's check name; 'basicGate' for `checkIntent` on the match, 'agentLimits' for unusable limits */
  readonly check: CheckName | 'basicGate' | 'agentLimits';
  readonly details: RiskDetails;
}

export interface ProcessIntentResult {
  readonly order: OrderRecord;
  /** the order's fills in seq order (none for a denial or an unfilled order) */
  readonly fills: readonly FillApplied[];
  /** the order's terminal outcome; undefined only while a live order is still working at the venue */
  readonly outcome: OrderOutcome | undefined;
  /** true when the intent had been decided before: nothing was written, the stored result is returned */
  readonly replayed: boolean;
  /** the risk gate's denial, when this call denied the intent */
  readonly denial: IntentDenial | undefined;
  /** the engine's size reductions, when this call approved the intent at less than its size */
  readonly reductions: readonly SizeReduction[];
}

const EMPTY_BOOK_SIDES = { bids: [], asks: [] } as const;

/**
 * Decides one intent on the paper exchange and books the result, in one transaction:
 *   1. the pre-trade engine (`evaluateIntent`) on a view read under the locks (`readPreTradeView`);
 *   2. a match against `deps.book` at the approved size (the engine may have reduced it);
 *   3. the basic gate (`checkIntent`) on the match: cash against the real cost, fees included;
 *   4. the order row, its fills, the positions and one balanced ledger transaction per fill; for a denial the
 *      order row (status denied, "CODE: message") and a `risk_events` row with the check and its numbers; for a
 *      reduction a `risk_events` row SIZE_REDUCED beside the filled order.
 *
 * Idempotent by intent id: an intent that already has an order returns the stored outcome and fills with
 * `replayed: true` and writes nothing.
 */
export async function processIntent(db: Db, intent: OrderIntent, deps: ProcessIntentDeps): Promise<ProcessIntentResult> {
  if (deps.book && deps.book.tokenId !== intent.tokenId) {
    throw new InvariantError('book does not belong to the intent token', { intentId: intent.intentId, bookTokenId: deps.book.tokenId });
  }
  const clientOrderId = clientOrderIdFor(intent.intentId);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock_shared(hashtext(${marketLockKey(intent.marketId)}))`);
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${agentLockKey(intent.agentId)}))`);

    const prior = await readIntentResult(tx, intent.intentId);
    if (prior) return { ...prior, replayed: true, denial: undefined, reductions: [] };

    const portfolio = await readAgentPortfolioTx(tx, intent.agentId);
    const held = portfolio.positions.find((p) => p.tokenId === intent.tokenId);
    let position: PositionState = held ? { sizeMicros: held.sizeMicros, costMicros: held.costMicros } : EMPTY_POSITION;
    // read under the market lock: a settlement either committed before this point or waits for us
    const resolved = deps.market ? await isMarketResolved(tx, intent.marketId) : false;

    const orderBase = {
      clientOrderId,
      intentId: intent.intentId,
      agentId: intent.agentId,
      marketId: intent.marketId,
      tokenId: intent.tokenId,
      side: intent.side,
      orderType: intent.orderType,
      limitPriceMicros: intent.limitPriceMicros,
      sizeMicros: intent.sizeMicros,
      venue: 'paper' as const,
      intentReason: intent.reason,
      tsIntentMs: BigInt(intent.tsCreatedMs),
    };
    const context = { clientOrderId, cashMicros: portfolio.cashMicros, positionMicros: position.sizeMicros };
    // the schedule every fill of this order is charged by, recorded with the order (book_seen.fee) for the auditor
    const fee = deps.market?.fee ?? NO_FEES;
    const deny = async (denial: IntentDenial, numbers: RiskDetails): Promise<ProcessIntentResult> => {
      const [order] = await tx
        .insert(orders)
        .values({ ...orderBase, status: 'denied', filledSizeMicros: 0n, reason: denialReason(denial), bookSeen: bookSeen(deps.book, intent.side, [], fee) })
        .returning();
      await recordRiskEvent(tx, intent, denial.code, { check: denial.check, message: denial.message, ...context, ...numbers, numbers: denial.details });
      const stored = requireRow(order, 'order');
      return { order: stored, fills: [], outcome: toOrderOutcome(stored), replayed: false, denial, reductions: [] };
    };

    const preTrade = await decidePreTrade(tx, intent, { ...deps, resolved, positionMicros: position.sizeMicros });
    if (!preTrade.ok) return deny(preTrade.denial, preTrade.numbers);
    const sized: OrderIntent = preTrade.sizeMicros === intent.sizeMicros ? intent : { ...intent, sizeMicros: preTrade.sizeMicros };

    const book: Book = deps.book ?? { tokenId: intent.tokenId, ...EMPTY_BOOK_SIDES };
    const match = matchAgainstBook({
      book,
      side: sized.side,
      limitPriceMicros: sized.limitPriceMicros,
      sizeMicros: sized.sizeMicros,
      orderType: sized.orderType,
      fee,
    });
    const gate = checkIntent(
      sized,
      {
        nowMs: deps.nowMs,
        killSwitch: anyKillSwitch(deps.preTrade.killSwitch),
        market: deps.market ? { tokenIds: deps.market.tokens.map((t) => t.tokenId), resolved } : undefined,
        book: deps.book ? { stale: deps.book.stale, publishedMs: deps.book.tsPublishedMs } : undefined,
        cashMicros: portfolio.cashMicros,
        positionMicros: position.sizeMicros,
        cashDeltaMicros: matchCashDeltaMicros(sized.side, match.fills),
      },
      basicGateLimits(preTrade.limits),
    );
    if (!gate.ok) {
      const cashDeltaMicros = matchCashDeltaMicros(sized.side, match.fills);
      return deny({ ...gate, check: 'basicGate', details: { sizeMicros: sized.sizeMicros, cashDeltaMicros } }, preTrade.numbers);
    }

    const [order] = await tx
      .insert(orders)
      .values({
        ...orderBase,
        sizeMicros: sized.sizeMicros,
        status: match.status,
        filledSizeMicros: match.filledSizeMicros,
        reason: [reductionReason(preTrade.reductions), unfilledReason(sized, match, deps.book !== undefined)].filter(Boolean).join('; '),
        bookSeen: bookSeen(deps.book, intent.side, match.fills, fee),
      })
      .returning();
    const stored = requireRow(order, 'order');
    for (const r of preTrade.reductions) {
      await recordRiskEvent(tx, intent, 'SIZE_REDUCED', { check: r.check, message: reductionReason([r]), ...context, fromMicros: r.fromMicros, toMicros: r.toMicros, numbers: r.details });
    }

    const booked = bookMatch({ agentId: intent.agentId, clientOrderId, position, side: intent.side, fills: match.fills });
    const applied: FillApplied[] = [];
    for (const [index, { fillId, fill: f, effect }] of booked.legs.entries()) {
      const row = await bookFill(tx, {
        fillId,
        kind: 'trade',
        clientOrderId,
        intentId: intent.intentId,
        agentId: intent.agentId,
        marketId: intent.marketId,
        tokenId: intent.tokenId,
        side: intent.side,
        priceMicros: f.priceMicros,
        sizeMicros: f.sizeMicros,
        feeMicros: f.feeMicros,
        effect,
      });
      if (!row) throw new InvariantError('trade fill already exists for a new order', { clientOrderId, index });
      applied.push(toFillApplied(row, intent.tsCreatedMs));
    }
    position = booked.position;
    const realizedMicros = booked.realizedMicros;
    if (applied.length > 0) {
      await writePosition(tx, { agentId: intent.agentId, tokenId: intent.tokenId, marketId: intent.marketId }, position, realizedMicros);
    }
    return { order: stored, fills: applied, outcome: toOrderOutcome(stored), replayed: false, denial: undefined, reductions: preTrade.reductions };
  });
}

// ---------------------------------------------------------------------------------------------- pre-trade

/** A pre-trade decision, with the floor-level numbers it was taken on (for the risk_events row). */
export type PreTradeOutcome =
  | { readonly ok: true; readonly sizeMicros: bigint; readonly reductions: readonly SizeReduction[]; readonly limits: PreTradeLimits; readonly numbers: RiskDetails }
  | { readonly ok: false; readonly denial: IntentDenial; readonly numbers: RiskDetails };

/**
 * The pre-trade engine on one intent, inside the caller's transaction and under its locks (paper and live share it).
 * `positionMicros` is what the gate should treat as held (the live path subtracts what working orders committed).
 */
export async function decidePreTrade(
  tx: Tx,
  intent: OrderIntent,
  args: Omit<ProcessIntentDeps, 'market'> & { readonly market: MarketInfo | undefined; readonly resolved: boolean; readonly positionMicros: bigint },
): Promise<PreTradeOutcome> {
  const { view, limits, dayStartSource } = await readPreTradeView(tx, intent, {
    inputs: args.preTrade,
    market: args.market,
    resolved: args.resolved,
    book: args.book,
    positionMicros: args.positionMicros,
    nowMs: args.nowMs,
  });
  const numbers: RiskDetails = {
    bankrollMicros: view.floor.bankrollMicros,
    floorEquityMicros: view.floor.equityMicros,
    dayStartEquityMicros: view.floor.dayStartEquityMicros,
    dayStartSource,
    sizeMultiplier: view.sizeMultiplier,
    floorTradingState: view.tradingState.floor.state,
    agentTradingState: view.tradingState.agent.state,
    intentSizeMicros: intent.sizeMicros,
    limitPriceMicros: intent.limitPriceMicros,
  };
  if (!limits.ok) {
    return { ok: false, denial: { ok: false, check: 'agentLimits', code: 'RISK_CONFIG_INVALID', message: limits.problem, details: {} }, numbers };
  }
  const decision = evaluateIntent(intent, view, limits.limits);
  if (!decision.ok) return { ok: false, denial: decision, numbers };
  return { ok: true, sizeMicros: decision.sizeMicros, reductions: decision.reductions, limits: limits.limits, numbers };
}

/**
 * The basic gate's limits, taken from the agent's resolved ones so that the two gates never disagree:
 * `risk.agent.maxStakeUsd` and `risk.agent.maxDataAgeMs` (see `limits` in floor-config.ts for the old keys).
 */
export function basicGateLimits(limits: PreTradeLimits): { maxStakeUsd: bigint; maxBookAgeMs: number } {
  return { maxStakeUsd: limits.agent.maxStakeUsd, maxBookAgeMs: limits.agent.maxDataAgeMs };
}

/** Any switch on = the basic gate's kill switch on, with the first reason (global before agent before market). */
export function anyKillSwitch(k: ProcessIntentDeps['preTrade']['killSwitch']): { on: boolean; reason: string } {
  const reason = k.global ?? k.agent ?? k.market;
  return { on: reason !== null, reason: reason ?? '' };
}

/** "CODE: message": agents switch on the code before the colon, people read the rest. */
export function denialReason(denial: Pick<RiskDenial, 'code' | 'message'>): string {
  return `${denial.code}: ${denial.message}`;
}

function reductionReason(reductions: readonly SizeReduction[]): string {
  return reductions.map((r) => `SIZE_REDUCED: ${r.check} cut the size from ${formatMicros(r.fromMicros)} to ${formatMicros(r.toMicros)}`).join('; ');
}

/** A `risk_events` row: amounts as decimal strings of micros (the wire form), nested numbers included. */
export async function recordRiskEvent(tx: Tx, intent: OrderIntent, code: RiskCode | 'SIZE_REDUCED', detail: Record<string, unknown>): Promise<void> {
  await tx.insert(riskEvents).values({
    agentId: intent.agentId,
    intentId: intent.intentId,
    code,
    detail: JSON.parse(
      stringifyWire({ marketId: intent.marketId, tokenId: intent.tokenId, side: intent.side, ...detail }),
    ) as Record<string, unknown>,
  });
}

/** The stored order of an intent with its fills and outcome, or undefined if it was never decided. */
export async function readIntentResult(
  q: Db | Tx,
  intentId: string,
): Promise<{ order: OrderRecord; fills: FillApplied[]; outcome: OrderOutcome | undefined } | undefined> {
  const [order] = await q.select().from(orders).where(eq(orders.intentId, intentId));
  if (!order) return undefined;
  // agent_id first so the (agent_id, seq) index narrows the scan; fills has no client_order_id index
  const rows = await q
    .select()
    .from(fills)
    .where(and(eq(fills.agentId, order.agentId), eq(fills.clientOrderId, order.clientOrderId), eq(fills.kind, 'trade')))
    .orderBy(asc(fills.seq));
  const tsIntent = Number(order.tsIntentMs);
  return { order, fills: rows.map((r) => toFillApplied(r, tsIntent)), outcome: toOrderOutcome(order) };
}

export interface SettleMarketInput {
  readonly marketId: string;
  readonly winningTokenId: string;
  /** the market's outcome tokens; positions are also found by their market id, so this may be omitted */
  readonly tokenIds?: readonly string[];
  readonly actor?: Actor;
}

export interface SettleMarketResult {
  /** all settlement fills of the market in seq order, old and new */
  readonly fills: FillApplied[];
  /** how many of them this call wrote */
  readonly created: number;
}

/**
 * Pays out every open position of a resolved market: the winning token at 1, the other at 0, no fee, as
 * `kind = 'settlement'` fills with their ledger transactions; positions go to zero and the markets row (if
 * any) records the winner. Idempotent: a settlement fill id is fixed per (agent, token) and inserted with
 * ON CONFLICT DO NOTHING.
 *
 * Returns every settlement fill of the market, including those an earlier run wrote, so a retried job
 * re-publishes what a crash may have kept from being published (consumers dedupe by fill seq), and how many
 * of them this call created (for metrics).
 */
export async function settleMarket(db: Db, input: SettleMarketInput): Promise<SettleMarketResult> {
  const { marketId, winningTokenId } = input;
  if (input.tokenIds && !input.tokenIds.includes(winningTokenId)) {
    throw new InvariantError('winning token is not an outcome of the market', { marketId, winningTokenId });
  }
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${marketLockKey(marketId)}))`);

    const [market] = await tx.select({ winningTokenId: markets.winningTokenId }).from(markets).where(eq(markets.marketId, marketId));
    if (market?.winningTokenId && market.winningTokenId !== winningTokenId) {
      throw new InvariantError('market already resolved to a different token', { marketId, winningTokenId, recorded: market.winningTokenId });
    }
    const newlyResolved = market !== undefined && market.winningTokenId === null;
    if (newlyResolved) {
      await tx.update(markets).set({ winningTokenId, resolvedAt: sql`now()` }).where(eq(markets.marketId, marketId));
    }

    const inMarket = input.tokenIds?.length
      ? or(eq(positions.marketId, marketId), inArray(positions.tokenId, [...input.tokenIds]))
      : eq(positions.marketId, marketId);
    // Every row, open or already settled: the settled ones name the fills an earlier run wrote.
    const rows = await tx.select().from(positions).where(inMarket).orderBy(asc(positions.agentId), asc(positions.tokenId));
    const open = rows.filter((r) => r.sizeMicros > 0n);
    for (const agentId of [...new Set(open.map((r) => r.agentId))].sort()) {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${agentLockKey(agentId)}))`);
    }

    let created = 0;
    for (const row of open) {
      const settlement = bookSettlement(row.agentId, row.tokenId, { sizeMicros: row.sizeMicros, costMicros: row.costMicros }, row.tokenId === winningTokenId);
      const { effect } = settlement;
      const inserted = await bookFill(tx, {
        fillId: settlement.fillId,
        kind: 'settlement',
        clientOrderId: null,
        intentId: null,
        agentId: row.agentId,
        marketId: row.marketId,
        tokenId: row.tokenId,
        side: 'SELL',
        priceMicros: settlement.priceMicros,
        sizeMicros: row.sizeMicros,
        feeMicros: 0n,
        effect,
      });
      // A conflict means this (agent, token) was settled before and bought again afterwards, which the
      // MARKET_RESOLVED check prevents whenever the markets row exists. Leave it for the auditor to flag.
      if (!inserted) continue;
      created += 1;
      await writePosition(tx, row, effect.position, effect.realizedPnlMicros);
    }

    if (created > 0 || newlyResolved) {
      await appendAudit(tx, {
        actor: input.actor ?? { type: 'system', app: 'executor' },
        action: 'market.settled',
        subject: marketId,
        detail: { winningTokenId, settlementFills: created },
      });
    }

    const ids = rows.map((r) => settlementFillId(r.agentId, r.tokenId));
    if (ids.length === 0) return { fills: [], created };
    const settled = await tx.select().from(fills).where(and(inArray(fills.fillId, ids), eq(fills.kind, 'settlement'))).orderBy(asc(fills.seq));
    return { fills: settled.map((r) => toFillApplied(r)), created };
  });
}

/**
 * Inserts or refreshes a market in the registry table. Resolution columns are left alone: only
 * `settleMarket` writes them.
 */
export async function upsertMarket(q: Db | Tx, info: MarketInfo): Promise<void> {
  const values = {
    marketId: info.marketId,
    question: info.question,
    category: info.category,
    // bigints (fee rate, tick size) as decimal strings, the wire form
    info: JSON.parse(stringifyWire(info)) as unknown,
    endDate: info.endDateMs > 0 ? new Date(info.endDateMs) : null,
  };
  await q
    .insert(markets)
    .values(values)
    .onConflictDoUpdate({
      target: markets.marketId,
      set: { question: values.question, category: values.category, info: values.info, endDate: values.endDate },
    });
}

// ---------------------------------------------------------------------------------------------------------

/** A fill to write with its ledger effect (`bookFill`). Shared with live-orders.ts, which books CONFIRMED trades. */
export interface FillToBook {
  readonly fillId: string;
  readonly kind: FillKind;
  readonly clientOrderId: string | null;
  readonly intentId: string | null;
  readonly agentId: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly feeMicros: bigint;
  readonly effect: FillEffect;
}

/**
 * Writes a fill row and its balanced ledger transaction (`ref` = fill id). Returns the stored row, or
 * undefined when the fill id already existed (then nothing is written).
 */
export async function bookFill(tx: Tx, f: FillToBook): Promise<FillRecord | undefined> {
  const ledgerKind = f.kind === 'trade' ? 'fill' : 'settlement';
  const ledgerTxnId = deterministicId('ledgerTxn', ledgerKind, f.fillId);
  const [row] = await tx
    .insert(fills)
    .values({
      fillId: f.fillId,
      kind: f.kind,
      clientOrderId: f.clientOrderId,
      intentId: f.intentId,
      agentId: f.agentId,
      marketId: f.marketId,
      tokenId: f.tokenId,
      side: f.side,
      priceMicros: f.priceMicros,
      sizeMicros: f.sizeMicros,
      feeMicros: f.feeMicros,
      cashDeltaMicros: f.effect.cashDeltaMicros,
      realizedPnlMicros: f.effect.realizedPnlMicros,
      ledgerTxnId,
    })
    .onConflictDoNothing({ target: fills.fillId })
    .returning();
  if (!row) return undefined;
  await tx.insert(ledgerTxns).values({
    id: ledgerTxnId,
    kind: ledgerKind,
    ref: f.fillId,
    agentId: f.agentId,
    memo: `${f.side} ${formatMicros(f.sizeMicros)} ${f.tokenId} @ ${formatMicros(f.priceMicros)}`,
  });
  await tx
    .insert(ledgerEntries)
    .values(f.effect.postings.map((p) => ({ txnId: ledgerTxnId, account: p.account, agentId: f.agentId, amountMicros: p.amountMicros })));
  return row;
}

/** Upserts a position after a fill; `realizedDeltaMicros` adds to the running realized PnL. */
export async function writePosition(
  tx: Tx,
  key: { agentId: string; tokenId: string; marketId: string },
  position: PositionState,
  realizedDeltaMicros: bigint,
): Promise<void> {
  await tx
    .insert(positions)
    .values({ ...key, sizeMicros: position.sizeMicros, costMicros: position.costMicros, realizedPnlMicros: realizedDeltaMicros })
    .onConflictDoUpdate({
      target: [positions.agentId, positions.tokenId],
      set: {
        sizeMicros: position.sizeMicros,
        costMicros: position.costMicros,
        realizedPnlMicros: sql`${positions.realizedPnlMicros} + ${realizedDeltaMicros.toString()}::bigint`,
        updatedAt: sql`now()`,
      },
    });
}

export async function isMarketResolved(tx: Tx, marketId: string): Promise<boolean> {
  const [row] = await tx.select({ winningTokenId: markets.winningTokenId }).from(markets).where(eq(markets.marketId, marketId));
  return row?.winningTokenId != null;
}

/**
 * What the executor saw when it decided an order, for the auditor (orders.book_seen): the opposite side's levels
 * the match walked plus the next one (it shows why the walk stopped), and the fee schedule the fills were charged by.
 * Every level down to the deepest one filled is kept, however deep, so that each fill's price is a level on record.
 */
function bookSeen(book: BookSnapshot | undefined, side: Side, matched: readonly PaperFill[], fee: FeeSchedule): Record<string, unknown> | null {
  if (!book) return null;
  const opposite = side === 'BUY' ? book.asks : book.bids;
  const deepest = matched.at(-1);
  const deepestIndex = deepest ? opposite.findLastIndex((l) => l.priceMicros === deepest.priceMicros) : -1;
  return {
    eventId: book.eventId,
    tsEventMs: book.tsEventMs,
    tsPublishedMs: book.tsPublishedMs,
    stale: book.stale,
    side: side === 'BUY' ? 'asks' : 'bids',
    levels: opposite.slice(0, deepestIndex + 2).map((l) => ({ priceMicros: l.priceMicros.toString(), sizeMicros: l.sizeMicros.toString() })),
    fee: { rateMicros: fee.rateMicros.toString(), exponent: fee.exponent, takerOnly: fee.takerOnly },
  };
}

/**
 * What an order's status tells its agent. Agents know the terminal statuses only (`OrderStatus`); a live order
 * that is still working (pending_unknown, open) has no outcome yet, and a live order that ended without fills
 * (cancelled, not_found) is `unfilled` to the agent, with the reason saying which.
 */
export function outcomeStatusOf(status: OrderRecord['status']): OrderOutcome['status'] | undefined {
  switch (status) {
    case 'pending_unknown':
    case 'open':
      return undefined;
    case 'cancelled':
    case 'not_found':
      return 'unfilled';
    default:
      return status;
  }
}

export function toOrderOutcome(order: OrderRecord): OrderOutcome | undefined {
  const status = outcomeStatusOf(order.status);
  if (status === undefined) return undefined;
  return {
    type: 'order',
    v: 1,
    eventId: orderOutcomeEventId(order.clientOrderId),
    agentId: order.agentId,
    intentId: order.intentId,
    clientOrderId: order.clientOrderId,
    tokenId: order.tokenId,
    side: order.side,
    status,
    reason: order.reason,
    filledSizeMicros: order.filledSizeMicros,
    tsMs: order.createdAt.getTime(),
  };
}

export function toFillApplied(row: FillRecord, tsIntentCreatedMs?: number): FillApplied {
  return {
    type: 'fill',
    v: 1,
    fillId: row.fillId,
    fillSeq: row.seq,
    kind: row.kind,
    agentId: row.agentId,
    intentId: row.intentId,
    clientOrderId: row.clientOrderId,
    marketId: row.marketId,
    tokenId: row.tokenId,
    side: row.side,
    priceMicros: row.priceMicros,
    sizeMicros: row.sizeMicros,
    feeMicros: row.feeMicros,
    cashDeltaMicros: row.cashDeltaMicros,
    realizedPnlMicros: row.realizedPnlMicros,
    tsMs: row.createdAt.getTime(),
    ...(tsIntentCreatedMs !== undefined ? { tsIntentCreatedMs } : {}),
  };
}

function requireRow<T>(row: T | undefined, what: string): T {
  if (!row) throw new InvariantError(`insert of ${what} returned no row`);
  return row;
}
