/**
 * Client-side rate limiting for Polymarket's HTTP APIs: token buckets per endpoint family, with the
 * published limits (docs.polymarket.com/api-reference/rate-limits, as of 2026-05).
 *
 * Families nest: a `/book` call spends from `clobBook`, then `clob`, then `general`, because the
 * venue counts it against all three. A call is allowed only when every bucket in its chain has the
 * tokens, and then takes from all of them at once.
 *
 * Bucket shape. A bucket of capacity C refilling at r tokens/ms admits at most C + r·W calls in any
 * window of W ms (full bucket, then refill). Polymarket's limits are sliding windows ("L per W"), so
 * we split each limit: capacity = L·burstFraction, refill = L·(1 − burstFraction) per W. Then no W-long
 * window can see more than L calls, whatever the traffic pattern. With the default burstFraction 0.5
 * the sustained rate is half the published one, far more than a small floor needs.
 *
 * The core is pure (`refillBucket`, `tryTakeBuckets`: state and `nowMs` in, decision out);
 * `RateLimiter` keeps the states in memory for one process, `RedisRateLimiter` (./rate-limit-redis.ts)
 * shares them across processes.
 */

export interface PublishedLimit {
  /** calls allowed per window */
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateFamilySpec {
  /** The family this one also counts against (e.g. `clobBook` → `clob`). */
  readonly parent?: RateFamily;
  /** Trading endpoints have a burst and a sustained limit; both apply. */
  readonly limits: readonly PublishedLimit[];
}

const TEN_SECONDS = 10_000;
const TEN_MINUTES = 600_000;
const per10s = (limit: number): PublishedLimit => ({ limit, windowMs: TEN_SECONDS });
const per10min = (limit: number): PublishedLimit => ({ limit, windowMs: TEN_MINUTES });

/** The published limits, per endpoint family. */
export const POLYMARKET_RATE_LIMITS = {
  general: { limits: [per10s(15_000)] },

  gamma: { parent: 'general', limits: [per10s(4_000)] },
  /** `/markets` and `/events` listings together */
  gammaListing: { parent: 'gamma', limits: [per10s(900)] },
  gammaMarkets: { parent: 'gammaListing', limits: [per10s(300)] },
  gammaEvents: { parent: 'gammaListing', limits: [per10s(500)] },
  gammaComments: { parent: 'gamma', limits: [per10s(200)] },
  gammaTags: { parent: 'gamma', limits: [per10s(200)] },
  gammaSearch: { parent: 'gamma', limits: [per10s(350)] },

  dataApi: { parent: 'general', limits: [per10s(1_000)] },
  dataTrades: { parent: 'dataApi', limits: [per10s(200)] },
  dataPositions: { parent: 'dataApi', limits: [per10s(150)] },
  dataClosedPositions: { parent: 'dataApi', limits: [per10s(150)] },

  clob: { parent: 'general', limits: [per10s(9_000)] },
  clobBook: { parent: 'clob', limits: [per10s(1_500)] },
  clobBooks: { parent: 'clob', limits: [per10s(500)] },
  clobPrice: { parent: 'clob', limits: [per10s(1_500)] },
  clobPrices: { parent: 'clob', limits: [per10s(500)] },
  clobMidpoint: { parent: 'clob', limits: [per10s(1_500)] },
  clobMidpoints: { parent: 'clob', limits: [per10s(500)] },
  clobPricesHistory: { parent: 'clob', limits: [per10s(1_000)] },
  clobTickSize: { parent: 'clob', limits: [per10s(200)] },
  clobBalanceAllowance: { parent: 'clob', limits: [per10s(200)] },
  clobBalanceAllowanceUpdate: { parent: 'clob', limits: [per10s(50)] },
  clobAuth: { parent: 'clob', limits: [per10s(100)] },
  /** ledger reads: `/trades`, `/orders`, `/notifications`, `/order` together */
  clobLedger: { parent: 'clob', limits: [per10s(900)] },
  clobDataOrders: { parent: 'clobLedger', limits: [per10s(500)] },
  clobDataTrades: { parent: 'clobLedger', limits: [per10s(500)] },
  clobNotifications: { parent: 'clobLedger', limits: [per10s(125)] },
  clobPostOrder: { parent: 'clob', limits: [per10s(3_500), per10min(36_000)] },
  clobCancelOrder: { parent: 'clob', limits: [per10s(3_000), per10min(30_000)] },
  clobPostOrders: { parent: 'clob', limits: [per10s(1_000), per10min(15_000)] },
  clobCancelOrders: { parent: 'clob', limits: [per10s(1_000), per10min(15_000)] },
} as const satisfies Record<string, { readonly parent?: string; readonly limits: readonly PublishedLimit[] }>;

export type RateFamily = keyof typeof POLYMARKET_RATE_LIMITS;
export type RateLimitTable = Readonly<Record<RateFamily, RateFamilySpec>>;

// ---------------------------------------------------------------------------------------------
// Pure core
// ---------------------------------------------------------------------------------------------

export interface BucketRule {
  /** Bucket key, unique per family and limit (`clobPostOrder/600000`). */
  readonly key: string;
  readonly capacity: number;
  readonly refillPerMs: number;
}

export interface BucketState {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export type TakeDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/** Splits a published sliding-window limit into a bucket that can never exceed it (see the file doc). */
export function bucketRuleFor(key: string, published: PublishedLimit, burstFraction: number): BucketRule {
  if (!(burstFraction > 0 && burstFraction < 1)) throw new RangeError(`burstFraction must be in (0, 1), got ${burstFraction}`);
  const capacity = Math.max(1, Math.floor(published.limit * burstFraction));
  return { key, capacity, refillPerMs: (published.limit - capacity) / published.windowMs };
}

/** The bucket chain of a family: its own limits, then its parent's, up to `general`. */
export function bucketRulesFor(family: RateFamily, table: RateLimitTable = POLYMARKET_RATE_LIMITS, burstFraction = 0.5): BucketRule[] {
  const rules: BucketRule[] = [];
  const seen = new Set<RateFamily>();
  for (let f: RateFamily | undefined = family; f !== undefined; f = table[f].parent) {
    if (seen.has(f)) throw new Error(`rate family cycle at ${f}`);
    seen.add(f);
    for (const published of table[f].limits) rules.push(bucketRuleFor(`${f}/${published.windowMs}`, published, burstFraction));
  }
  return rules;
}

/** A bucket's tokens at `nowMs` (full when never used; time going backwards refills nothing). */
export function refillBucket(state: BucketState | undefined, rule: BucketRule, nowMs: number): BucketState {
  if (!state) return { tokens: rule.capacity, updatedAtMs: nowMs };
  const elapsedMs = Math.max(0, nowMs - state.updatedAtMs);
  return { tokens: Math.min(rule.capacity, state.tokens + elapsedMs * rule.refillPerMs), updatedAtMs: Math.max(nowMs, state.updatedAtMs) };
}

/**
 * All-or-nothing take of `cost` tokens from every bucket in `rules`. Returns the decision and the new
 * states (refilled, and debited when allowed). When denied, `retryAfterMs` is how long until the
 * slowest bucket has the tokens.
 */
export function tryTakeBuckets(
  states: ReadonlyMap<string, BucketState>,
  rules: readonly BucketRule[],
  nowMs: number,
  cost = 1,
): { decision: TakeDecision; states: Map<string, BucketState> } {
  const next = new Map(states);
  let retryAfterMs = 0;
  for (const rule of rules) {
    if (cost > rule.capacity) throw new RangeError(`cost ${cost} exceeds bucket ${rule.key} capacity ${rule.capacity}`);
    const refilled = refillBucket(states.get(rule.key), rule, nowMs);
    next.set(rule.key, refilled);
    if (refilled.tokens < cost) retryAfterMs = Math.max(retryAfterMs, Math.ceil((cost - refilled.tokens) / rule.refillPerMs));
  }
  if (retryAfterMs > 0) return { decision: { allowed: false, retryAfterMs }, states: next };
  for (const rule of rules) {
    const s = next.get(rule.key) as BucketState;
    next.set(rule.key, { tokens: s.tokens - cost, updatedAtMs: s.updatedAtMs });
  }
  return { decision: { allowed: true }, states: next };
}

// ---------------------------------------------------------------------------------------------
// Limiters
// ---------------------------------------------------------------------------------------------

export interface RateLimiterLike {
  tryTake(family: RateFamily, cost?: number): Promise<TakeDecision>;
  take(family: RateFamily, cost?: number): Promise<void>;
}

export interface RateLimiterOptions {
  readonly table?: RateLimitTable;
  /** share of each published limit available as an instant burst; default 0.5 (see the file doc) */
  readonly burstFraction?: number;
  /** default `Date.now` */
  readonly nowMs?: () => number;
  /** default a `setTimeout` promise; tests pass a fake */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `tryTake` allows the call. Shared by the in-memory and Redis limiters; the wait is the
 * limiter's own estimate, so there is no busy loop.
 */
export async function takeWhenAllowed(tryTake: () => Promise<TakeDecision>, sleep: (ms: number) => Promise<void>): Promise<void> {
  for (;;) {
    const decision = await tryTake();
    if (decision.allowed) return;
    await sleep(decision.retryAfterMs);
  }
}

/** In-process token buckets. One instance per process; for a floor-wide budget use `RedisRateLimiter`. */
export class RateLimiter implements RateLimiterLike {
  #states = new Map<string, BucketState>();
  readonly #rules = new Map<RateFamily, BucketRule[]>();
  readonly #table: RateLimitTable;
  readonly #burstFraction: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: RateLimiterOptions = {}) {
    this.#table = options.table ?? POLYMARKET_RATE_LIMITS;
    this.#burstFraction = options.burstFraction ?? 0.5;
    this.#now = options.nowMs ?? Date.now;
    this.#sleep = options.sleep ?? sleepMs;
  }

  /** Synchronous decision at an explicit time; the pure core plus this instance's bucket states. */
  tryTakeAt(family: RateFamily, nowMs: number, cost = 1): TakeDecision {
    const result = tryTakeBuckets(this.#states, this.#rulesOf(family), nowMs, cost);
    this.#states = result.states;
    return result.decision;
  }

  tryTake(family: RateFamily, cost = 1): Promise<TakeDecision> {
    return Promise.resolve(this.tryTakeAt(family, this.#now(), cost));
  }

  take(family: RateFamily, cost = 1): Promise<void> {
    return takeWhenAllowed(() => this.tryTake(family, cost), this.#sleep);
  }

  #rulesOf(family: RateFamily): BucketRule[] {
    let rules = this.#rules.get(family);
    if (!rules) {
      rules = bucketRulesFor(family, this.#table, this.#burstFraction);
      this.#rules.set(family, rules);
    }
    return rules;
  }
}

// ---------------------------------------------------------------------------------------------
// Backoff for 429 / 5xx
// ---------------------------------------------------------------------------------------------

export interface BackoffOptions {
  /** delay cap before jitter for attempt 0; default 500 ms */
  readonly baseMs?: number;
  /** longest delay; default 30 s */
  readonly maxMs?: number;
  /** uniform [0, 1); default Math.random. Pass a seeded source for deterministic tests and replays. */
  readonly random?: () => number;
}

/** 429 (throttled) and 5xx are worth retrying; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * "Full jitter" exponential backoff: a uniform delay in [0, min(maxMs, baseMs·2^attempt)), but never
 * less than the server's `Retry-After` when it sent one (even above `maxMs`). `attempt` counts from 0.
 *
 * Do not use this to retry `POST /order` blindly: a timeout or 5xx there leaves the order
 * submitted-unknown, and only reconciliation may decide whether it exists.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}, retryAfterMs: number | null = null): number {
  const baseMs = options.baseMs ?? 500;
  const maxMs = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceilingMs = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const jitteredMs = Math.floor(random() * ceilingMs);
  // the server's word wins over our cap: retrying before Retry-After only earns another 429
  return Math.max(jitteredMs, retryAfterMs ?? 0);
}

/** A `Retry-After` header (delta seconds or an HTTP date) → milliseconds to wait, or null. */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const dateMs = Date.parse(text);
  return Number.isNaN(dateMs) ? null : Math.max(0, dateMs - nowMs);
}
