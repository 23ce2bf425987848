import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { bucketRulesFor, POLYMARKET_RATE_LIMITS, RedisRateLimiter, type RateLimitTable } from '@floor/polymarket';
import { createTestRedisPrefix } from '../setup/harness.js';

/** Small limits so the test sees a denial quickly: 4 per second on clobAuth, 6 per second on clob. */
const TABLE: RateLimitTable = {
  ...POLYMARKET_RATE_LIMITS,
  clob: { parent: 'general', limits: [{ limit: 6, windowMs: 1_000 }] },
  clobAuth: { parent: 'clob', limits: [{ limit: 4, windowMs: 1_000 }] },
};

describe('RedisRateLimiter (shared token buckets)', () => {
  let t: ReturnType<typeof createTestRedisPrefix>;
  let redisA: Redis;
  let redisB: Redis;

  beforeAll(() => {
    t = createTestRedisPrefix('pm-rate');
    redisA = new Redis(t.redisUrl, { maxRetriesPerRequest: 1 });
    redisB = new Redis(t.redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redisA.disconnect();
    redisB.disconnect();
    await t.cleanup();
  });

  it('two processes draw on one budget, and a denial says how long to wait', async () => {
    const a = new RedisRateLimiter({ redis: redisA, keyPrefix: `${t.prefix}:shared`, table: TABLE });
    const b = new RedisRateLimiter({ redis: redisB, keyPrefix: `${t.prefix}:shared`, table: TABLE });
    // burstFraction 0.5 → clobAuth bucket holds 2
    expect(await a.tryTake('clobAuth')).toEqual({ allowed: true });
    expect(await b.tryTake('clobAuth')).toEqual({ allowed: true });
    const denied = await a.tryTake('clobAuth');
    expect(denied.allowed).toBe(false);
    expect(denied.allowed ? 0 : denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.allowed ? 0 : denied.retryAfterMs).toBeLessThanOrEqual(500); // refill 2 per 1000 ms
  });

  it('debits the whole chain atomically: the parent budget is spent by any child', async () => {
    const limiter = new RedisRateLimiter({ redis: redisA, keyPrefix: `${t.prefix}:chain`, table: TABLE });
    // clob bucket holds 3; clobAuth holds 2 and clobBook has the real (large) limit
    expect((await limiter.tryTake('clobAuth')).allowed).toBe(true);
    expect((await limiter.tryTake('clobBook')).allowed).toBe(true);
    expect((await limiter.tryTake('clobBook')).allowed).toBe(true);
    expect((await limiter.tryTake('clobBook')).allowed).toBe(false); // clob exhausted
    const [authRule] = bucketRulesFor('clobAuth', TABLE);
    const tokens = Number(await redisA.hget(limiter.bucketKey(authRule as NonNullable<typeof authRule>), 'tokens'));
    expect(tokens).toBeCloseTo(1, 1); // the denied call did not take from clobAuth's chain
  });

  it('take() waits until the bucket refills', async () => {
    const limiter = new RedisRateLimiter({ redis: redisA, keyPrefix: `${t.prefix}:wait`, table: TABLE });
    const started = Date.now();
    for (let i = 0; i < 3; i += 1) await limiter.take('clobAuth');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('keeps bucket keys under the caller prefix, with an expiry', async () => {
    const limiter = new RedisRateLimiter({ redis: redisA, keyPrefix: `${t.prefix}:ttl`, table: TABLE });
    await limiter.tryTake('clobAuth');
    const keys = await redisA.keys(`${t.prefix}:ttl:*`);
    expect(keys.sort()).toEqual([`${t.prefix}:ttl:{pm-rate}:clob/1000`, `${t.prefix}:ttl:{pm-rate}:clobAuth/1000`, `${t.prefix}:ttl:{pm-rate}:general/10000`].sort());
    for (const key of keys) expect(await redisA.pttl(key)).toBeGreaterThan(0);
  });
});
