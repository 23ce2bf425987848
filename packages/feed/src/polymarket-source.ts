import {
  deterministicId,
  type BookSnapshot,
  type DataSource,
  type MarketEvent,
  type MarketInfo,
  type MarketResolved,
} from '@floor/domain';
import {
  assessFeedHealth,
  backoffDelayMs,
  ClobPublicClient,
  closedMarkets,
  discoverMarkets,
  GammaClient,
  HttpTransport,
  LocalBooks,
  MarketChannel,
  marketListedFrom,
  marketResolvedFrom,
  marketResolvedFromGamma,
  parseMarketFrame,
  planRediscovery,
  tradePrintedFrom,
  type BackoffOptions,
  type DiscoveryFilterSettings,
  type GammaMarket,
  type LiveFeedMetrics,
  type RateLimiterLike,
  type ResyncRequest,
  type WsMarketMessage,
} from '@floor/polymarket';
import type { Logger } from '@floor/telemetry';
import { EventQueue } from './event-queue.js';
import { sleep } from './pacing.js';
import type { MarketSource } from './source.js';

/**
 * Live market data from Polymarket (or the sandbox venue, which speaks the same protocol), as a
 * `MarketSource` for the collector:
 *
 * - **Discovery** through Gamma with the configured filters, again every `rediscoverMs`: new markets are
 *   `listed` and subscribed; markets that leave the open list are checked on Gamma and `resolved` when it
 *   shows a winner (a WebSocket `market_resolved` does the same sooner).
 * - **Books** from the market channel, kept per token in `LocalBooks`; a gap (the venue's best bid/ask
 *   disagrees with ours, a tick size change) is repaired with a REST `/book`.
 * - **Watchdog**: a connection silent longer than `staleAfterMs` (closed, or open but frozen) is down; its
 *   tokens are polled over REST every `pollMs` and their books published with `stale: true` and
 *   `source: 'rest'`, so agents open no new positions on them (the kernel refuses BUYs on stale books).
 *   The first WebSocket data for a token ends that: its book is published fresh, `stale: false`.
 *
 * Live data cannot be replayed, so this source has no cursor.
 */

export interface PolymarketSourceOptions {
  /** `polymarket` for the real venue, `sandbox` for the local one: the source name and the WebSocket events' `source` */
  readonly name: 'polymarket' | 'sandbox';
  readonly gammaUrl: string;
  readonly clobUrl: string;
  readonly wsUrl: string;
  readonly discovery: DiscoveryFilterSettings;
  readonly maxMarkets: number;
  readonly maxDiscoveryPages?: number;
  readonly rediscoverMs: number;
  readonly maxAssetsPerConnection: number;
  readonly pingIntervalMs: number;
  readonly staleAfterMs: number;
  readonly tokenQuietAfterMs: number;
  readonly pollMs: number;
  readonly httpTimeoutMs?: number;
  /** shared across processes when it is a `RedisRateLimiter` */
  readonly limiter: RateLimiterLike;
  readonly log: Logger;
  readonly metrics?: LiveFeedMetrics;
  /** backoff of retried HTTP calls (429 / 5xx / timeouts) */
  readonly httpBackoff?: BackoffOptions;
  /** told whether each venue HTTP call worked (the Boss's API-error breaker counts them) */
  readonly onVenueCall?: (ok: boolean) => void;
  readonly reconnectBackoff?: BackoffOptions;
}

interface TrackedMarket {
  readonly info: MarketInfo;
}

export class PolymarketSource implements MarketSource {
  readonly name: 'polymarket' | 'sandbox';
  readonly #opts: PolymarketSourceOptions;
  readonly #log: Logger;
  readonly #gamma: GammaClient;
  readonly #clob: ClobPublicClient;
  readonly #books: LocalBooks;

  readonly #markets = new Map<string, TrackedMarket>();
  readonly #marketOfToken = new Map<string, string>();
  /** markets closed on Gamma without a winner yet (UMA deciding): asked again each discovery round */
  readonly #awaitingResolution = new Set<string>();
  readonly #tokenLastMessageMs = new Map<string, number>();
  /** tokens whose connection is down: REST-polled, published stale */
  readonly #degraded = new Set<string>();
  readonly #restInFlight = new Set<string>();
  /** event id of the last book published per token, so an unchanged poll is not published again */
  readonly #lastBookEventId = new Map<string, string>();

  #queue: EventQueue<MarketEvent> | undefined;
  #channel: MarketChannel | undefined;
  #stopping: AbortSignal = new AbortController().signal;

  constructor(options: PolymarketSourceOptions) {
    this.name = options.name;
    this.#opts = options;
    this.#log = options.log.child({ component: 'polymarket-source', source: options.name });
    const http = new HttpTransport({
      limiter: options.limiter,
      log: this.#log,
      ...(options.metrics ? { metrics: options.metrics.http } : {}),
      ...(options.httpTimeoutMs === undefined ? {} : { timeoutMs: options.httpTimeoutMs }),
      ...(options.httpBackoff ? { backoff: options.httpBackoff } : {}),
      ...(options.onVenueCall ? { onCall: options.onVenueCall } : {}),
    });
    this.#gamma = new GammaClient(http, options.gammaUrl);
    this.#clob = new ClobPublicClient(http, options.clobUrl);
    this.#books = new LocalBooks({ source: options.name });
  }

  async *events(signal?: AbortSignal): AsyncIterable<MarketEvent> {
    if (this.#queue) throw new Error(`${this.name} source is already running`);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) stop.abort();
    this.#stopping = stop.signal;
    this.#queue = new EventQueue<MarketEvent>();
    this.#channel = new MarketChannel({
      url: this.#opts.wsUrl,
      maxAssetsPerConnection: this.#opts.maxAssetsPerConnection,
      pingIntervalMs: this.#opts.pingIntervalMs,
      onFrame: (connectionId, text, receivedAtMs) => this.#onFrame(connectionId, text, receivedAtMs),
      log: this.#log,
      ...(this.#opts.metrics ? { metrics: this.#opts.metrics } : {}),
      ...(this.#opts.reconnectBackoff ? { reconnectBackoff: this.#opts.reconnectBackoff } : {}),
    });
    const loops = [this.#discoveryLoop(), this.#watchdogLoop(), this.#pollLoop()];
    try {
      yield* this.#queue.drain(stop.signal);
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
      this.#channel.close();
      await Promise.allSettled(loops);
      this.#queue = undefined;
      this.#channel = undefined;
    }
  }

  #emit(event: MarketEvent): void {
    this.#queue?.push(event);
  }

  // -------------------------------------------------------------------------------------------
  // Discovery
  // -------------------------------------------------------------------------------------------

  async #discoveryLoop(): Promise<void> {
    for (let failures = 0; !this.#stopping.aborted; ) {
      try {
        await this.#discover();
        failures = 0;
        if (!(await sleep(this.#opts.rediscoverMs, this.#stopping))) return;
      } catch (err) {
        if (this.#stopping.aborted) return;
        // a first discovery that fails leaves the floor without markets: try again sooner than the schedule
        const pauseMs = Math.min(this.#opts.rediscoverMs, backoffDelayMs(failures, { baseMs: 1_000, maxMs: 60_000 }));
        failures += 1;
        this.#log.warn({ err, failures, pauseMs }, 'market discovery failed; will try again');
        if (!(await sleep(pauseMs, this.#stopping))) return;
      }
    }
  }

  async #discover(): Promise<void> {
    const nowMs = Date.now();
    const round = await discoverMarkets({
      gamma: this.#gamma,
      settings: this.#opts.discovery,
      nowMs,
      maxMarkets: this.#opts.maxMarkets,
      ...(this.#opts.maxDiscoveryPages === undefined ? {} : { maxPages: this.#opts.maxDiscoveryPages }),
      signal: this.#stopping,
    });
    const plan = planRediscovery(this.#markets.keys(), round);
    for (const market of plan.listed) this.#track(market, nowMs);
    const toCheck = [...new Set([...plan.departed, ...this.#awaitingResolution])];
    if (toCheck.length > 0) await this.#checkClosed(toCheck);
    this.#log.info(
      { open: round.openMarketIds.size, chosen: round.chosen.length, listed: plan.listed.length, departed: plan.departed.length, tracked: this.#markets.size, rejected: round.rejected, dropped: round.dropped },
      'discovery round done',
    );
  }

  #track(market: GammaMarket, nowMs: number): void {
    const { info } = market;
    this.#markets.set(info.marketId, { info });
    const tokenIds = info.tokens.map((t) => t.tokenId);
    for (const tokenId of tokenIds) {
      this.#marketOfToken.set(tokenId, info.marketId);
      this.#tokenLastMessageMs.set(tokenId, nowMs);
    }
    // listed before any of its books: the collector publishes in this order
    this.#emit(marketListedFrom(market, { receivedAtMs: nowMs, tsEventMs: nowMs, source: this.name }));
    this.#channel?.subscribe(tokenIds);
  }

  #untrack(marketId: string): void {
    const market = this.#markets.get(marketId);
    this.#markets.delete(marketId);
    if (!market) return;
    const tokenIds = market.info.tokens.map((t) => t.tokenId);
    this.#channel?.unsubscribe(tokenIds);
    for (const tokenId of tokenIds) {
      this.#marketOfToken.delete(tokenId);
      this.#tokenLastMessageMs.delete(tokenId);
      this.#degraded.delete(tokenId);
      this.#lastBookEventId.delete(tokenId);
      this.#books.forget(tokenId);
    }
    this.#opts.metrics?.staleTokens.set(this.#degraded.size);
  }

  /** Markets that left the open list: resolved ones are announced; pending ones are asked again next round. */
  async #checkClosed(marketIds: readonly string[]): Promise<void> {
    const closed = await closedMarkets(this.#gamma, marketIds, this.#stopping);
    const nowMs = Date.now();
    for (const [marketId, market] of closed) {
      const resolved = marketResolvedFromGamma(market, { receivedAtMs: nowMs, tsEventMs: nowMs, source: this.name });
      if (resolved) {
        this.#resolve(resolved);
        continue;
      }
      // closed without a single winner yet: stop streaming, keep asking
      if (!this.#awaitingResolution.has(marketId)) this.#log.info({ marketId, resolution: market.resolution.state }, 'market closed, waiting for its resolution');
      this.#untrack(marketId);
      this.#awaitingResolution.add(marketId);
    }
  }

  #resolve(event: MarketResolved): void {
    const known = this.#markets.has(event.marketId) || this.#awaitingResolution.has(event.marketId);
    if (!known) return; // already announced (the WebSocket sends one per token), or never ours
    this.#untrack(event.marketId);
    this.#awaitingResolution.delete(event.marketId);
    this.#emit(event);
  }

  // -------------------------------------------------------------------------------------------
  // WebSocket frames
  // -------------------------------------------------------------------------------------------

  #onFrame(connectionId: string, text: string, receivedAtMs: number): void {
    for (const result of parseMarketFrame(text)) {
      if (!result.ok) {
        this.#opts.metrics?.badFrames.inc({ kind: result.kind });
        this.#log.error({ connection: connectionId, eventType: result.eventType ?? 'unknown', kind: result.kind, detail: result.detail }, 'skipped a market-channel message that did not parse');
        continue;
      }
      this.#onMessage(result.value, receivedAtMs);
    }
  }

  #onMessage(message: WsMarketMessage, receivedAtMs: number): void {
    switch (message.type) {
      case 'book':
      case 'price_change':
      case 'tick_size_change': {
        const tokenIds = tokensOf(message).filter((t) => this.#marketOfToken.has(t));
        if (tokenIds.length === 0) return; // a market we no longer follow
        const recovered: string[] = [];
        for (const tokenId of tokenIds) {
          this.#tokenLastMessageMs.set(tokenId, receivedAtMs);
          if (this.#degraded.delete(tokenId)) recovered.push(tokenId);
        }
        if (recovered.length > 0) {
          this.#opts.metrics?.staleTokens.set(this.#degraded.size);
          this.#log.info({ tokens: recovered.length }, 'market channel delivers again; books fresh');
        }
        const update = this.#books.apply(message, receivedAtMs);
        for (const snapshot of update.snapshots) this.#publishBook(snapshot.tokenId, 'ws');
        // a recovered token whose WebSocket book equals the one REST gave us still needs its stale flag lifted
        for (const tokenId of recovered) this.#publishBook(tokenId, 'ws');
        for (const resync of update.resyncs) void this.#resync(resync);
        return;
      }
      case 'last_trade_price':
        if (this.#marketOfToken.has(message.tokenId)) this.#emit(tradePrintedFrom(message, { receivedAtMs, source: this.name }));
        return;
      case 'market_resolved':
        this.#resolve(marketResolvedFrom(message, { receivedAtMs, source: this.name }));
        return;
      case 'pong':
      case 'best_bid_ask':
      case 'new_market':
        return; // liveness is the transport's business; new markets come through discovery
    }
  }

  /**
   * Publishes the token's current local book, if it is valid and differs from the last one published
   * (levels, staleness or origin). `via` says where the data came from: the WebSocket, or a REST call.
   */
  #publishBook(tokenId: string, via: 'ws' | 'rest'): void {
    const state = this.#books.state(tokenId);
    if (!state?.valid) return;
    const stale = this.#degraded.has(tokenId);
    const source: DataSource = via === 'rest' ? 'rest' : this.name;
    const identity = state.hash ?? [...state.bids, ...state.asks].map((l) => `${l.priceMicros}:${l.sizeMicros}`).join(',');
    const eventId = deterministicId('event', 'book', tokenId, state.lastEventMs, identity, source, stale ? 'stale' : 'live');
    if (this.#lastBookEventId.get(tokenId) === eventId) return;
    this.#lastBookEventId.set(tokenId, eventId);
    const snapshot: BookSnapshot = {
      v: 1,
      type: 'book',
      eventId,
      marketId: state.marketId,
      tokenId,
      tsEventMs: state.lastEventMs,
      tsPublishedMs: Date.now(),
      source,
      bids: [...state.bids],
      asks: [...state.asks],
      stale,
    };
    this.#emit(snapshot);
  }

  // -------------------------------------------------------------------------------------------
  // REST: gap repair, quiet-token checks, fallback polling
  // -------------------------------------------------------------------------------------------

  /** One token's book over REST (gap repair, quiet check); failures are left to the watchdog's next round. */
  async #resync(request: Pick<ResyncRequest, 'tokenId' | 'reason'>): Promise<void> {
    const { tokenId } = request;
    if (this.#restInFlight.has(tokenId) || this.#stopping.aborted) return;
    this.#restInFlight.add(tokenId);
    try {
      const book = await this.#clob.book(tokenId, this.#stopping);
      if (!this.#marketOfToken.has(tokenId)) return;
      this.#books.applySnapshot(book, Date.now());
      this.#publishBook(tokenId, 'rest');
    } catch (err) {
      if (!this.#stopping.aborted) this.#log.warn({ err, tokenId, reason: request.reason }, 'REST book fetch failed; will retry');
    } finally {
      this.#restInFlight.delete(tokenId);
    }
  }

  async #watchdogLoop(): Promise<void> {
    const periodMs = Math.max(50, Math.min(this.#opts.staleAfterMs, this.#opts.pollMs) / 2);
    while (await sleep(periodMs, this.#stopping)) this.#watchdog();
  }

  #watchdog(): void {
    const channel = this.#channel;
    if (!channel) return;
    const nowMs = Date.now();
    const connections = channel.status();
    const health = assessFeedHealth({
      nowMs,
      connections,
      tokenLastMessageMs: this.#tokenLastMessageMs,
      connectionStaleAfterMs: this.#opts.staleAfterMs,
      tokenQuietAfterMs: this.#opts.tokenQuietAfterMs,
    });
    for (const c of connections) {
      const down = health.downConnections.some((d) => d.id === c.id);
      this.#opts.metrics?.wsState.set({ connection: c.id }, c.open && !down ? 1 : 0);
    }
    for (const id of health.restartConnections) {
      const why = health.downConnections.find((d) => d.id === id);
      channel.restart(id, why?.reason ?? 'silent');
    }

    const entered = [...health.degradedTokens].filter((t) => this.#marketOfToken.has(t) && !this.#degraded.has(t));
    if (entered.length > 0) {
      for (const tokenId of entered) this.#degraded.add(tokenId);
      this.#opts.metrics?.staleTokens.set(this.#degraded.size);
      this.#log.warn({ tokens: entered.length, connections: health.downConnections }, 'market channel down; books stale, polling REST');
      // tell agents at once, with the book we have; the poll brings fresher ones
      for (const tokenId of entered) this.#publishBook(tokenId, 'ws');
    }

    for (const tokenId of health.quietTokens) {
      this.#tokenLastMessageMs.set(tokenId, nowMs); // one check per quiet period
      void this.#resync({ tokenId, reason: 'no_snapshot' });
    }
    for (const pending of this.#books.pendingResyncs()) {
      if (!this.#degraded.has(pending.tokenId)) void this.#resync(pending);
    }
  }

  async #pollLoop(): Promise<void> {
    while (await sleep(this.#opts.pollMs, this.#stopping)) {
      const tokenIds = [...this.#degraded].filter((t) => !this.#restInFlight.has(t));
      if (tokenIds.length === 0) continue;
      try {
        const books = await this.#clob.books(tokenIds, this.#stopping);
        const receivedAtMs = Date.now();
        for (const book of books) {
          if (!this.#degraded.has(book.tokenId)) continue; // recovered meanwhile: the WebSocket is the truth again
          this.#books.applySnapshot(book, receivedAtMs);
          this.#publishBook(book.tokenId, 'rest');
        }
      } catch (err) {
        if (!this.#stopping.aborted) this.#log.warn({ err, tokens: tokenIds.length }, 'REST fallback poll failed; books stay stale');
      }
    }
  }
}

function tokensOf(message: Extract<WsMarketMessage, { type: 'book' | 'price_change' | 'tick_size_change' }>): string[] {
  return message.type === 'price_change' ? [...new Set(message.changes.map((c) => c.tokenId))] : [message.tokenId];
}
