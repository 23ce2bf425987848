/**
 * A deliberately slow JSON GET client for research downloads: one request at a time, a pause between
 * requests, and on a 429 it waits what `Retry-After` says (seconds or an HTTP date) before trying again.
 * 5xx answers and network errors are retried with exponential backoff; other 4xx fail at once.
 *
 * This is plain `fetch` on purpose: the floor's live transport (packages/polymarket/src/transport) was
 * being written at the same time; `floor data fetch` can move onto it once it settles.
 */

export class HttpFetchError extends Error {
  constructor(
    readonly url: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`GET ${url}: ${detail}`);
    this.name = 'HttpFetchError';
  }
}

export interface PoliteHttpOptions {
  /** pause before every request after the first; default 250 ms */
  readonly delayMs?: number;
  /** attempts after the first, on 429 / 5xx / network errors; default 5 */
  readonly maxRetries?: number;
  /** longest wait honoured from `Retry-After`; a longer one is capped (and still retried); default 120 s */
  readonly maxRetryAfterMs?: number;
  /** per-request timeout; default 30 s */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** one line per retry, e.g. to stderr */
  readonly log?: (line: string) => void;
  /** injectable for unit tests */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export class PoliteHttp {
  readonly #opts: PoliteHttpOptions;
  #requests = 0;
  #retries = 0;

  constructor(opts: PoliteHttpOptions = {}) {
    this.#opts = opts;
  }

  /** requests sent (retries included) and retries */
  get stats(): { readonly requests: number; readonly retries: number } {
    return { requests: this.#requests, retries: this.#retries };
  }

  async getJson(url: string): Promise<unknown> {
    const maxRetries = this.#opts.maxRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      if (this.#requests > 0) await this.#sleep(this.#opts.delayMs ?? 250);
      this.#requests += 1;
      const outcome = await this.#attempt(url);
      if (outcome.ok) return outcome.json;
      if (!outcome.retryable || attempt >= maxRetries) throw new HttpFetchError(url, outcome.status, outcome.detail);
      const waitMs = outcome.waitMs ?? backoffMs(attempt);
      this.#retries += 1;
      this.#opts.log?.(`GET ${url}: ${outcome.detail}; retrying in ${Math.round(waitMs / 100) / 10} s (${attempt + 1}/${maxRetries})`);
      await this.#sleep(waitMs);
    }
  }

  async #attempt(url: string): Promise<Attempt> {
    const signals = [AbortSignal.timeout(this.#opts.timeoutMs ?? 30_000), ...(this.#opts.signal ? [this.#opts.signal] : [])];
    let res: Response;
    try {
      res = await (this.#opts.fetch ?? fetch)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.any(signals) });
    } catch (err) {
      if (this.#opts.signal?.aborted) return { ok: false, retryable: false, status: null, detail: 'aborted' };
      return { ok: false, retryable: true, status: null, detail: `network error (${err instanceof Error ? err.message : String(err)})` };
    }
    if (res.status === 429) {
      await res.body?.cancel();
      const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), (this.#opts.now ?? Date.now)());
      const waitMs = retryAfterMs === null ? undefined : Math.min(retryAfterMs, this.#opts.maxRetryAfterMs ?? 120_000);
      return { ok: false, retryable: true, status: 429, detail: `429 Too Many Requests${retryAfterMs === null ? '' : ` (Retry-After ${res.headers.get('retry-after')})`}`, waitMs };
    }
    const text = await res.text();
    if (res.status >= 500) return { ok: false, retryable: true, status: res.status, detail: `${res.status} ${snippet(text)}` };
    if (!res.ok) return { ok: false, retryable: false, status: res.status, detail: `${res.status} ${snippet(text)}` };
    try {
      return { ok: true, json: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, retryable: false, status: res.status, detail: `answer is not JSON: ${snippet(text)}` };
    }
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return (this.#opts.sleep ?? abortableSleep)(ms, this.#opts.signal);
  }
}

type Attempt =
  | { readonly ok: true; readonly json: unknown }
  | { readonly ok: false; readonly retryable: boolean; readonly status: number | null; readonly detail: string; readonly waitMs?: number | undefined };

/** `Retry-After` as delay-seconds or an HTTP date → milliseconds to wait; null when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** 1 s, 2 s, 4 s … capped at 30 s. */
function backoffMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** attempt);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
