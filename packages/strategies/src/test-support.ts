import type {
  Book,
  BookLevel,
  BookSnapshot,
  MarketEvent,
  MarketInfo,
  MarketResolved,
  Side,
  TradePrinted,
} from '@floor/domain';
import type { Decision, IntentDraft, PortfolioView, Strategy, StrategyContext } from './strategy.js';

/**
 * Builders for strategy unit tests: a binary market, book and trade events, and a small in-memory world that
 * plays the kernel's part (keeps the latest books, answers the portfolio view) so a test can feed a strategy a
 * hand-built event sequence and look at the intents it asks for. Test-only: imported by `*.test.ts` files.
 */

export const T0_MS = Date.UTC(2025, 0, 1);
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const MARKET_ID = 'mkt-1';
export const YES = 'tok-yes';
export const NO = 'tok-no';

export function marketInfo(overrides: Partial<MarketInfo> = {}): MarketInfo {
  return {
    marketId: MARKET_ID,
    question: 'Will it happen?',
    slug: 'will-it-happen',
    category: 'other',
    eventId: 'event-1',
    endDateMs: T0_MS + 30 * DAY_MS,
    tickSizeMicros: 1_000n,
    minOrderSizeMicros: 5_000_000n,
    negRisk: false,
    fee: { rateMicros: 0n, exponent: 1, takerOnly: true },
    tokens: [
      { tokenId: YES, outcome: 'Yes' },
      { tokenId: NO, outcome: 'No' },
    ],
    ...overrides,
  };
}

let eventSeq = 0;
function eventBase(marketId: string, tsMs: number) {
  eventSeq += 1;
  return {
    v: 1 as const,
    eventId: `evt_test${eventSeq}`,
    marketId,
    tsEventMs: tsMs,
    tsPublishedMs: tsMs,
    source: 'replay' as const,
  };
}

export interface BookSpec {
  readonly tokenId: string;
  readonly tsMs: number;
  /** mid of the book; bid = mid − spread/2, ask = mid + spread/2 */
  readonly midMicros: bigint;
  readonly spreadMicros?: bigint;
  /** size at each of the two levels per side */
  readonly sizeMicros?: bigint;
  readonly stale?: boolean;
  readonly marketId?: string;
}

/** A two-level book around a mid: best levels at mid ± spread/2, second levels one cent further out. */
export function bookEvent(spec: BookSpec): BookSnapshot {
  const half = (spec.spreadMicros ?? 20_000n) / 2n;
  const size = spec.sizeMicros ?? 1_000_000_000n;
  return {
    ...eventBase(spec.marketId ?? MARKET_ID, spec.tsMs),
    type: 'book',
    tokenId: spec.tokenId,
    bids: [level(spec.midMicros - half, size), level(spec.midMicros - half - 10_000n, size)],
    asks: [level(spec.midMicros + half, size), level(spec.midMicros + half + 10_000n, size)],
    stale: spec.stale ?? false,
  };
}

/** A book with exactly the given levels (best first). */
export function rawBookEvent(
  tokenId: string,
  tsMs: number,
  bids: readonly BookLevel[],
  asks: readonly BookLevel[],
  stale = false,
): BookSnapshot {
  return { ...eventBase(MARKET_ID, tsMs), type: 'book', tokenId, bids: [...bids], asks: [...asks], stale };
}

export function level(priceMicros: bigint, sizeMicros: bigint): BookLevel {
  return { priceMicros, sizeMicros };
}

/** YES and NO books of a consistent binary market: the NO mid is 1 − the YES mid. */
export function pairBookEvents(tsMs: number, yesMidMicros: bigint, spec: Partial<BookSpec> = {}): [BookSnapshot, BookSnapshot] {
  return [
    bookEvent({ ...spec, tokenId: YES, tsMs, midMicros: yesMidMicros }),
    bookEvent({ ...spec, tokenId: NO, tsMs, midMicros: 1_000_000n - yesMidMicros }),
  ];
}

export function tradeEvent(tokenId: string, tsMs: number, side: Side, sizeMicros: bigint, priceMicros = 500_000n): TradePrinted {
  return { ...eventBase(MARKET_ID, tsMs), type: 'trade', tokenId, side, sizeMicros, priceMicros };
}

export function resolvedEvent(tsMs: number, winningTokenId = YES): MarketResolved {
  return { ...eventBase(MARKET_ID, tsMs), type: 'resolved', winningTokenId };
}

export interface TestPosition {
  sizeMicros: bigint;
  costMicros: bigint;
  openedAtMs: number;
}

/** The kernel's part in a test: latest books, markets, a mutable portfolio. */
export class FakeWorld {
  readonly markets = new Map<string, MarketInfo>();
  readonly books = new Map<string, Book>();
  readonly positions = new Map<string, TestPosition>();
  readonly pending = new Set<string>();
  cashMicros = 1_000_000_000n;
  capitalMicros = 1_000_000_000n;
  nowMs = T0_MS;

  constructor(markets: readonly MarketInfo[] = [marketInfo()]) {
    for (const market of markets) this.markets.set(market.marketId, market);
  }

  hold(tokenId: string, position: TestPosition): this {
    this.positions.set(tokenId, position);
    return this;
  }

  context<P>(params: P): StrategyContext<P> {
    const portfolio: PortfolioView = {
      cashMicros: this.cashMicros,
      capitalMicros: this.capitalMicros,
      position: (tokenId) => this.positions.get(tokenId),
      hasPendingIntent: (tokenId) => this.pending.has(tokenId),
      openPositionCount: [...this.positions.values()].filter((p) => p.sizeMicros > 0n).length,
    };
    return {
      agentId: 'test-agent',
      params,
      nowMs: this.nowMs,
      portfolio,
      market: (marketId) => this.markets.get(marketId),
      book: (tokenId) => this.books.get(tokenId),
    };
  }
}

/** What one event produced. */
export interface Step<S> {
  readonly event: MarketEvent;
  readonly state: S;
  readonly intents: readonly IntentDraft[];
}

/**
 * Feeds events to a strategy as the kernel would (clock at the event time, book cache updated first) and
 * returns every step. Intents are recorded and marked pending, not executed: tests move the portfolio (and
 * clear `pending`) by hand when they need a fill.
 */
export function feed<P, S>(
  strategy: Strategy<P, S>,
  params: P,
  world: FakeWorld,
  events: readonly MarketEvent[],
  initial: S = strategy.init(params),
): Step<S>[] {
  const steps: Step<S>[] = [];
  let state = initial;
  for (const event of events) {
    world.nowMs = event.tsEventMs;
    if (event.type === 'book') world.books.set(event.tokenId, event);
    const decision: Decision<S> = strategy.onMarketEvent(world.context(params), state, event);
    assertPlainJson(decision.state);
    // as in the agent: a token with an intent sent has it pending until the test delivers an outcome
    for (const intent of decision.intents) world.pending.add(intent.tokenId);
    state = decision.state;
    steps.push({ event, state, intents: decision.intents });
  }
  return steps;
}

/** Strategy state is checkpointed as JSON: no bigints (stringify throws), no NaN or Infinity (they become null). */
export function assertPlainJson(value: unknown): void {
  JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`state holds a non-finite number: ${v}`);
    return v;
  });
}

/** All intents of a run, in order. */
export function intentsOf<S>(steps: readonly Step<S>[]): IntentDraft[] {
  return steps.flatMap((s) => s.intents);
}

/** The last step's state (throws on an empty run, which is a broken test). */
export function lastState<S>(steps: readonly Step<S>[]): S {
  const last = steps.at(-1);
  if (!last) throw new Error('no events fed');
  return last.state;
}
