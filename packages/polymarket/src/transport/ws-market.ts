import WebSocket from 'ws';
import type { Logger } from '@floor/telemetry';
import type { BackoffOptions } from '../rate-limit.js';
import type { LiveFeedMetrics } from './feed-metrics.js';
import { planSubscriptions, reconnectDelayMs, type ConnectionHealthInput } from './feed-plan.js';

/**
 * The CLOB WebSocket market channel (`/ws/market`), as transport: sockets, subscriptions, keepalive and
 * reconnects. Frames go to `onFrame` as text; parsing and book keeping belong to the caller.
 *
 * - Tokens are spread over several sockets, at most `maxAssetsPerConnection` each (`planSubscriptions`).
 * - On open, a socket subscribes to all its tokens (`assets_ids`, custom features on, so `market_resolved`
 *   arrives); tokens added later use the dynamic `operation: "subscribe"` message.
 * - Text `PING` every `pingIntervalMs`; the venue answers `PONG`, which keeps `lastMessageMs` fresh, so a
 *   socket that is open but frozen shows up as silent to the caller's watchdog (`restart` replaces it).
 * - A closed socket reconnects after a jittered, growing pause and subscribes everything again (the venue
 *   does not remember subscriptions).
 */

export interface MarketChannelOptions {
  /** e.g. `wss://ws-subscriptions-clob.polymarket.com/ws/market` */
  readonly url: string;
  readonly maxAssetsPerConnection: number;
  /** default 10 s (the venue's documented keepalive) */
  readonly pingIntervalMs?: number;
  readonly reconnectBackoff?: BackoffOptions;
  readonly onFrame: (connectionId: string, text: string, receivedAtMs: number) => void;
  readonly log: Logger;
  readonly metrics?: LiveFeedMetrics;
  readonly nowMs?: () => number;
}

export interface MarketConnectionStatus extends ConnectionHealthInput {
  readonly open: boolean;
}

export class MarketChannel {
  readonly #connections = new Map<string, MarketConnection>();
  readonly #opts: MarketChannelOptions;
  #nextId = 0;
  #closed = false;

  constructor(options: MarketChannelOptions) {
    this.#opts = options;
  }

  /** Subscribes tokens not yet subscribed, filling existing connections before opening new ones. */
  subscribe(tokenIds: readonly string[]): void {
    if (this.#closed) return;
    const plan = planSubscriptions([...this.#connections.values()], tokenIds, this.#opts.maxAssetsPerConnection);
    for (const { connectionId, tokenIds: ids } of plan.additions) this.#connections.get(connectionId)?.add(ids);
    for (const group of plan.newConnections) {
      const id = `ws-${this.#nextId}`;
      this.#nextId += 1;
      const connection = new MarketConnection(id, group, this.#opts);
      this.#connections.set(id, connection);
      connection.connect();
    }
  }

  /** Unsubscribes tokens; a connection left with none is closed. */
  unsubscribe(tokenIds: readonly string[]): void {
    for (const [id, connection] of this.#connections) {
      connection.remove(tokenIds);
      if (connection.tokens.size === 0) {
        connection.close();
        this.#connections.delete(id);
        this.#opts.metrics?.wsState.remove({ connection: id });
      }
    }
  }

  /** Replaces a connection's socket (the watchdog found it silent); it reconnects and re-subscribes. */
  restart(connectionId: string, reason: string): void {
    this.#connections.get(connectionId)?.restart(reason);
  }

  status(): MarketConnectionStatus[] {
    return [...this.#connections.values()].map((c) => c.status());
  }

  close(): void {
    this.#closed = true;
    for (const connection of this.#connections.values()) connection.close();
    this.#connections.clear();
  }
}

/** One socket and the tokens it carries, across reconnects. */
class MarketConnection {
  readonly tokens: Set<string>;
  readonly #log: Logger;
  readonly #now: () => number;
  #socket: WebSocket | null = null;
  #pingTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #lastMessageMs: number;
  #openedAtMs: number | null = null;
  #awaitingDataSinceMs: number | null = null;
  #failuresInARow = 0;
  #connects = 0;
  #closed = false;

  constructor(
    readonly id: string,
    tokenIds: readonly string[],
    private readonly opts: MarketChannelOptions,
  ) {
    this.tokens = new Set(tokenIds);
    this.#log = opts.log.child({ component: 'ws-market', connection: id });
    this.#now = opts.nowMs ?? Date.now;
    this.#lastMessageMs = this.#now();
  }

  connect(): void {
    if (this.#closed) return;
    this.#connects += 1;
    if (this.#connects > 1) this.opts.metrics?.reconnects.inc({ connection: this.id });
    const socket = new WebSocket(this.opts.url);
    this.#socket = socket;

    socket.on('open', () => {
      this.opts.metrics?.wsState.set({ connection: this.id }, 1);
      this.#log.info({ tokens: this.tokens.size, connects: this.#connects }, 'market channel open');
      this.#send({ assets_ids: [...this.tokens], type: 'market', custom_feature_enabled: true });
      this.#openedAtMs = this.#now();
      this.#awaitingDataSinceMs = this.#openedAtMs;
      this.#pingTimer = setInterval(() => this.#sendText('PING'), this.opts.pingIntervalMs ?? 10_000);
    });
    socket.on('message', (data, isBinary) => {
      if (socket !== this.#socket) return; // a replaced socket's last words
      const receivedAtMs = this.#now();
      this.#lastMessageMs = receivedAtMs;
      const text = isBinary ? '' : rawText(data);
      if (text.trim() !== 'PONG') {
        // data proves the subscription is live: only now does the reconnect backoff start over
        this.#awaitingDataSinceMs = null;
        this.#failuresInARow = 0;
      }
      this.opts.onFrame(this.id, text, receivedAtMs);
    });
    socket.on('error', (err) => this.#log.warn({ err }, 'market channel error'));
    socket.on('close', (code, reason) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#openedAtMs = null;
      this.#awaitingDataSinceMs = null;
      clearInterval(this.#pingTimer);
      this.opts.metrics?.wsState.set({ connection: this.id }, 0);
      if (this.#closed) return;
      const pauseMs = reconnectDelayMs(this.#failuresInARow, this.opts.reconnectBackoff);
      this.#failuresInARow += 1;
      this.#log.warn({ code, reason: reason.toString(), pauseMs, failuresInARow: this.#failuresInARow }, 'market channel closed, reconnecting');
      this.#reconnectTimer = setTimeout(() => this.connect(), pauseMs);
    });
  }

  add(tokenIds: readonly string[]): void {
    for (const t of tokenIds) this.tokens.add(t);
    this.#send({ assets_ids: tokenIds, operation: 'subscribe', custom_feature_enabled: true });
  }

  remove(tokenIds: readonly string[]): void {
    const mine = tokenIds.filter((t) => this.tokens.delete(t));
    if (mine.length > 0 && this.tokens.size > 0) this.#send({ assets_ids: mine, operation: 'unsubscribe' });
  }

  restart(reason: string): void {
    if (!this.#socket) return; // already reconnecting
    this.#log.warn({ reason }, 'replacing market channel socket');
    this.#socket.terminate(); // the close handler schedules the reconnect
  }

  status(): MarketConnectionStatus {
    return {
      id: this.id,
      tokens: this.tokens,
      open: this.#socket?.readyState === WebSocket.OPEN,
      lastMessageMs: this.#lastMessageMs,
      openedAtMs: this.#openedAtMs,
      awaitingDataSinceMs: this.#awaitingDataSinceMs,
    };
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#reconnectTimer);
    this.#socket?.terminate();
    this.#socket = null;
  }

  #send(message: unknown): void {
    this.#sendText(JSON.stringify(message));
  }

  #sendText(text: string): void {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(text);
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
