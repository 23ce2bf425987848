import type { Redis } from 'ioredis';
import {
  bucketRulesFor,
  POLYMARKET_RATE_LIMITS,
  sleepMs,
  takeWhenAllowed,
  type BucketRule,
  type RateFamily,
  type RateLimiterLike,
  type RateLimitTable,
  type TakeDecision,
} from './rate-limit.js';

/**
 * The same token buckets as `RateLimiter`, kept in Redis so every process of the floor draws on one
 * budget per endpoint family (the venue counts per IP / API key, not per process).
 *
 * One Lua script refills and debits all buckets of a family's chain atomically, using Redis's own
 * clock (`TIME`) so processes with skewed clocks agree. Each bucket is a hash `{tokens, ts}` that
 * expires once it would have refilled completely, so idle families cost no memory.
 */

/**
 * KEYS[i]  bucket hash i
 * ARGV[1]  cost
 * ARGV[2i], ARGV[2i+1]  capacity and refill-per-ms of bucket i
 * Returns {1, 0} when taken, {0, retryAfterMs} when not.
 */
const TAKE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local cost = tonumber(ARGV[1])
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local level = tonumber(state[1])
  local ts = tonumber(state[2])
  if level == nil or ts == nil then
    level = capacity
  elseif now > ts then
    level = math.min(capacity, level + (now - ts) * rate)
  end
  levels[i] = level
  if level < cost then
    local need = math.ceil((cost - level) / rate)
    if need > wait then wait = need end
  end
end
if wait > 0 then
  return {0, wait}
end
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i])
  local rate = tonumber(ARGV[2 * i + 1])
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.6f', levels[i] - cost), 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate) + 1000)
end
return {1, 0}
`;

export interface RedisRateLimiterOptions {
  readonly redis: Redis;
  /**
   * Prefix of the bucket keys. Pass the floor's bus prefix (`busNames(env.FLOOR_PREFIX).prefix`) so
   * two floors on one Redis do not share budgets. Keys are `<prefix>:{pm-rate}:<family>/<windowMs>`;
   * the `{pm-rate}` hash tag keeps every bucket in one cluster slot, as a multi-key script needs.
   */
  readonly keyPrefix: string;
  readonly table?: RateLimitTable;
  readonly burstFraction?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

type TakeCommand = (numKeys: number, ...args: Array<string | number>) => Promise<[number, number]>;

export class RedisRateLimiter implements RateLimiterLike {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #table: RateLimitTable;
  readonly #burstFraction: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #rules = new Map<RateFamily, BucketRule[]>();

  constructor(options: RedisRateLimiterOptions) {
    this.#redis = options.redis;
    this.#keyPrefix = options.keyPrefix;
    this.#table = options.table ?? POLYMARKET_RATE_LIMITS;
    this.#burstFraction = options.burstFraction ?? 0.5;
    this.#sleep = options.sleep ?? sleepMs;
    // defineCommand sends EVALSHA and falls back to EVAL once per connection
    if (!('floorPolymarketTakeTokens' in this.#redis)) {
      this.#redis.defineCommand('floorPolymarketTakeTokens', { lua: TAKE_SCRIPT });
    }
  }

  /** The Redis key of one bucket (exported for tests and operators inspecting Redis). */
  bucketKey(rule: BucketRule): string {
    return `${this.#keyPrefix}:{pm-rate}:${rule.key}`;
  }

  async tryTake(family: RateFamily, cost = 1): Promise<TakeDecision> {
    const rules = this.#rulesOf(family);
    for (const rule of rules) {
      if (cost > rule.capacity) throw new RangeError(`cost ${cost} exceeds bucket ${rule.key} capacity ${rule.capacity}`);
    }
    const command = (this.#redis as unknown as Record<'floorPolymarketTakeTokens', TakeCommand>).floorPolymarketTakeTokens;
    const [allowed, retryAfterMs] = await command.call(
      this.#redis,
      rules.length,
      ...rules.map((r) => this.bucketKey(r)),
      cost,
      ...rules.flatMap((r) => [r.capacity, r.refillPerMs]),
    );
    return allowed === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(1, retryAfterMs) };
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
