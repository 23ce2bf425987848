import type { DataSource, MarketEvent } from '@floor/domain';
import {
  LocalBooks,
  marketListedFrom,
  marketResolvedFrom,
  tradePrintedFrom,
  type BookSnapshotInput,
  type BookUpdate,
  type GammaMarket,
  type ResyncRequest,
  type WsMarketMessage,
} from '@floor/polymarket';

/**
 * The pure core of `floor data record`: parsed market-channel messages in, dataset events out, in time
 * order. No sockets, no clock: the caller feeds messages and REST books and writes what comes back.
 *
 * - `book` and `price_change` go through `LocalBooks`, so every change becomes a full `book` event; a
 *   book that can no longer be trusted (delta before snapshot, tick change, best bid/ask mismatch) comes
 *   back as a `ResyncRequest` for the caller to answer with a REST `/book` (`applyRestBook`).
 * - `last_trade_price` → `trade`; `market_resolved` → one `resolved` per market (the venue sends one per
 *   token) and the market's books are dropped.
 * - A market's `listed` event is written just before its first recorded event, at the same time, so
 *   replays see it listed exactly when the recording first saw it trade or quote.
 *
 * Venue timestamps from different tokens (and REST books racing the stream) are not strictly ordered,
 * while a dataset must be. Events wait in a reorder buffer until the newest venue time seen is
 * `reorderWindowMs` past them; one that still arrives later than what was already released is
 * re-stamped to the last released time (and counted) rather than dropped, because a lost book snapshot
 * would leave the replayed book wrong until the next one.
 */

export interface FeedRecorderOptions {
  readonly markets: readonly GammaMarket[];
  /** default 2,000 ms */
  readonly reorderWindowMs?: number;
  /** `source` on recorded events; default `polymarket` */
  readonly source?: DataSource;
}

export interface RecorderStats {
  readonly messages: Partial<Record<WsMarketMessage['type'], number>>;
  readonly events: Partial<Record<MarketEvent['type'], number>>;
  /** messages about markets we did not subscribe to (not recorded) */
  readonly foreign: number;
  /** events released later than newer ones and re-stamped to keep the file in time order */
  readonly restamped: number;
  readonly resyncs: number;
}

export interface RecorderOutput {
  /** events ready to write, in time order */
  readonly events: readonly MarketEvent[];
  /** books to fetch over REST (`GET /book?token_id=`) and feed back with `applyRestBook` */
  readonly resyncs: readonly ResyncRequest[];
}

export class FeedRecorder {
  readonly #markets: ReadonlyMap<string, GammaMarket>;
  readonly #books: LocalBooks;
  readonly #source: DataSource;
  readonly #windowMs: number;
  readonly #listed = new Set<string>();
  readonly #resolved = new Set<string>();
  #buffer: MarketEvent[] = [];
  #newestMs = -Infinity;
  #releasedMs = -Infinity;
  readonly #messages: Partial<Record<WsMarketMessage['type'], number>> = {};
  readonly #events: Partial<Record<MarketEvent['type'], number>> = {};
  #foreign = 0;
  #restamped = 0;
  #resyncs = 0;

  constructor(opts: FeedRecorderOptions) {
    this.#markets = new Map(opts.markets.map((m) => [m.info.marketId, m]));
    this.#source = opts.source ?? 'polymarket';
    this.#books = new LocalBooks({ source: this.#source });
    this.#windowMs = opts.reorderWindowMs ?? 2_000;
  }

  /** The token ids to subscribe to. */
  tokenIds(): string[] {
    return [...this.#markets.values()].flatMap((m) => m.info.tokens.map((t) => t.tokenId));
  }

  onMessage(message: WsMarketMessage, receivedAtMs: number): RecorderOutput {
    this.#messages[message.type] = (this.#messages[message.type] ?? 0) + 1;
    if (message.type === 'pong') return NOTHING;
    if (!this.#markets.has(message.marketId)) {
      this.#foreign += 1;
      return NOTHING;
    }
    const stamp = { receivedAtMs, source: this.#source };
    switch (message.type) {
      case 'book':
      case 'price_change':
      case 'tick_size_change':
        return this.#fromBooks(this.#books.apply(message, receivedAtMs));
      case 'last_trade_price':
        return { events: this.#accept([tradePrintedFrom(message, stamp)]), resyncs: [] };
      case 'market_resolved': {
        // the venue sends one per token of the market: record the first
        if (this.#resolved.has(message.marketId)) return NOTHING;
        this.#resolved.add(message.marketId);
        for (const tokenId of this.#markets.get(message.marketId)?.info.tokens.map((t) => t.tokenId) ?? []) this.#books.forget(tokenId);
        return { events: this.#accept([marketResolvedFrom(message, stamp)]), resyncs: [] };
      }
      default:
        // best_bid_ask repeats what the books say; new_market is outside the recorded set
        return NOTHING;
    }
  }

  /** A REST `/book` answer to a resync request. */
  applyRestBook(book: BookSnapshotInput, receivedAtMs: number): RecorderOutput {
    if (!this.#markets.has(book.marketId)) return NOTHING;
    return this.#fromBooks(this.#books.applySnapshot(book, receivedAtMs));
  }

  /** Releases everything still buffered (end of recording). */
  flush(): MarketEvent[] {
    return this.#release(Infinity);
  }

  stats(): RecorderStats {
    return { messages: { ...this.#messages }, events: { ...this.#events }, foreign: this.#foreign, restamped: this.#restamped, resyncs: this.#resyncs };
  }

  #fromBooks(update: BookUpdate): RecorderOutput {
    this.#resyncs += update.resyncs.length;
    return { events: this.#accept(update.snapshots), resyncs: update.resyncs };
  }

  /** Buffers new events and releases those the reorder window has passed. */
  #accept(events: readonly MarketEvent[]): MarketEvent[] {
    for (const event of events) {
      this.#buffer.push(event);
      if (event.tsEventMs > this.#newestMs) this.#newestMs = event.tsEventMs;
    }
    return this.#release(this.#newestMs - this.#windowMs);
  }

  #release(upToMs: number): MarketEvent[] {
    if (this.#buffer.length === 0) return [];
    const ready: MarketEvent[] = [];
    const waiting: MarketEvent[] = [];
    for (const event of this.#buffer) (event.tsEventMs <= upToMs ? ready : waiting).push(event);
    if (ready.length === 0) return [];
    this.#buffer = waiting;
    ready.sort((a, b) => a.tsEventMs - b.tsEventMs); // stable: arrival order among equal times
    const out: MarketEvent[] = [];
    for (const original of ready) {
      let event = original;
      if (event.tsEventMs < this.#releasedMs) {
        event = { ...event, tsEventMs: this.#releasedMs };
        this.#restamped += 1;
      }
      this.#releasedMs = event.tsEventMs;
      if (!this.#listed.has(event.marketId)) {
        this.#listed.add(event.marketId);
        const market = this.#markets.get(event.marketId) as GammaMarket;
        out.push(this.#count(marketListedFrom(market, { tsEventMs: event.tsEventMs, receivedAtMs: event.tsPublishedMs, source: this.#source })));
      }
      out.push(this.#count(event));
    }
    return out;
  }

  #count(event: MarketEvent): MarketEvent {
    this.#events[event.type] = (this.#events[event.type] ?? 0) + 1;
    return event;
  }
}

const NOTHING: RecorderOutput = { events: [], resyncs: [] };
