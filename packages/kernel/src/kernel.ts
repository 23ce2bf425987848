import { z } from 'zod';
import {
  deterministicId,
  EMPTY_POSITION,
  fillEffect,
  InvariantError,
  MICROS_PER_UNIT,
  MicrosWire,
  notionalMicros,
  Side,
  StrategyFaultError,
  takerFeeMicros,
  type AgentOrderEvent,
  type Book,
  type FeeSchedule,
  type FillApplied,
  type MarketEvent,
  type MarketInfo,
  type OrderIntent,
} from '@floor/domain';
import type { Decision, ForecastEvent, ForecastRequest, IntentDraft, PortfolioView, Strategy, StrategyContext } from '@floor/strategies';

/**
 * The kernel: one strategy, its state, and the agent's view of the world (books, markets, portfolio), driven
 * one event at a time. Pure and synchronous: no I/O, no wall clock unless one is passed in. The live agent
 * feeds it from Redis streams, the backtester from a dataset; both get the same intents for the same events
 * (STYLE #2).
 */

/** An intent sent and not yet answered by an OrderOutcome. At most one per token. */
export const PendingIntent = z.object({
  tokenId: z.string(),
  marketId: z.string(),
  intentId: z.string(),
  side: Side,
  /** cash set aside for a BUY until its outcome arrives, so two BUYs in flight cannot overspend */
  reservedMicros: MicrosWire,
  tsEventMs: z.number().int(),
});
export type PendingIntent = z.output<typeof PendingIntent>;

/** What the kernel puts in a checkpoint (the `state` column). JSON-safe: bigints travel as strings. */
export const KernelCheckpoint = z.object({
  v: z.literal(1),
  strategy: z.string(),
  state: z.unknown(),
  /** the highest fill seq the strategy state has seen (the ledger, not this, decides what the portfolio holds) */
  strategyFillSeq: MicrosWire,
  /** the highest fill seq in the portfolio when the snapshot was taken */
  lastFillSeq: MicrosWire,
  pending: z.array(PendingIntent),
  /** when each open position was opened; the ledger does not keep it and strategies need it for holding time */
  openedAtMs: z.record(z.string(), z.number().int()),
  resolvedMarketIds: z.array(z.string()),
});
export type KernelCheckpoint = z.output<typeof KernelCheckpoint>;

/** `snapshot()`'s result: the wire form of `KernelCheckpoint`. */
export interface KernelCheckpointJson {
  readonly v: 1;
  readonly strategy: string;
  readonly state: unknown;
  readonly strategyFillSeq: string;
  readonly lastFillSeq: string;
  readonly pending: ReadonlyArray<Omit<PendingIntent, 'reservedMicros'> & { readonly reservedMicros: string }>;
  readonly openedAtMs: Readonly<Record<string, number>>;
  readonly resolvedMarketIds: readonly string[];
}

/** The book of record as the ledger has it; `AgentPortfolio` from @floor/db fits. */
export interface LedgerPortfolio {
  readonly cashMicros: bigint;
  readonly allocatedMicros: bigint;
  readonly positions: ReadonlyArray<{ readonly tokenId: string; readonly marketId: string; readonly sizeMicros: bigint; readonly costMicros: bigint }>;
  /** the highest fill seq these numbers include */
  readonly lastFillSeq: bigint;
}

export interface KernelPosition {
  readonly tokenId: string;
  readonly marketId: string;
  readonly sizeMicros: bigint;
  readonly costMicros: bigint;
  readonly openedAtMs: number;
}

/** A plain copy of the kernel's portfolio, for logs, tests and reports. */
export interface KernelPortfolio {
  readonly cashMicros: bigint;
  readonly allocatedMicros: bigint;
  /** cash set aside for BUY intents in flight */
  readonly reservedMicros: bigint;
  readonly lastFillSeq: bigint;
  readonly positions: readonly KernelPosition[];
  readonly pendingTokenIds: readonly string[];
}

export type DropReason =
  | 'invalid-draft'
  | 'unknown-market'
  | 'market-resolved'
  | 'pending'
  | 'no-book'
  | 'stale-book'
  | 'insufficient-cash'
  | 'no-position'
  | 'cause-too-old';

/** A draft the kernel refused to turn into an intent, and why. Not an error: guards doing their job. */
export interface DroppedDraft {
  readonly draft: IntentDraft;
  readonly reason: DropReason;
  readonly causationId: string;
}

export type KernelStatus = 'running' | 'faulted';

/** A strategy's forecast request with the cause and event time of the decision that made it. */
export interface KernelForecastRequest extends ForecastRequest {
  readonly causationId: string;
  readonly tsEventMs: number;
}

export interface KernelFault {
  readonly hook: 'init' | 'restoreState' | 'onMarketEvent' | 'onOrderEvent' | 'onForecast' | 'applyFill';
  readonly causationId: string;
  readonly error: Error;
}

export interface KernelOptions<P, S> {
  readonly agentId: string;
  readonly strategy: Strategy<P, S>;
  /** params already parsed by the strategy's schema */
  readonly params: P;
  /** the agent file's live gate, copied onto every intent */
  readonly live: boolean;
  /** live: the wall clock, for `tsCreatedMs` and cause age. Without one (backtest) intents carry the event time. */
  readonly clock?: () => number;
  /**
   * Live only (needs `clock`): a draft caused by an event published longer ago than this is dropped. A restarted
   * agent re-reads events since its checkpoint; re-deciding on them is fine (ids repeat, orders do not), but
   * sending a new order on minutes-old data is not.
   */
  readonly maxCauseAgeMs?: number;
  /**
   * An intent with no outcome after this much event time is forgotten, so a lost outcome cannot block a token
   * forever. Measured in event time to stay deterministic. Default 5 minutes.
   */
  readonly pendingTimeoutMs?: number;
  /** told about every refused draft (the agent logs them, the backtester counts them) */
  readonly onDrop?: (dropped: DroppedDraft) => void;
}

export interface RestoreInput {
  readonly checkpoint?: KernelCheckpoint | undefined;
  readonly portfolio: LedgerPortfolio;
  /** opening time assumed for a position the checkpoint does not date (default: the clock, else 0) */
  readonly nowMs?: number;
}

export interface AgentEventResult {
  /** true when a fill changed the portfolio (false for a duplicate, an old seq, or an outcome) */
  readonly applied: boolean;
  readonly intents: OrderIntent[];
}

export interface Kernel {
  readonly agentId: string;
  readonly status: KernelStatus;
  readonly fault: KernelFault | undefined;
  /** Boot (first start and crash recovery alike): strategy state from the checkpoint, money from the ledger. */
  restore(input: RestoreInput): void;
  /**
   * Takes cash and allocation from a fresh ledger read when that read includes exactly the fills this kernel has
   * applied; returns whether it did. Catches what no fill event carries (the Boss moving capital).
   */
  reconcile(portfolio: LedgerPortfolio): boolean;
  addMarket(info: MarketInfo): void;
  isResolved(marketId: string): boolean;
  onMarketEvent(event: MarketEvent, tsPublishedMs?: number): OrderIntent[];
  onAgentEvent(event: AgentOrderEvent): AgentEventResult;
  /**
   * The forecast requests strategy decisions made since the last call, oldest first, at most one per market (the
   * latest). Not checkpointed: a request lost in a crash is simply made again on a later event.
   */
  takeForecastRequests(): KernelForecastRequest[];
  /** Delivers a forecast to the strategy (`onForecast`); returns the intents it decided on. */
  onForecast(event: ForecastEvent): OrderIntent[];
  snapshot(): KernelCheckpointJson;
  portfolio(): KernelPortfolio;
  portfolioView(): PortfolioView;
}

/**
 * Slack on top of the fee estimate when sizing against cash: the executor charges fees and rounds per book
 * level, so a fill across several levels can cost a few micros more than one fill at the limit.
 */
const CASH_SLACK_MICROS = 100n;
/** p × (1 − p) peaks at 0.5, so the fee at 0.5 bounds the fee at any price */
const WORST_FEE_PRICE = MICROS_PER_UNIT / 2n;
/** when the kernel shrinks a BUY it keeps Polymarket's 0.01-share size granularity */
const LOT_MICROS = 10_000n;
const DEFAULT_PENDING_TIMEOUT_MS = 5 * 60_000;

interface HeldPosition {
  marketId: string;
  sizeMicros: bigint;
  costMicros: bigint;
  openedAtMs: number;
  /** opened before the checkpoint could date it; an old fill replayed from the stream fixes the date */
  openedAtEstimated: boolean;
}

interface Cause {
  readonly causationId: string;
  readonly tsEventMs: number;
  readonly tsCausePublishedMs?: number | undefined;
  readonly traceCausePublishedUs?: number | undefined;
}

export function createKernel<P, S>(opts: KernelOptions<P, S>): Kernel {
  const { agentId, strategy, params } = opts;
  const pendingTimeoutMs = opts.pendingTimeoutMs ?? DEFAULT_PENDING_TIMEOUT_MS;

  const books = new Map<string, Book>();
  const staleBooks = new Set<string>();
  const markets = new Map<string, MarketInfo>();
  const resolved = new Set<string>();
  const positions = new Map<string, HeldPosition>();
  const pending = new Map<string, PendingIntent>();
  /** marketId → the latest forecast request not yet taken */
  const forecastRequests = new Map<string, KernelForecastRequest>();

  let restored = false;
  let state: S | undefined;
  let cashMicros = 0n;
  let allocatedMicros = 0n;
  let lastFillSeq = 0n;
  let strategyFillSeq = 0n;
  let fault: KernelFault | undefined;
  /** the latest market event time seen: the clock strategies decide by (`ctx.nowMs`) */
  let eventClockMs: number | undefined;

  const reservedMicros = (): bigint => [...pending.values()].reduce((sum, p) => sum + p.reservedMicros, 0n);

  const view: PortfolioView = {
    get cashMicros() {
      return cashMicros;
    },
    get capitalMicros() {
      return allocatedMicros;
    },
    position(tokenId) {
      const p = positions.get(tokenId);
      return p ? { sizeMicros: p.sizeMicros, costMicros: p.costMicros, openedAtMs: p.openedAtMs } : undefined;
    },
    hasPendingIntent: (tokenId) => pending.has(tokenId),
    get openPositionCount() {
      return positions.size;
    },
  };

  const context = (nowMs: number): StrategyContext<P> =>
    Object.freeze({
      agentId,
      params,
      nowMs,
      portfolio: view,
      market: (marketId: string) => markets.get(marketId),
      book: (tokenId: string) => books.get(tokenId),
    });

  /**
   * Runs strategy code. Whatever it throws faults this kernel only: the agent stops deciding, keeps applying
   * fills and keeps heartbeating so the Boss can show why (STYLE #10).
   */
  function safeInvoke<T>(hook: KernelFault['hook'], causationId: string, call: () => T): T | undefined {
    if (fault) return undefined;
    try {
      return call();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      fault = { hook, causationId, error: new StrategyFaultError(`${strategy.name}.${hook} threw: ${error.message}`, { agentId, causationId }, { cause: error }) };
      return undefined;
    }
  }

  function decide(hook: 'onMarketEvent' | 'onOrderEvent' | 'onForecast', cause: Cause, call: () => Decision<S>): readonly IntentDraft[] {
    const decision = safeInvoke(hook, cause.causationId, () => {
      const d = call();
      if (!d || !Array.isArray(d.intents)) throw new TypeError('must return { state, intents: [] }');
      return d;
    });
    if (!decision) return [];
    state = decision.state;
    for (const request of decision.forecastRequests ?? []) {
      if (!markets.has(request.marketId) || resolved.has(request.marketId)) continue;
      forecastRequests.delete(request.marketId); // re-inserted last: the map keeps request order
      forecastRequests.set(request.marketId, { ...request, causationId: cause.causationId, tsEventMs: cause.tsEventMs });
    }
    return decision.intents;
  }

  function requireRestored(): void {
    if (!restored) throw new Error('kernel used before restore()');
  }

  function absorb(event: MarketEvent): void {
    switch (event.type) {
      case 'book':
        books.set(event.tokenId, { tokenId: event.tokenId, bids: event.bids, asks: event.asks });
        if (event.stale) staleBooks.add(event.tokenId);
        else staleBooks.delete(event.tokenId);
        break;
      case 'listed':
        markets.set(event.market.marketId, event.market);
        break;
      case 'resolved':
        resolved.add(event.marketId);
        break;
      case 'trade':
        break;
    }
  }

  function expirePending(nowMs: number): void {
    for (const [tokenId, p] of pending) if (nowMs - p.tsEventMs > pendingTimeoutMs) pending.delete(tokenId);
  }

  /** Largest BUY size whose cost, fee bound and slack fit in `available`. */
  function affordableSize(available: bigint, limitPriceMicros: bigint, fee: FeeSchedule): bigint {
    const budget = available - CASH_SLACK_MICROS;
    if (budget <= 0n) return 0n;
    const upper = (budget * MICROS_PER_UNIT) / limitPriceMicros;
    // the fee is monotone in size, so the fee of `upper` bounds the fee of any smaller size
    const afterFee = budget - takerFeeMicros(fee, WORST_FEE_PRICE, upper);
    if (afterFee <= 0n) return 0n;
    return (((afterFee * MICROS_PER_UNIT) / limitPriceMicros) / LOT_MICROS) * LOT_MICROS;
  }

  function buyReserve(limitPriceMicros: bigint, sizeMicros: bigint, fee: FeeSchedule): bigint {
    return notionalMicros(limitPriceMicros, sizeMicros, 'ceil') + takerFeeMicros(fee, WORST_FEE_PRICE, sizeMicros) + CASH_SLACK_MICROS;
  }

  /** Applies the guards to one draft: the sized intent fields, or why it is refused. */
  function admitOne(draft: IntentDraft, cause: Cause): { sizeMicros: bigint; reservedMicros: bigint } | DropReason {
    if (
      typeof draft !== 'object' ||
      draft === null ||
      typeof draft.sizeMicros !== 'bigint' ||
      typeof draft.limitPriceMicros !== 'bigint' ||
      draft.sizeMicros <= 0n ||
      draft.limitPriceMicros <= 0n ||
      draft.limitPriceMicros > MICROS_PER_UNIT ||
      (draft.side !== 'BUY' && draft.side !== 'SELL')
    ) {
      return 'invalid-draft';
    }
    const market = markets.get(draft.marketId);
    if (!market) return 'unknown-market';
    if (!market.tokens.some((t) => t.tokenId === draft.tokenId)) return 'invalid-draft';
    if (resolved.has(draft.marketId)) return 'market-resolved';
    if (pending.has(draft.tokenId)) return 'pending';
    if (opts.clock && opts.maxCauseAgeMs !== undefined && cause.tsCausePublishedMs !== undefined) {
      if (opts.clock() - cause.tsCausePublishedMs > opts.maxCauseAgeMs) return 'cause-too-old';
    }

    if (draft.side === 'SELL') {
      const held = positions.get(draft.tokenId)?.sizeMicros ?? 0n;
      if (held <= 0n) return 'no-position';
      return { sizeMicros: draft.sizeMicros < held ? draft.sizeMicros : held, reservedMicros: 0n };
    }

    if (!books.has(draft.tokenId)) return 'no-book';
    if (staleBooks.has(draft.tokenId)) return 'stale-book';
    const available = cashMicros - reservedMicros();
    const affordable = affordableSize(available, draft.limitPriceMicros, market.fee);
    const sizeMicros = draft.sizeMicros < affordable ? draft.sizeMicros : affordable;
    if (sizeMicros <= 0n || sizeMicros < market.minOrderSizeMicros) return 'insufficient-cash';
    return { sizeMicros, reservedMicros: buyReserve(draft.limitPriceMicros, sizeMicros, market.fee) };
  }

  function admit(drafts: readonly IntentDraft[], cause: Cause): OrderIntent[] {
    const intents: OrderIntent[] = [];
    drafts.forEach((draft, index) => {
      const admitted = admitOne(draft, cause);
      if (typeof admitted === 'string') {
        opts.onDrop?.({ draft, reason: admitted, causationId: cause.causationId });
        return;
      }
      // the id depends only on the agent, the cause and the draft's position, so a replay repeats it exactly
      const intentId = deterministicId('intent', agentId, cause.causationId, index);
      const intent: OrderIntent = {
        type: 'intent',
        v: 1,
        intentId,
        agentId,
        marketId: draft.marketId,
        tokenId: draft.tokenId,
        side: draft.side,
        orderType: draft.orderType ?? 'FAK',
        limitPriceMicros: draft.limitPriceMicros,
        sizeMicros: admitted.sizeMicros,
        reason: String(draft.reason ?? '').slice(0, 200),
        causationId: cause.causationId,
        tsEventMs: cause.tsEventMs,
        tsCreatedMs: opts.clock ? opts.clock() : cause.tsEventMs,
        ...(cause.tsCausePublishedMs !== undefined ? { tsCausePublishedMs: cause.tsCausePublishedMs } : {}),
        ...(cause.traceCausePublishedUs !== undefined ? { traceCausePublishedUs: cause.traceCausePublishedUs } : {}),
        live: opts.live,
      };
      pending.set(draft.tokenId, {
        tokenId: draft.tokenId,
        marketId: draft.marketId,
        intentId,
        side: draft.side,
        reservedMicros: admitted.reservedMicros,
        tsEventMs: cause.tsEventMs,
      });
      intents.push(intent);
    });
    return intents;
  }

  /**
   * When a position opened, on the strategies' clock (event time): the event time of the decision whose fill opened
   * it. Not the fill's own `tsMs`: that is the executor's wall clock, which matches event time only on a live feed;
   * on a replayed dataset it would date the position long after every `ctx.nowMs`, and holding-time exits would
   * never fire (nor agree with a backtest of the same data, where fills carry event time).
   */
  function openingTimeOf(fill: FillApplied): number {
    const p = pending.get(fill.tokenId);
    if (p && fill.intentId !== null && p.intentId === fill.intentId) return p.tsEventMs;
    return eventClockMs ?? fill.tsMs;
  }

  /** Mirrors the executor's ledger posting for one fill (`fillEffect`); false when the mirror has diverged. */
  function applyFill(fill: FillApplied): boolean {
    const held = positions.get(fill.tokenId);
    let effect;
    try {
      effect = fillEffect(agentId, held ?? EMPTY_POSITION, fill.side, fill.priceMicros, fill.sizeMicros, fill.feeMicros);
    } catch (err) {
      // e.g. a sell larger than the position we know: our mirror no longer matches the ledger. Stop deciding;
      // a restart rebuilds the portfolio from the ledger.
      fault ??= {
        hook: 'applyFill',
        causationId: fill.fillId,
        error: new InvariantError(`fill ${fill.fillId} does not fit the portfolio: ${(err as Error).message}`, { agentId, fillSeq: fill.fillSeq.toString() }),
      };
      return false;
    }
    cashMicros += fill.cashDeltaMicros;
    lastFillSeq = fill.fillSeq;
    if (effect.position.sizeMicros === 0n) {
      positions.delete(fill.tokenId);
    } else if (held) {
      held.sizeMicros = effect.position.sizeMicros;
      held.costMicros = effect.position.costMicros;
    } else {
      positions.set(fill.tokenId, { marketId: fill.marketId, ...effect.position, openedAtMs: openingTimeOf(fill), openedAtEstimated: false });
    }
    // the fill spent part of what its BUY had reserved; release that part now rather than at the outcome
    const p = pending.get(fill.tokenId);
    if (p && p.side === 'BUY' && fill.intentId === p.intentId) {
      const spent = -fill.cashDeltaMicros;
      pending.set(fill.tokenId, { ...p, reservedMicros: p.reservedMicros > spent ? p.reservedMicros - spent : 0n });
    }
    return true;
  }

  return {
    agentId,
    get status(): KernelStatus {
      return fault ? 'faulted' : 'running';
    },
    get fault() {
      return fault;
    },

    restore({ checkpoint, portfolio, nowMs }) {
      // a checkpoint written by another strategy (the file changed its `strategy:`) has state we cannot read
      const cp = checkpoint && checkpoint.strategy === strategy.name ? checkpoint : undefined;
      const assumedOpenedAtMs = nowMs ?? opts.clock?.() ?? 0;
      cashMicros = portfolio.cashMicros;
      allocatedMicros = portfolio.allocatedMicros;
      lastFillSeq = portfolio.lastFillSeq;
      positions.clear();
      for (const p of portfolio.positions) {
        if (p.sizeMicros <= 0n) continue;
        const dated = cp?.openedAtMs[p.tokenId];
        positions.set(p.tokenId, {
          marketId: p.marketId,
          sizeMicros: p.sizeMicros,
          costMicros: p.costMicros,
          openedAtMs: dated ?? assumedOpenedAtMs,
          openedAtEstimated: dated === undefined,
        });
      }
      pending.clear();
      resolved.clear();
      forecastRequests.clear();
      if (checkpoint) {
        // pending intents and resolutions are facts about the floor, not about the strategy: keep them
        for (const p of checkpoint.pending) pending.set(p.tokenId, p);
        for (const m of checkpoint.resolvedMarketIds) resolved.add(m);
      }
      // without a checkpoint, fills already in the ledger are history the fresh strategy state never needs
      strategyFillSeq = cp ? cp.strategyFillSeq : portfolio.lastFillSeq;
      fault = undefined;
      const restoreState = strategy.restoreState;
      if (!cp) state = safeInvoke('init', 'restore', () => strategy.init(params));
      else if (restoreState) state = safeInvoke('restoreState', 'restore', () => restoreState.call(strategy, cp.state, params));
      else state = cp.state as S;
      restored = true;
    },

    reconcile(portfolio) {
      // a read taken before (or after) fills this kernel has (or hasn't yet) applied would mix two moments
      if (!restored || portfolio.lastFillSeq !== lastFillSeq) return false;
      cashMicros = portfolio.cashMicros;
      allocatedMicros = portfolio.allocatedMicros;
      return true;
    },

    addMarket(info) {
      markets.set(info.marketId, info);
    },

    isResolved: (marketId) => resolved.has(marketId),

    onMarketEvent(event, tsPublishedMs = event.tsPublishedMs) {
      requireRestored();
      absorb(event);
      if (eventClockMs === undefined || event.tsEventMs > eventClockMs) eventClockMs = event.tsEventMs;
      expirePending(event.tsEventMs);
      if (fault) return [];
      const frozen = Object.freeze(event);
      const cause: Cause = { causationId: event.eventId, tsEventMs: event.tsEventMs, tsCausePublishedMs: tsPublishedMs, traceCausePublishedUs: event.tracePublishedUs };
      if (event.type === 'resolved') forecastRequests.delete(event.marketId);
      const drafts = decide('onMarketEvent', cause, () => strategy.onMarketEvent(context(event.tsEventMs), state as S, frozen));
      return admit(drafts, cause);
    },

    onAgentEvent(event) {
      requireRestored();
      if (event.agentId !== agentId) return { applied: false, intents: [] };
      let applied = false;
      let strategySees: boolean;
      let causationId: string;
      if (event.type === 'fill') {
        causationId = event.fillId;
        // exactly once: the ledger snapshot we restored from already holds every fill up to lastFillSeq
        if (event.fillSeq > lastFillSeq) applied = applyFill(event);
        else {
          const held = positions.get(event.tokenId);
          if (held?.openedAtEstimated && event.side === 'BUY' && event.tsMs < held.openedAtMs) {
            held.openedAtMs = event.tsMs;
            held.openedAtEstimated = false;
          }
        }
        strategySees = event.fillSeq > strategyFillSeq;
        if (strategySees) strategyFillSeq = event.fillSeq;
      } else {
        causationId = event.eventId;
        const p = pending.get(event.tokenId);
        // only the outcome of the intent we are waiting for clears the token (and reaches the strategy once)
        strategySees = p?.intentId === event.intentId;
        if (strategySees) pending.delete(event.tokenId);
      }
      const onOrderEvent = strategy.onOrderEvent;
      if (!strategySees || fault || !onOrderEvent) return { applied, intents: [] };
      const frozen = Object.freeze(event);
      const cause: Cause = { causationId, tsEventMs: event.tsMs };
      const drafts = decide('onOrderEvent', cause, () => onOrderEvent.call(strategy, context(event.tsMs), state as S, frozen));
      return { applied, intents: admit(drafts, cause) };
    },

    takeForecastRequests() {
      const taken = [...forecastRequests.values()];
      forecastRequests.clear();
      return taken;
    },

    onForecast(event) {
      requireRestored();
      const onForecast = strategy.onForecast;
      if (fault || !onForecast || resolved.has(event.marketId)) return [];
      const frozen = Object.freeze(event);
      const cause: Cause = { causationId: event.eventId, tsEventMs: event.tsMs };
      const drafts = decide('onForecast', cause, () => onForecast.call(strategy, context(event.tsMs), state as S, frozen));
      return admit(drafts, cause);
    },

    snapshot() {
      const openedAtMs: Record<string, number> = {};
      for (const [tokenId, p] of positions) openedAtMs[tokenId] = p.openedAtMs;
      return {
        v: 1,
        strategy: strategy.name,
        // a copy: the checkpoint is written later, and must not change if a strategy mutates its state in place
        state: structuredClone(state),
        strategyFillSeq: strategyFillSeq.toString(),
        lastFillSeq: lastFillSeq.toString(),
        pending: [...pending.values()].map((p) => ({ ...p, reservedMicros: p.reservedMicros.toString() })),
        openedAtMs,
        resolvedMarketIds: [...resolved].sort(),
      };
    },

    portfolio() {
      return {
        cashMicros,
        allocatedMicros,
        reservedMicros: reservedMicros(),
        lastFillSeq,
        positions: [...positions].map(([tokenId, p]) => ({ tokenId, marketId: p.marketId, sizeMicros: p.sizeMicros, costMicros: p.costMicros, openedAtMs: p.openedAtMs })),
        pendingTokenIds: [...pending.keys()],
      };
    },

    portfolioView: () => view,
  };
}
