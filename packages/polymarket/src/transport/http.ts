import { setTimeout as delay } from 'node:timers/promises';
import { Counter, type Registry } from 'prom-client';
import { BadMessageError, FloorError } from '@floor/domain';
import type { Logger } from '@floor/telemetry';
import { parseGammaEvent, parseGammaMarkets, type GammaBatch, type GammaEvent } from '../parse/gamma.js';
import type { ParseResult } from '../parse/common.js';
import { parseNegRisk, parsePricesHistory, parseRestBook, parseRestBooks, parseTickSize, type PricePoint, type RestBook } from '../parse/rest.js';
import {
  backoffDelayMs,
  isRetryableStatus,
  parseRetryAfterMs,
  type BackoffOptions,
  type RateFamily,
  type RateLimiterLike,
} from '../rate-limit.js';

/**
 * Fetch-based clients for Polymarket's public HTTP APIs: Gamma (discovery) and the CLOB's public market
 * data. Transport only: every body is handed to a pure parser from ../parse, and every call goes through
 * one rate-limit family (shared across the floor when the limiter is a `RedisRateLimiter`).
 *
 * A 429 (honouring `Retry-After`), a 5xx, a timeout or a network error is retried with full-jitter backoff
 * up to `maxAttempts`; each answer is counted in `floor_venue_http_responses_total{family,status}`.
 * Other 4xx answers are the venue's word and are not retried.
 */

/** Exhausted retries on 429 / 5xx / timeouts: the venue may answer later. */
export class VenueUnavailableError extends FloorError {
  readonly code = 'VENUE_TIMEOUT' as const;
  readonly retryable = true;
}

/** A 4xx other than 429: asking again the same way gets the same answer. */
export class VenueRejectedError extends FloorError {
  readonly code = 'VENUE_REJECTED' as const;
  readonly retryable = false;
}

export interface VenueHttpMetrics {
  /** `status` is the HTTP status, or `timeout` / `network` when no answer came */
  readonly responses: Counter<'family' | 'status'>;
}

export function createVenueHttpMetrics(registry: Registry): VenueHttpMetrics {
  return {
    responses: new Counter({
      name: 'floor_venue_http_responses_total',
      help: 'answers from the venue HTTP APIs, by rate-limit family and status (timeout/network when none came)',
      labelNames: ['family', 'status'],
      registers: [registry],
    }),
  };
}

export interface HttpTransportOptions {
  readonly limiter: RateLimiterLike;
  readonly log: Logger;
  readonly metrics?: VenueHttpMetrics;
  /** per attempt; default 10 s */
  readonly timeoutMs?: number;
  /** attempts per call, the first included; default 5 */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  /** the pause between attempts; default a timer that the call's signal cuts short */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly fetch?: typeof fetch;
  /** told after every attempt whether the venue answered well (2xx) or not (429, 5xx, timeout, no connection) */
  readonly onCall?: (ok: boolean) => void;
}

export interface HttpCall<T> {
  readonly family: RateFamily;
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly body?: unknown;
  readonly parse: (raw: unknown) => ParseResult<T>;
  readonly signal?: AbortSignal;
}

/** What one attempt came back with, before we decide whether to retry. */
type Attempt =
  | { readonly kind: 'answer'; readonly status: number; readonly body: unknown; readonly retryAfterMs: number | null }
  | { readonly kind: 'no_answer'; readonly reason: 'timeout' | 'network'; readonly error: unknown };

export class HttpTransport {
  readonly #opts: HttpTransportOptions;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: HttpTransportOptions) {
    this.#opts = options;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, signal ? { signal } : {}));
  }

  /** One call: rate-limited, retried on 429 / 5xx / no answer, parsed. Throws a `FloorError` on failure. */
  async request<T>(call: HttpCall<T>): Promise<T> {
    const maxAttempts = this.#opts.maxAttempts ?? 5;
    const endpoint = call.url.pathname;
    for (let attempt = 0; ; attempt += 1) {
      call.signal?.throwIfAborted();
      await this.#opts.limiter.take(call.family);
      const result = await this.#attempt(call);
      const status = result.kind === 'answer' ? String(result.status) : result.reason;
      this.#opts.metrics?.responses.inc({ family: call.family, status });
      // a 4xx other than 429 is our request's fault, not the venue's: it does not count against the venue
      this.#opts.onCall?.(result.kind === 'answer' && (result.status < 500 && result.status !== 429));

      if (result.kind === 'answer' && result.status >= 200 && result.status < 300) {
        const parsed = call.parse(result.body);
        if (parsed.ok) return parsed.value;
        this.#opts.log.error({ endpoint, eventType: parsed.eventType, kind: parsed.kind, detail: parsed.detail }, 'venue answer did not parse');
        throw new BadMessageError(`${call.method} ${endpoint}: ${parsed.detail}`, { endpoint, eventType: parsed.eventType });
      }
      if (result.kind === 'answer' && !isRetryableStatus(result.status)) {
        throw new VenueRejectedError(`${call.method} ${endpoint} answered ${result.status}`, { endpoint, status: result.status, body: result.body });
      }
      if (attempt + 1 >= maxAttempts) {
        throw new VenueUnavailableError(`${call.method} ${endpoint}: ${status} after ${maxAttempts} attempts`, { endpoint, status }, {
          cause: result.kind === 'no_answer' ? result.error : undefined,
        });
      }
      const retryAfterMs = result.kind === 'answer' ? result.retryAfterMs : null;
      const pauseMs = backoffDelayMs(attempt, this.#opts.backoff, retryAfterMs);
      this.#opts.log.warn({ endpoint, family: call.family, status, attempt: attempt + 1, pauseMs }, 'venue call failed, backing off');
      // a shutdown must not wait out a long Retry-After: the abort ends the pause and the call
      await this.#sleep(pauseMs, call.signal);
    }
  }

  async #attempt<T>(call: HttpCall<T>): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    try {
      const response = await this.#fetch(call.url, {
        method: call.method,
        signal,
        headers: call.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      });
      const text = await response.text();
      return {
        kind: 'answer',
        status: response.status,
        body: jsonOrText(text),
        retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), Date.now()),
      };
    } catch (error) {
      // the caller's own abort is not a venue failure: let it end the call
      call.signal?.throwIfAborted();
      return { kind: 'no_answer', reason: timeout.aborted ? 'timeout' : 'network', error };
    }
  }
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // the parser says what is wrong with it
  }
}

/** `base` + `path` (base may carry a path prefix, as the sandbox's `/gamma` does) + query. */
export function endpointUrl(base: string, path: string, query: Record<string, string | number | boolean | undefined> = {}): URL {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
}

// ---------------------------------------------------------------------------------------------
// Gamma
// ---------------------------------------------------------------------------------------------

export interface GammaListQuery {
  /** default false: Gamma's own default, sent explicitly so the intent is visible in logs */
  readonly closed?: boolean;
  /** comma-separated on the wire */
  readonly conditionIds?: readonly string[];
  /** page size; default 100 (the most some routes allow) */
  readonly pageSize?: number;
  /** stop after this many pages; default 50 */
  readonly maxPages?: number;
  /** server-side order field, e.g. `volume24hr` (descending) */
  readonly orderBy?: string;
  readonly signal?: AbortSignal;
}

const ArrayBody = (raw: unknown): ParseResult<unknown[]> =>
  Array.isArray(raw) ? { ok: true, value: raw } : { ok: false, kind: 'invalid', eventType: 'gamma_list', detail: 'expected a JSON array' };

export class GammaClient {
  constructor(
    private readonly http: HttpTransport,
    private readonly baseUrl: string,
  ) {}

  /** `GET /markets`, every page (offset/limit) until a short page or `maxPages`. */
  async listMarkets(query: GammaListQuery = {}): Promise<GammaBatch> {
    const accepted: GammaBatch['accepted'][number][] = [];
    const rejected: GammaBatch['rejected'][number][] = [];
    for await (const page of this.#pages('/markets', 'gammaMarkets', query)) {
      const batch = parseGammaMarkets(page);
      accepted.push(...batch.accepted);
      rejected.push(...batch.rejected);
    }
    return { accepted, rejected };
  }

  /** `GET /events`, every page; each event's markets carry its title and tags. Unparseable events are skipped. */
  async listEvents(query: GammaListQuery = {}): Promise<GammaEvent[]> {
    const events: GammaEvent[] = [];
    for await (const page of this.#pages('/events', 'gammaEvents', query)) {
      for (const raw of page) {
        const event = parseGammaEvent(raw);
        if (event.ok) events.push(event.value);
      }
    }
    return events;
  }

  async *#pages(path: string, family: RateFamily, query: GammaListQuery): AsyncGenerator<unknown[]> {
    const pageSize = query.pageSize ?? 100;
    const maxPages = query.maxPages ?? 50;
    for (let page = 0; page < maxPages; page += 1) {
      const url = endpointUrl(this.baseUrl, path, {
        closed: query.closed ?? false,
        limit: pageSize,
        offset: page * pageSize,
        condition_ids: query.conditionIds?.join(','),
        order: query.orderBy,
        ascending: query.orderBy === undefined ? undefined : false,
      });
      const items = await this.http.request({ family, method: 'GET', url, parse: ArrayBody, ...(query.signal ? { signal: query.signal } : {}) });
      yield items;
      if (items.length < pageSize) return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// CLOB public market data
// ---------------------------------------------------------------------------------------------

/** `POST /books` takes at most this many tokens per request. */
export const MAX_BOOKS_PER_REQUEST = 500;

export type PricesHistoryQuery =
  | { readonly tokenId: string; readonly interval: 'max' | 'all' | '1m' | '1w' | '1d' | '6h' | '1h'; readonly fidelityMinutes?: number }
  | { readonly tokenId: string; readonly startMs: number; readonly endMs: number; readonly fidelityMinutes?: number };

export class ClobPublicClient {
  constructor(
    private readonly http: HttpTransport,
    private readonly baseUrl: string,
  ) {}

  /** `GET /book?token_id=` */
  book(tokenId: string, signal?: AbortSignal): Promise<RestBook> {
    return this.http.request({ family: 'clobBook', method: 'GET', url: endpointUrl(this.baseUrl, '/book', { token_id: tokenId }), parse: parseRestBook, ...opt(signal) });
  }

  /** `POST /books`, split into requests of at most MAX_BOOKS_PER_REQUEST tokens. Unknown tokens are simply absent. */
  async books(tokenIds: readonly string[], signal?: AbortSignal): Promise<RestBook[]> {
    const out: RestBook[] = [];
    for (let i = 0; i < tokenIds.length; i += MAX_BOOKS_PER_REQUEST) {
      const body = tokenIds.slice(i, i + MAX_BOOKS_PER_REQUEST).map((id) => ({ token_id: id }));
      out.push(...(await this.http.request({ family: 'clobBooks', method: 'POST', url: endpointUrl(this.baseUrl, '/books'), body, parse: parseRestBooks, ...opt(signal) })));
    }
    return out;
  }

  /** `GET /prices-history`: either an interval or an explicit window (the venue takes one or the other). */
  pricesHistory(query: PricesHistoryQuery, signal?: AbortSignal): Promise<PricePoint[]> {
    const window =
      'interval' in query
        ? { interval: query.interval }
        : { startTs: Math.floor(query.startMs / 1000), endTs: Math.floor(query.endMs / 1000) };
    const url = endpointUrl(this.baseUrl, '/prices-history', { market: query.tokenId, ...window, fidelity: query.fidelityMinutes });
    return this.http.request({ family: 'clobPricesHistory', method: 'GET', url, parse: parsePricesHistory, ...opt(signal) });
  }

  /** `GET /tick-size?token_id=` → the minimum tick in price micros. */
  tickSizeMicros(tokenId: string, signal?: AbortSignal): Promise<bigint> {
    return this.http.request({ family: 'clobTickSize', method: 'GET', url: endpointUrl(this.baseUrl, '/tick-size', { token_id: tokenId }), parse: parseTickSize, ...opt(signal) });
  }

  /** `GET /neg-risk?token_id=` (no published limit of its own: counted against the CLOB's general budget). */
  negRisk(tokenId: string, signal?: AbortSignal): Promise<boolean> {
    return this.http.request({ family: 'clob', method: 'GET', url: endpointUrl(this.baseUrl, '/neg-risk', { token_id: tokenId }), parse: parseNegRisk, ...opt(signal) });
  }
}

const opt = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {});
