import { describe, expect, it } from 'vitest';
import { HttpFetchError, parseRetryAfterMs, PoliteHttp } from './http.js';

/** A fake `fetch` answering from a script, recording the calls. */
function scripted(answers: Array<() => Response>) {
  const calls: string[] = [];
  const fake = (async (url: string | URL | Request) => {
    calls.push(String(url));
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as typeof fetch;
  return { fake, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers });

describe('PoliteHttp', () => {
  it('waits what Retry-After says on a 429, then gets the answer', async () => {
    const { fake, calls } = scripted([json({ error: 'slow down' }, 429, { 'retry-after': '3' }), json({ ok: 1 })]);
    const sleeps: number[] = [];
    const http = new PoliteHttp({ fetch: fake, sleep: async (ms) => void sleeps.push(ms), delayMs: 50 });
    expect(await http.getJson('http://x/a')).toEqual({ ok: 1 });
    expect(calls).toEqual(['http://x/a', 'http://x/a']);
    expect(sleeps).toEqual([3_000, 50]);
    expect(http.stats).toEqual({ requests: 2, retries: 1 });
  });

  it('pauses between requests, retries 5xx with backoff, and gives up after maxRetries', async () => {
    const { fake } = scripted([json({}, 500), json({}, 502), json({}, 503)]);
    const sleeps: number[] = [];
    const http = new PoliteHttp({ fetch: fake, sleep: async (ms) => void sleeps.push(ms), delayMs: 10, maxRetries: 2 });
    await expect(http.getJson('http://x/b')).rejects.toThrow(/GET http:\/\/x\/b: 503/);
    expect(sleeps).toEqual([1_000, 10, 2_000, 10]);
  });

  it('does not retry a 4xx other than 429', async () => {
    const { fake, calls } = scripted([json({ error: 'no such token' }, 404)]);
    const http = new PoliteHttp({ fetch: fake, sleep: async () => {} });
    const err = await http.getJson('http://x/c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFetchError);
    expect(err).toMatchObject({ status: 404, message: expect.stringContaining('no such token') });
    expect(calls).toHaveLength(1);
  });

  it('caps a huge Retry-After', async () => {
    const { fake } = scripted([json({}, 429, { 'retry-after': '86400' }), json([])]);
    const sleeps: number[] = [];
    await new PoliteHttp({ fetch: fake, sleep: async (ms) => void sleeps.push(ms), delayMs: 0, maxRetryAfterMs: 60_000 }).getJson('http://x/d');
    expect(sleeps).toEqual([60_000]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterMs('2', 0)).toBe(2_000);
    expect(parseRetryAfterMs('0.5', 0)).toBe(500);
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(5_000);
    expect(parseRetryAfterMs('soon', 0)).toBeNull();
    expect(parseRetryAfterMs(null, 0)).toBeNull();
  });
});
