import type { BookSnapshot, FillApplied, MarketInfo, OrderIntent, OrderOutcome, ProcessState } from '@floor/domain';
import {
  applyVenueTrade,
  listWorkingLiveOrders,
  liveOrdersByVenueId,
  observeLiveOrder,
  oldestUnsettledTradeMs,
  openLiveOrder,
  recordFinding,
  recordSubmitOutcome,
  type Db,
  type LiveTradeReport,
  type OrderRecord,
  type PreTradeInputs,
  type ProcessIntentResult,
  type SubmitRecord,
} from '@floor/db';
import { LiveOrderInvalidError, type LiveVenue, type PreparedOrder, type SubmitOutcome } from '@floor/live-venue';
import type { VenueTrade } from '@floor/polymarket';
import type { Logger } from '@floor/telemetry';
import type { LiveSettings } from './live-gates.js';

/**
 * Live execution against a `LiveVenue`: submit with the STYLE #7 rule, reconcile on boot (STYLE #11) and on a
 * timer, keep the venue's cancel-on-disconnect heartbeat alive while orders rest, cancel them on shutdown.
 *
 * The venue is the truth about orders and trades; Postgres is the truth about what we booked. A sync pass reads
 * the venue's open orders and recent trades, then moves every working order on only by that evidence:
 *   - a trade of ours not in `venue_trades` is recorded; once CONFIRMED it becomes fill + position + ledger
 *   - a pending_unknown order listed open (or with trades) becomes open; absent past the grace period, not_found
 *   - an open order no longer listed has stopped resting; it settles when its trades are final
 * On boot every such difference is also an audit finding, so an operator sees what happened while we were down.
 */

export interface LiveExecutionDeps {
  readonly db: Db;
  readonly venue: LiveVenue;
  readonly settings: LiveSettings;
  readonly log: Logger;
  readonly readMarket: (marketId: string) => Promise<MarketInfo | undefined>;
  readonly readBook: (tokenId: string) => Promise<BookSnapshot | undefined>;
  /** kill switches, trading states, limits and marks for the pre-trade engine (the paper path's reader) */
  readonly readPreTradeInputs: (intent: OrderIntent) => Promise<PreTradeInputs>;
  /** publishes after commit: fills first, then the outcome */
  readonly publish: (fills: readonly FillApplied[], outcome?: OrderOutcome) => Promise<void>;
  readonly reportState: (state: ProcessState, detail: string) => void;
  readonly clock: () => number;
}

export type SyncMode = 'boot' | 'poll';

export interface SyncReport {
  readonly tradesSeen: number;
  readonly tradesApplied: number;
  readonly fillsBooked: number;
  readonly ordersMoved: number;
  readonly findings: number;
}

/** How far back a routine poll reads trades when nothing older is unsettled. */
const POLL_LOOKBACK_MS = 10 * 60_000;
/** Signing passes a live intent gets when the risk engine keeps reducing its size (the book moving under it). */
const MAX_RESIZE_PASSES = 3;
/** Slack for clock skew between us and the venue when reading trades "since" a time. */
const CLOCK_SLACK_MS = 60_000;

export function createLiveExecution(deps: LiveExecutionDeps) {
  const { db, venue, settings } = deps;
  const log = deps.log.child({ component: 'live-execution', host: venue.host });
  let restingOrders = 0;
  let syncing: Promise<SyncReport> | undefined;
  let timers: NodeJS.Timeout[] = [];
  let degradedReason: string | undefined;

  // ---- intents ------------------------------------------------------------------------------------------

  async function processIntent(intent: OrderIntent): Promise<ProcessIntentResult> {
    const [market, book, preTrade] = await Promise.all([deps.readMarket(intent.marketId), deps.readBook(intent.tokenId), deps.readPreTradeInputs(intent)]);
    const gateDeps = { market, book, preTrade, nowMs: deps.clock() };
    // A signed order cannot shrink: when the engine approves less than was signed, sign again at that size. The
    // book can move between two passes, so a few passes are allowed before the job is retried from scratch.
    let sizeMicros = intent.sizeMicros;
    let prepared: PreparedOrder | { invalid: string } = { invalid: 'not prepared' };
    let opened: Awaited<ReturnType<typeof openLiveOrder>> | undefined;
    for (let pass = 0; pass < MAX_RESIZE_PASSES; pass += 1) {
      prepared = market ? await prepare({ ...intent, sizeMicros }, market) : { invalid: `market ${intent.marketId} is not in the registry` };
      const plan = 'invalid' in prepared ? prepared : { venueOrderId: prepared.orderId, priceMicros: prepared.priceMicros, sizeMicros: prepared.sizeMicros };
      opened = await openLiveOrder(db, intent, plan, gateDeps);
      if (!('resizeTo' in opened)) break;
      log.info({ intentId: intent.intentId, fromMicros: sizeMicros.toString(), toMicros: opened.resizeTo.toString() }, 'risk engine reduced a live order; signing it again');
      sizeMicros = opened.resizeTo;
    }
    if (!opened || 'resizeTo' in opened) throw new Error(`live order for ${intent.intentId} still resized after ${MAX_RESIZE_PASSES} passes; will retry`);
    const bindings = { intentId: intent.intentId, agentId: intent.agentId, clientOrderId: opened.order.clientOrderId };

    // decided before (a redelivered job): re-publish what is known; never submit twice — a pending order is
    // reconciliation's to resolve, and a resubmission would at best be refused as a duplicate
    if (opened.replayed || opened.outcome || 'invalid' in prepared) {
      await deps.publish(opened.fills, opened.outcome);
      log.info({ ...bindings, status: opened.order.status, replayed: opened.replayed, reason: opened.order.reason }, 'live intent decided without a submit');
      return { order: opened.order, fills: opened.fills, outcome: opened.outcome, replayed: opened.replayed, denial: opened.denial, reductions: [] };
    }

    const answer = await venue.submit(prepared);
    const recorded = await recordSubmitOutcome(db, opened.order.clientOrderId, toSubmitRecord(answer));
    await deps.publish([], recorded.outcome);
    const venueBindings = { ...bindings, venueOrderId: prepared.orderId, orderType: intent.orderType, status: recorded.order.status };
    if (answer.kind === 'accepted') {
      if (recorded.order.venueOpen) restingOrders += 1;
      log.info({ ...venueBindings, venueStatus: answer.status, tradeIds: answer.tradeIds.length }, 'live order accepted by the venue');
    } else if (answer.kind === 'rejected') {
      log.warn({ ...venueBindings, httpStatus: answer.httpStatus, venueMessage: answer.message }, 'live order rejected by the venue');
    } else {
      log.warn({ ...venueBindings, why: answer.reason }, 'live order submit unconfirmed: pending_unknown until the venue shows it');
    }
    return { order: recorded.order, fills: [], outcome: recorded.outcome, replayed: false, denial: undefined, reductions: [] };
  }

  async function prepare(intent: OrderIntent, market: MarketInfo): Promise<PreparedOrder | { invalid: string }> {
    try {
      return await venue.prepare({
        idempotencyKey: intent.intentId,
        tokenId: intent.tokenId,
        side: intent.side,
        priceMicros: intent.limitPriceMicros,
        sizeMicros: intent.sizeMicros,
        orderType: intent.orderType,
        tickSizeMicros: market.tickSizeMicros,
        negRisk: market.negRisk,
        timestampMs: intent.tsCreatedMs,
      });
    } catch (err) {
      // anything else (a failed lookup) is retryable: BullMQ runs the job again
      if (err instanceof LiveOrderInvalidError) return { invalid: err.message };
      throw err;
    }
  }

  // ---- reconciliation -----------------------------------------------------------------------------------

  /** One pass over the venue's evidence. Concurrent callers share the pass in flight. */
  function sync(mode: SyncMode): Promise<SyncReport> {
    syncing ??= runSync(mode).finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  async function runSync(mode: SyncMode): Promise<SyncReport> {
    // taken before the venue is asked: an order changed after this instant may postdate the venue's answer
    const observedAtMs = Date.now();
    const working = await listWorkingLiveOrders(db);
    const sinceMs = Math.min(
      observedAtMs - (mode === 'boot' ? settings.reconcileLookbackMs : POLL_LOOKBACK_MS),
      ...working.map((o) => o.createdAt.getTime() - CLOCK_SLACK_MS),
      ((await oldestUnsettledTradeMs(db)) ?? observedAtMs) - CLOCK_SLACK_MS,
    );
    // both answers or neither: a partial picture would turn "not seen" into "not there"
    const [open, trades] = await Promise.all([venue.openOrders(), venue.trades(sinceMs)]);
    const report = { tradesSeen: trades.length, tradesApplied: 0, fillsBooked: 0, ordersMoved: 0, findings: 0 };

    const finding = async (severity: 'info' | 'warning', rule: string, order: OrderRecord | undefined, refId: string, detail: Record<string, string>) => {
      if (await recordFinding(db, { severity, rule, agentId: order?.agentId ?? null, refId, detail })) report.findings += 1;
      log.warn({ rule, refId, agentId: order?.agentId, ...detail }, 'reconciliation difference');
    };

    const tradeOrderIds = trades.flatMap((t) => [t.takerOrderId ?? '', ...t.makerOrders.map((m) => m.orderId)]).filter((id) => id !== '');
    const ours = new Map((await liveOrdersByVenueId(db, [...new Set(tradeOrderIds)])).flatMap((o) => (o.venueOrderId ? [[o.venueOrderId, o] as const] : [])));
    // oldest first, so fills land in match order
    for (const trade of [...trades].sort((a, b) => (a.matchTimeMs ?? 0) - (b.matchTimeMs ?? 0))) {
      for (const { order, report: tradeReport } of tradeReportsOf(trade, ours, observedAtMs)) {
        const applied = await applyVenueTrade(db, tradeReport, await deps.readMarket(order.marketId));
        if (!applied.changed) continue;
        report.tradesApplied += 1;
        if (applied.fill) report.fillsBooked += 1;
        await deps.publish(applied.fill ? [applied.fill] : [], applied.outcome);
        if (mode === 'boot' && applied.inserted) {
          await finding('warning', 'live.reconcile.trade_unrecorded', order, `${tradeReport.tradeId}:${tradeReport.venueOrderId}`, {
            clientOrderId: order.clientOrderId,
            venueOrderId: tradeReport.venueOrderId,
            tradeId: tradeReport.tradeId,
            status: tradeReport.status,
            sizeMicros: tradeReport.sizeMicros.toString(),
            priceMicros: tradeReport.priceMicros.toString(),
          });
        }
      }
    }

    const listed = new Set(open.map((o) => o.orderId.toLowerCase()));
    for (const order of working) {
      const venueOrderId = order.venueOrderId ?? '';
      const seen = listed.has(venueOrderId.toLowerCase())
        ? ({ kind: 'listed' } as const)
        : ({ kind: 'absent', notFoundAfterMs: settings.pendingUnknownGraceMs } as const);
      const moved = await observeLiveOrder(db, order.clientOrderId, seen, observedAtMs);
      if (!moved || moved.order.status === moved.before.status) continue;
      report.ordersMoved += 1;
      await deps.publish([], moved.outcome);
      const detail = { clientOrderId: order.clientOrderId, venueOrderId, from: moved.before.status, to: moved.order.status };
      if (moved.before.status === 'pending_unknown') {
        await finding(moved.order.status === 'not_found' ? 'warning' : 'info', `live.reconcile.pending_${moved.order.status}`, order, order.clientOrderId, detail);
      } else if (mode === 'boot') {
        await finding('info', 'live.reconcile.order_closed', order, order.clientOrderId, detail);
      } else {
        log.info(detail, 'live order finished');
      }
    }

    const knownIds = new Set(working.flatMap((o) => (o.venueOrderId ? [o.venueOrderId.toLowerCase()] : [])));
    const unknown = open.filter((o) => !knownIds.has(o.orderId.toLowerCase()));
    if (unknown.length > 0) {
      const recorded = new Set((await liveOrdersByVenueId(db, unknown.map((o) => o.orderId))).map((o) => o.venueOrderId?.toLowerCase()));
      for (const o of unknown.filter((u) => !recorded.has(u.orderId.toLowerCase()))) {
        await finding('warning', 'live.reconcile.unknown_venue_order', undefined, o.orderId, {
          venueOrderId: o.orderId,
          tokenId: o.tokenId,
          side: o.side,
          priceMicros: o.priceMicros.toString(),
          originalSizeMicros: o.originalSizeMicros.toString(),
          note: 'open at the venue under our wallet, but not placed by this floor; left untouched',
        });
      }
    }

    restingOrders = open.length;
    return report;
  }

  // ---- boot, timers, shutdown ---------------------------------------------------------------------------

  /**
   * Connects and reconciles, retrying with backoff until it succeeds or `stopped()` says to give up. Until then
   * the executor takes no intents (the caller starts its workers after this resolves) and reports degraded.
   * Returns false when stopped before succeeding.
   */
  async function reconcileOnBoot(stopped: () => boolean, sleep: (ms: number) => Promise<void>): Promise<boolean> {
    for (let attempt = 1; !stopped(); attempt += 1) {
      try {
        await venue.connect();
        const report = await sync('boot');
        degradedReason = undefined;
        log.info({ ...report, attempt }, 'reconciled with the live venue; taking intents');
        return true;
      } catch (err) {
        const retryInMs = Math.min(settings.reconcileRetryMaxMs, 500 * 2 ** Math.min(attempt, 16));
        const why = messageOf(err);
        degradedReason = `live venue reconciliation failed: ${why}`;
        deps.reportState('degraded', `${degradedReason}; not taking intents; retry ${attempt + 1} in ${retryInMs} ms`);
        log.warn({ attempt, retryInMs, why }, 'cannot reconcile with the live venue; not taking intents until it succeeds');
        await sleep(retryInMs);
      }
    }
    return false;
  }

  function startTimers(): void {
    const poll = setInterval(() => {
      sync('poll').then(
        () => {
          if (degradedReason !== undefined) {
            degradedReason = undefined;
            deps.reportState('running', '');
            log.info('live venue reachable again');
          }
        },
        (err: unknown) => {
          degradedReason = `live venue sync failed: ${messageOf(err)}`;
          deps.reportState('degraded', degradedReason);
          log.warn({ why: messageOf(err) }, 'live venue sync failed; will retry');
        },
      );
    }, settings.pollMs);
    const heartbeat = setInterval(() => {
      // the venue's cancel-on-disconnect: while orders rest, silence longer than ~10 s cancels them all
      if (restingOrders === 0) return;
      venue.heartbeat().catch((err: unknown) => log.warn({ why: messageOf(err), restingOrders }, 'venue heartbeat failed; resting orders are at risk of cancellation'));
    }, settings.heartbeatMs);
    timers = [poll, heartbeat];
  }

  /** Stops the timers and, unless configured otherwise, cancels the orders still resting at the venue. */
  async function stop(): Promise<void> {
    for (const t of timers.splice(0)) clearInterval(t);
    await syncing?.catch(() => undefined);
    if (!settings.cancelOnShutdown) {
      log.info({ restingOrders }, 'shutdown: leaving resting live orders at the venue (execution.live.cancelOnShutdown: false)');
      return;
    }
    const working = await listWorkingLiveOrders(db);
    const ids = working.flatMap((o) => (o.venueOrderId ? [o.venueOrderId] : []));
    if (ids.length === 0) return;
    try {
      const result = await venue.cancel(ids);
      log.info({ canceled: result.canceled.length, notCanceled: Object.keys(result.notCanceled).length }, 'shutdown: cancelled resting live orders');
      await sync('poll');
    } catch (err) {
      log.error({ why: messageOf(err), orders: ids.length }, 'shutdown: could not cancel resting live orders; the venue heartbeat timeout will');
    }
  }

  return { processIntent, sync, reconcileOnBoot, startTimers, stop, restingOrders: () => restingOrders };
}

export type LiveExecution = ReturnType<typeof createLiveExecution>;

/** Our side(s) of a venue trade: as taker (its taker order is ours) and/or as maker (one of its maker orders). */
function tradeReportsOf(trade: VenueTrade, ours: ReadonlyMap<string, OrderRecord>, fallbackMs: number): Array<{ order: OrderRecord; report: LiveTradeReport }> {
  const common = {
    tradeId: trade.tradeId,
    status: trade.status,
    matchedAtMs: trade.matchTimeMs ?? fallbackMs,
    lastUpdateMs: trade.lastUpdateMs,
    transactionHash: trade.transactionHash,
  };
  const out: Array<{ order: OrderRecord; report: LiveTradeReport }> = [];
  const taker = trade.takerOrderId ? ours.get(trade.takerOrderId) : undefined;
  if (taker && trade.takerOrderId) {
    out.push({
      order: taker,
      report: { ...common, venueOrderId: trade.takerOrderId, traderSide: 'TAKER', side: taker.side, priceMicros: trade.priceMicros, sizeMicros: trade.sizeMicros, feeRateBps: trade.feeRateBps },
    });
  }
  for (const maker of trade.makerOrders) {
    const order = ours.get(maker.orderId);
    if (!order) continue;
    out.push({
      order,
      report: { ...common, venueOrderId: maker.orderId, traderSide: 'MAKER', side: order.side, priceMicros: maker.priceMicros, sizeMicros: maker.matchedSizeMicros, feeRateBps: 0 },
    });
  }
  return out;
}

function toSubmitRecord(answer: SubmitOutcome): SubmitRecord {
  switch (answer.kind) {
    case 'accepted':
      // `live` rests; `delayed` will be placed after the venue's delay; `matched`/`unmatched` are done resting
      return { kind: 'accepted', venueOpen: answer.status === 'live' || answer.status === 'delayed' };
    case 'rejected':
      return { kind: 'rejected', message: answer.message };
    case 'unknown':
      return { kind: 'unknown', reason: answer.reason };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
