import { setTimeout as sleepTimer } from 'node:timers/promises';
import { LlmAborted, LlmUnavailable } from './errors.js';

/**
 * Transport retries (429, 5xx, timeout, dropped connection), owned here rather than by the SDKs: the SDKs
 * are built with `maxRetries: 0` so there is exactly one retry layer, it is the same for both providers,
 * it is abortable, and it refuses to sleep for an unbounded `retry-after` (the SDKs would obey an hour).
 */
export interface RetryPolicy {
  /** retries after the first attempt (0 = one attempt only) */
  readonly maxRetries: number;
  /** first backoff when the provider gave no retry-after; doubles per retry */
  readonly baseDelayMs: number;
  /** longest wait; a retry-after beyond it fails at once (the caller's cooldown takes over) */
  readonly maxDelayMs: number;
}

/** Time and randomness, injectable so tests neither sleep nor depend on chance. */
export interface RetryDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** uniform in [0, 1) */
  random(): number;
}

export const realRetryDeps: RetryDeps = {
  sleep: (ms, signal) => sleepTimer(ms, undefined, signal ? { signal } : {}),
  random: Math.random,
};

/**
 * Runs `attempt` and retries it while it fails with `LlmUnavailable`, waiting as the provider asked
 * (retry-after) or with exponential backoff and jitter. Any other error is thrown at once.
 */
export async function withTransportRetries<T>(
  modelId: string,
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof LlmUnavailable) || retry >= policy.maxRetries) throw err;
      const delayMs = retryDelayMs(err, retry, policy, deps.random);
      if (delayMs === undefined) throw err;
      try {
        await deps.sleep(delayMs, signal);
      } catch (sleepErr) {
        throw new LlmAborted(modelId, { cause: sleepErr });
      }
    }
  }
}

/**
 * How long to wait before retry number `retry` (0-based), or undefined when the provider asked for longer
 * than the policy allows.
 */
export function retryDelayMs(
  err: LlmUnavailable,
  retry: number,
  policy: RetryPolicy,
  random: () => number,
): number | undefined {
  if (err.retryAfterMs !== undefined) {
    return err.retryAfterMs <= policy.maxDelayMs ? err.retryAfterMs : undefined;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  // "equal jitter": at least half the backoff, so concurrent agents spread out without retrying instantly
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Reads `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date) from response headers.
 * `nowMs` is only used for the HTTP-date form.
 */
export function parseRetryAfterMs(headers: Headers | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const dateMs = Date.parse(value);
  return Number.isNaN(dateMs) ? undefined : Math.max(0, dateMs - nowMs);
}
