import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  bucketRuleFor,
  bucketRulesFor,
  isRetryableStatus,
  parseRetryAfterMs,
  POLYMARKET_RATE_LIMITS,
  RateLimiter,
  refillBucket,
  tryTakeBuckets,
  type BucketState,
} from './rate-limit.js';

describe('bucket rules', () => {
  it('follows a family up to `general`, including both trading windows', () => {
    expect(bucketRulesFor('clobPostOrder').map((r) => r.key)).toEqual(['clobPostOrder/10000', 'clobPostOrder/600000', 'clob/10000', 'general/10000']);
    expect(bucketRulesFor('gammaMarkets').map((r) => r.key)).toEqual(['gammaMarkets/10000', 'gammaListing/10000', 'gamma/10000', 'general/10000']);
  });

  it('splits a published limit so no window can exceed it', () => {
    const rule = bucketRuleFor('clobBook/10000', POLYMARKET_RATE_LIMITS.clobBook.limits[0], 0.5);
    expect(rule.capacity).toBe(750);
    expect(rule.capacity + rule.refillPerMs * 10_000).toBe(1_500);
    expect(() => bucketRuleFor('x', { limit: 10, windowMs: 1000 }, 1)).toThrow(/burstFraction/);
  });
});

describe('pure token bucket', () => {
  const rule = { key: 'k', capacity: 4, refillPerMs: 0.001 }; // 1 token per second

  it('starts full, refills with time, never beyond capacity, never backwards', () => {
    expect(refillBucket(undefined, rule, 0)).toEqual({ tokens: 4, updatedAtMs: 0 });
    expect(refillBucket({ tokens: 1, updatedAtMs: 0 }, rule, 2_000)).toEqual({ tokens: 3, updatedAtMs: 2_000 });
    expect(refillBucket({ tokens: 1, updatedAtMs: 0 }, rule, 60_000).tokens).toBe(4);
    expect(refillBucket({ tokens: 1, updatedAtMs: 5_000 }, rule, 4_000)).toEqual({ tokens: 1, updatedAtMs: 5_000 });
  });

  it('allows a burst of `capacity`, then says how long to wait', () => {
    let states = new Map<string, BucketState>();
    for (let i = 0; i < 4; i += 1) {
      const r = tryTakeBuckets(states, [rule], 0);
      expect(r.decision).toEqual({ allowed: true });
      states = r.states;
    }
    const denied = tryTakeBuckets(states, [rule], 0);
    expect(denied.decision).toEqual({ allowed: false, retryAfterMs: 1_000 });
    expect(tryTakeBuckets(denied.states, [rule], 999).decision.allowed).toBe(false);
    expect(tryTakeBuckets(denied.states, [rule], 1_000).decision.allowed).toBe(true);
  });

  it('is all-or-nothing across a chain: a denied parent leaves the child untouched', () => {
    const child = { key: 'child', capacity: 10, refillPerMs: 0.01 };
    const parent = { key: 'parent', capacity: 1, refillPerMs: 0.001 };
    const first = tryTakeBuckets(new Map(), [child, parent], 0);
    const second = tryTakeBuckets(first.states, [child, parent], 0);
    expect(second.decision).toEqual({ allowed: false, retryAfterMs: 1_000 });
    expect(second.states.get('child')?.tokens).toBe(9);
  });

  it('refuses a cost no bucket could ever hold', () => {
    expect(() => tryTakeBuckets(new Map(), [rule], 0, 5)).toThrow(/exceeds bucket/);
  });
});

describe('RateLimiter', () => {
  it('never lets more than the published limit through in any 10 s window', () => {
    const limiter = new RateLimiter();
    const allowedAt: number[] = [];
    for (let nowMs = 0; nowMs < 60_000; nowMs += 5) {
      if (limiter.tryTakeAt('clobTickSize', nowMs).allowed) allowedAt.push(nowMs);
    }
    let worst = 0;
    for (let i = 0, j = 0; i < allowedAt.length; i += 1) {
      while ((allowedAt[i] as number) - (allowedAt[j] as number) >= 10_000) j += 1;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(200);
    expect(allowedAt.length).toBeGreaterThan(600); // ~100 burst + 100 per 10 s sustained
  });

  it('families share their parent: /book traffic spends the clob budget', () => {
    const limiter = new RateLimiter({
      table: { ...POLYMARKET_RATE_LIMITS, clob: { parent: 'general', limits: [{ limit: 4, windowMs: 10_000 }] } },
    });
    expect(limiter.tryTakeAt('clobBook', 0).allowed).toBe(true);
    expect(limiter.tryTakeAt('clobPrice', 0).allowed).toBe(true);
    expect(limiter.tryTakeAt('clobMidpoint', 0)).toEqual({ allowed: false, retryAfterMs: 5_000 });
  });

  it('take() sleeps for the estimated wait, not in a busy loop', async () => {
    let nowMs = 0;
    const sleeps: number[] = [];
    const limiter = new RateLimiter({
      table: { ...POLYMARKET_RATE_LIMITS, clobAuth: { limits: [{ limit: 2, windowMs: 1_000 }] } },
      nowMs: () => nowMs,
      sleep: async (ms) => {
        sleeps.push(ms);
        nowMs += ms;
      },
    });
    await limiter.take('clobAuth');
    await limiter.take('clobAuth');
    expect(sleeps).toEqual([1_000]);
    expect(nowMs).toBe(1_000);
  });
});

describe('backoff', () => {
  it('retries 429 and 5xx only', () => {
    expect([429, 500, 502, 503, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 404, 425].some(isRetryableStatus)).toBe(false);
  });

  it('full jitter under an exponential ceiling, deterministic with a given random source', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelayMs(a, { baseMs: 100, maxMs: 1_000, random: half }))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelayMs(3, { baseMs: 100, maxMs: 1_000, random: () => 0 })).toBe(0);
    expect(backoffDelayMs(3, { baseMs: 100, maxMs: 1_000, random: () => 0.999 })).toBe(799);
  });

  it('never retries before the server’s Retry-After, even past maxMs', () => {
    expect(backoffDelayMs(0, { baseMs: 100, maxMs: 1_000, random: () => 0.5 }, 5_000)).toBe(5_000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const nowMs = Date.UTC(2026, 7, 1, 12, 0, 0);
    expect(parseRetryAfterMs('3', nowMs)).toBe(3_000);
    expect(parseRetryAfterMs('Sat, 01 Aug 2026 12:00:10 GMT', nowMs)).toBe(10_000);
    expect(parseRetryAfterMs('soon', nowMs)).toBeNull();
    expect(parseRetryAfterMs(undefined, nowMs)).toBeNull();
  });
});
