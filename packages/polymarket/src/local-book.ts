import { deterministicId, type BookLevel, type BookSnapshot, type DataSource } from '@floor/domain';
import type { WsMarketMessage, WsPriceChange, WsPriceChangeEntry, WsTickSizeChange } from './parse/ws-market.js';

/**
 * Per-token local order books, kept from `book` snapshots (WebSocket or REST `/book`) and
 * `price_change` deltas, emitting domain `BookSnapshot` events (best-first levels in micros).
 *
 * No I/O: when the local book can no longer be trusted it is marked invalid and a `ResyncRequest` is
 * returned; the caller fetches `/book` and feeds the answer to `applySnapshot`. Deltas for an invalid
 * book are dropped until then (a delta on a wrong book only makes it more wrong).
 *
 * A book becomes invalid when:
 * - a delta arrives for a token that never had a snapshot (`no_snapshot`);
 * - the tick size changes (`tick_size_change`): levels on the old grid may no longer exist, so, like
 *   NautilusTrader, we drop the book and wait for a fresh snapshot;
 * - after applying a delta our best bid/ask disagrees with the `best_bid`/`best_ask` the venue sent
 *   with it (`best_mismatch`), or our book is crossed (`crossed`): we missed a message.
 *
 * About the venue's `hash`: it is computed by the server over its own formatted book summary, so it
 * cannot be recomputed from deltas. We keep the latest one (a REST `/book` carrying the same hash as the
 * current book is a no-op) and detect gaps with the best bid/ask cross-check above, which the venue
 * sends on every `price_change` entry.
 */

export type ResyncReason = 'no_snapshot' | 'tick_size_change' | 'best_mismatch' | 'crossed';

export interface ResyncRequest {
  readonly marketId: string;
  readonly tokenId: string;
  readonly reason: ResyncReason;
  readonly detail: string;
}

/** What a snapshot needs; both the WebSocket `book` and the REST `/book` parse into this. */
export interface BookSnapshotInput {
  readonly marketId: string;
  readonly tokenId: string;
  /** best-first */
  readonly bids: readonly BookLevel[];
  /** best-first */
  readonly asks: readonly BookLevel[];
  readonly timestampMs: number;
  readonly hash: string | null;
  readonly tickSizeMicros: bigint | null;
}

export interface BookUpdate {
  /** One snapshot per token whose book changed and is valid. */
  readonly snapshots: readonly BookSnapshot[];
  readonly resyncs: readonly ResyncRequest[];
}

/** Read-only view of one token's book state, for the collector's health reporting. */
export interface LocalBookState {
  readonly marketId: string;
  readonly tokenId: string;
  readonly valid: boolean;
  /** Why the book is invalid, while it is. */
  readonly invalidReason: ResyncReason | null;
  readonly hash: string | null;
  readonly tickSizeMicros: bigint | null;
  /** Venue time of the last snapshot, delta or invalidation applied. */
  readonly lastEventMs: number;
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
}

interface TokenBook {
  marketId: string;
  tokenId: string;
  /** price micros → size micros */
  bids: Map<bigint, bigint>;
  asks: Map<bigint, bigint>;
  valid: boolean;
  invalidReason: ResyncReason | null;
  hash: string | null;
  tickSizeMicros: bigint | null;
  lastEventMs: number;
}

const NO_UPDATE: BookUpdate = { snapshots: [], resyncs: [] };

export interface LocalBooksOptions {
  /** `source` written on emitted snapshots (default `polymarket`). */
  readonly source?: DataSource;
}

export class LocalBooks {
  readonly #books = new Map<string, TokenBook>();
  readonly #source: DataSource;

  constructor(options: LocalBooksOptions = {}) {
    this.#source = options.source ?? 'polymarket';
  }

  /**
   * Routes a parsed market-channel message. `receivedAtMs` becomes the snapshots' `tsPublishedMs`
   * (the collector may overwrite it with its actual publish time).
   */
  apply(message: WsMarketMessage, receivedAtMs: number): BookUpdate {
    switch (message.type) {
      case 'book':
        return this.applySnapshot(message, receivedAtMs);
      case 'price_change':
        return this.applyPriceChange(message, receivedAtMs);
      case 'tick_size_change':
        return this.applyTickSizeChange(message);
      default:
        return NO_UPDATE;
    }
  }

  /**
   * Replaces the token's book. A snapshot older than what the book already reflects (a slow REST
   * answer racing the stream) is ignored; so is one whose hash equals the current valid book's.
   */
  applySnapshot(input: BookSnapshotInput, receivedAtMs: number): BookUpdate {
    const existing = this.#books.get(input.tokenId);
    if (existing && input.timestampMs < existing.lastEventMs) return NO_UPDATE;
    if (existing?.valid && input.hash !== null && input.hash === existing.hash) return NO_UPDATE;

    const book: TokenBook = {
      marketId: input.marketId,
      tokenId: input.tokenId,
      bids: new Map(input.bids.map((l) => [l.priceMicros, l.sizeMicros])),
      asks: new Map(input.asks.map((l) => [l.priceMicros, l.sizeMicros])),
      valid: true,
      invalidReason: null,
      hash: input.hash,
      tickSizeMicros: input.tickSizeMicros ?? existing?.tickSizeMicros ?? null,
      lastEventMs: input.timestampMs,
    };
    // zero-size levels carry no liquidity; the venue should not send them, but a snapshot is the truth
    for (const side of [book.bids, book.asks]) {
      for (const [price, size] of side) if (size <= 0n) side.delete(price);
    }
    this.#books.set(input.tokenId, book);
    return { snapshots: [this.#snapshotOf(book, receivedAtMs)], resyncs: [] };
  }

  /** Applies level replacements (size 0 removes the level); one message may touch several tokens. */
  applyPriceChange(message: WsPriceChange, receivedAtMs: number): BookUpdate {
    const byToken = new Map<string, WsPriceChangeEntry[]>();
    for (const change of message.changes) {
      const entries = byToken.get(change.tokenId);
      if (entries) entries.push(change);
      else byToken.set(change.tokenId, [change]);
    }

    const snapshots: BookSnapshot[] = [];
    const resyncs: ResyncRequest[] = [];
    for (const [tokenId, entries] of byToken) {
      const book = this.#books.get(tokenId);
      if (!book) {
        this.#books.set(tokenId, emptyInvalidBook(message.marketId, tokenId, 'no_snapshot', message.timestampMs));
        resyncs.push({ marketId: message.marketId, tokenId, reason: 'no_snapshot', detail: 'price_change before any snapshot' });
        continue;
      }
      if (!book.valid) continue; // a resync is already pending
      if (message.timestampMs < book.lastEventMs) continue; // already reflected in the snapshot

      for (const entry of entries) {
        const side = entry.side === 'BUY' ? book.bids : book.asks;
        if (entry.sizeMicros === 0n) side.delete(entry.priceMicros);
        else side.set(entry.priceMicros, entry.sizeMicros);
        if (entry.hash !== null) book.hash = entry.hash;
      }
      book.lastEventMs = message.timestampMs;

      const problem = checkConsistency(book, entries[entries.length - 1] as WsPriceChangeEntry);
      if (problem) {
        this.#invalidate(book, problem.reason);
        resyncs.push({ marketId: book.marketId, tokenId, ...problem });
        continue;
      }
      snapshots.push(this.#snapshotOf(book, receivedAtMs));
    }
    return { snapshots, resyncs };
  }

  /** A tick size change invalidates the book: levels on the old grid may be gone. */
  applyTickSizeChange(message: WsTickSizeChange): BookUpdate {
    const book =
      this.#books.get(message.tokenId) ?? emptyInvalidBook(message.marketId, message.tokenId, 'tick_size_change', message.timestampMs);
    book.tickSizeMicros = message.newTickSizeMicros;
    book.lastEventMs = Math.max(book.lastEventMs, message.timestampMs);
    this.#invalidate(book, 'tick_size_change');
    this.#books.set(message.tokenId, book);
    return {
      snapshots: [],
      resyncs: [
        {
          marketId: message.marketId,
          tokenId: message.tokenId,
          reason: 'tick_size_change',
          detail: `tick ${message.oldTickSizeMicros} → ${message.newTickSizeMicros} micros`,
        },
      ],
    };
  }

  /** Tokens whose book is waiting for a snapshot (for a caller retrying failed `/book` fetches). */
  pendingResyncs(): ResyncRequest[] {
    const out: ResyncRequest[] = [];
    for (const book of this.#books.values()) {
      if (!book.valid && book.invalidReason) {
        out.push({ marketId: book.marketId, tokenId: book.tokenId, reason: book.invalidReason, detail: 'still waiting for a snapshot' });
      }
    }
    return out;
  }

  state(tokenId: string): LocalBookState | undefined {
    const book = this.#books.get(tokenId);
    if (!book) return undefined;
    return {
      marketId: book.marketId,
      tokenId: book.tokenId,
      valid: book.valid,
      invalidReason: book.invalidReason,
      hash: book.hash,
      tickSizeMicros: book.tickSizeMicros,
      lastEventMs: book.lastEventMs,
      bids: sortedLevels(book.bids, 'desc'),
      asks: sortedLevels(book.asks, 'asc'),
    };
  }

  /** Stops tracking a token (unsubscribed, or its market resolved). */
  forget(tokenId: string): void {
    this.#books.delete(tokenId);
  }

  #invalidate(book: TokenBook, reason: ResyncReason): void {
    book.valid = false;
    book.invalidReason = reason;
    book.bids.clear();
    book.asks.clear();
  }

  #snapshotOf(book: TokenBook, receivedAtMs: number): BookSnapshot {
    const bids = sortedLevels(book.bids, 'desc');
    const asks = sortedLevels(book.asks, 'asc');
    // The venue hash identifies the book state; without one, the levels themselves do.
    const identity = book.hash ?? levelsKey(bids, asks);
    return {
      v: 1,
      type: 'book',
      eventId: deterministicId('event', 'book', book.tokenId, book.lastEventMs, identity),
      marketId: book.marketId,
      tokenId: book.tokenId,
      tsEventMs: book.lastEventMs,
      tsPublishedMs: receivedAtMs,
      source: this.#source,
      bids,
      asks,
      stale: false,
    };
  }
}

function emptyInvalidBook(marketId: string, tokenId: string, reason: ResyncReason, eventMs: number): TokenBook {
  return {
    marketId,
    tokenId,
    bids: new Map(),
    asks: new Map(),
    valid: false,
    invalidReason: reason,
    hash: null,
    tickSizeMicros: null,
    lastEventMs: eventMs,
  };
}

/**
 * Compares our best levels with the venue's after a delta. `best_bid`/`best_ask` of `"0"` (or an empty
 * string, parsed as null = "not sent") means an empty side on the venue.
 */
function checkConsistency(book: TokenBook, last: WsPriceChangeEntry): { reason: ResyncReason; detail: string } | null {
  const localBid = maxKey(book.bids);
  const localAsk = minKey(book.asks);
  if (localBid !== null && localAsk !== null && localBid >= localAsk) {
    return { reason: 'crossed', detail: `local best bid ${localBid} >= best ask ${localAsk}` };
  }
  if (last.bestBidMicros !== null && last.bestBidMicros !== (localBid ?? 0n)) {
    return { reason: 'best_mismatch', detail: `venue best bid ${last.bestBidMicros}, local ${localBid ?? 'none'}` };
  }
  if (last.bestAskMicros !== null && last.bestAskMicros !== (localAsk ?? 0n)) {
    return { reason: 'best_mismatch', detail: `venue best ask ${last.bestAskMicros}, local ${localAsk ?? 'none'}` };
  }
  return null;
}

function maxKey(levels: ReadonlyMap<bigint, bigint>): bigint | null {
  let best: bigint | null = null;
  for (const price of levels.keys()) if (best === null || price > best) best = price;
  return best;
}

function minKey(levels: ReadonlyMap<bigint, bigint>): bigint | null {
  let best: bigint | null = null;
  for (const price of levels.keys()) if (best === null || price < best) best = price;
  return best;
}

/** Books hold at most a few hundred levels; sorting on emit keeps the update path a plain map write. */
function sortedLevels(levels: ReadonlyMap<bigint, bigint>, order: 'asc' | 'desc'): BookLevel[] {
  const out = [...levels].map(([priceMicros, sizeMicros]) => ({ priceMicros, sizeMicros }));
  out.sort((a, b) => (a.priceMicros === b.priceMicros ? 0 : (a.priceMicros < b.priceMicros) === (order === 'asc') ? -1 : 1));
  return out;
}

function levelsKey(bids: readonly BookLevel[], asks: readonly BookLevel[]): string {
  const side = (levels: readonly BookLevel[]) => levels.map((l) => `${l.priceMicros}:${l.sizeMicros}`).join(',');
  return `${side(bids)}|${side(asks)}`;
}

// ---------------------------------------------------------------------------------------------
// Staleness watchdog
// ---------------------------------------------------------------------------------------------

export interface StalenessInput {
  readonly nowMs: number;
  /** Last message time (our clock) per token, from any market-channel message naming it. */
  readonly tokenLastMessageMs: ReadonlyMap<string, number>;
  /** Last message time per connection, PONGs included. */
  readonly connectionLastMessageMs: ReadonlyMap<string, number>;
  /**
   * A token quiet for longer is stale. Quiet markets legitimately go minutes without a change, so
   * this should be generous; a stale token is worth a REST `/book` check, not a reconnect.
   */
  readonly tokenStaleAfterMs: number;
  /**
   * A connection quiet for longer is dead. We PING every 10 s and the server answers PONG, so
   * about three missed answers (30 s) means the socket should be replaced.
   */
  readonly connectionStaleAfterMs: number;
}

export interface StaleEntry {
  readonly id: string;
  readonly silentForMs: number;
}

export interface StalenessReport {
  readonly staleTokens: readonly StaleEntry[];
  readonly staleConnections: readonly StaleEntry[];
}

/** Which tokens and connections have been silent too long at `nowMs`; most silent first. */
export function findStale(input: StalenessInput): StalenessReport {
  return {
    staleTokens: silentLongerThan(input.tokenLastMessageMs, input.nowMs, input.tokenStaleAfterMs),
    staleConnections: silentLongerThan(input.connectionLastMessageMs, input.nowMs, input.connectionStaleAfterMs),
  };
}

function silentLongerThan(lastMessageMs: ReadonlyMap<string, number>, nowMs: number, limitMs: number): StaleEntry[] {
  const stale: StaleEntry[] = [];
  for (const [id, lastMs] of lastMessageMs) {
    const silentForMs = nowMs - lastMs;
    if (silentForMs > limitMs) stale.push({ id, silentForMs });
  }
  return stale.sort((a, b) => b.silentForMs - a.silentForMs);
}
