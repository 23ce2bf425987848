import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { BookSnapshot, MarketEvent, stringifyWire, type MarketInfo } from '@floor/domain';
import { busNames, createSettlementsQueue } from '@floor/bus';
import { parseFloorConfig } from '@floor/config';
import { createCollectorMetrics, PolymarketSource, readStoredMarkets, runCollector, sourceFromConfig } from '@floor/feed';
import {
  ClobPublicClient,
  createLiveFeedMetrics,
  DiscoveryFilterSettings,
  GammaClient,
  HttpTransport,
  RateLimiter,
  RedisRateLimiter,
  VenueRejectedError,
  type LiveFeedMetrics,
} from '@floor/polymarket';
import { simulatedDataset } from '@floor/sim';
import { startSandboxServer, type SandboxServer } from '@floor/venue-sim';
import { createTestRedisPrefix, waitFor } from '../setup/harness.js';

/**
 * The live source end to end: the sandbox venue (in-process, port 0) speaking Gamma, CLOB REST and the market
 * channel, the PolymarketSource discovering and streaming it, and runCollector publishing into a Redis prefix
 * of this test's own. Then each fault in turn; after each one clears, fresh non-stale books must flow again.
 */

const STALE_AFTER_MS = 800;
const dataset = simulatedDataset('live', { seed: 11, markets: 3, startMs: Date.UTC(2025, 5, 1), stepMs: 60_000, steps: 400 });
const allEvents = [...dataset.events];
const listedEvents = allEvents.filter((e) => e.type === 'listed');
/** books and trades to keep the venue moving; resolutions are the test's own decision */
const activity = allEvents.filter((e) => e.type === 'book' || e.type === 'trade');
const tokenIds = dataset.markets.flatMap((m) => m.tokens.map((t) => t.tokenId));
/** The token id of outcome `index` (0 = Yes) of a market. */
const tokenOf = (market: MarketInfo, index: 0 | 1): string => market.tokens[index]?.tokenId ?? '';

/** Log lines the source wrote, parsed (pino JSON). */
const logLines: Array<Record<string, unknown>> = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

let sandbox: SandboxServer;
let t: ReturnType<typeof createTestRedisPrefix>;
let redis: Redis;
let names: ReturnType<typeof busNames>;
let settlementsQueue: ReturnType<typeof createSettlementsQueue>;
let registry: Registry;
let liveMetrics: LiveFeedMetrics;
const stop = new AbortController();
let collector: Promise<unknown>;
let pump: Promise<void>;

async function pushEvents(events: readonly MarketEvent[]): Promise<void> {
  const res = await fetch(`${sandbox.urls.base}/_sandbox/events`, { method: 'POST', body: stringifyWire(events) });
  expect(res.status).toBe(200);
}

async function setFaults(patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sandbox.urls.base}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });
  expect(res.status).toBe(200);
}

/** Keeps the crowd books moving: a few dataset events every 40 ms, round and round. */
async function runPump(): Promise<void> {
  for (let i = 0; !stop.signal.aborted; i += 4) {
    const chunk = [0, 1, 2, 3].map((k) => activity[(i + k) % activity.length] as MarketEvent);
    await pushEvents(chunk).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 40));
  }
}

async function latestBook(tokenId: string): Promise<BookSnapshot | undefined> {
  const text = await redis.get(names.bookKey(tokenId));
  if (!text) return undefined;
  const event = MarketEvent.parse(JSON.parse(text));
  return event.type === 'book' ? event : undefined;
}

async function streamEvents(marketId: string): Promise<MarketEvent[]> {
  const entries = (await redis.xrange(names.marketStream(marketId), '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, fields]) => MarketEvent.parse(JSON.parse(fields[fields.indexOf('m') + 1] as string)));
}

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
}

/** Every token of `markets` has a WebSocket book published after `sinceMs` that is not stale. */
async function waitForFreshBooks(sinceMs: number, markets: readonly MarketInfo[] = dataset.markets, what = 'fresh books'): Promise<void> {
  const ids = markets.flatMap((m) => m.tokens.map((tk) => tk.tokenId));
  await waitFor(
    async () => {
      const books = await Promise.all(ids.map(latestBook));
      return books.every((b) => b !== undefined && !b.stale && b.source === 'sandbox' && b.tsPublishedMs > sinceMs);
    },
    { timeoutMs: 15_000, intervalMs: 50, what },
  );
}

/** REST-polled, stale books published after `sinceMs` for every token (the fallback at work). */
async function waitForRestFallback(sinceMs: number): Promise<void> {
  await waitFor(
    async () => {
      const events = (await Promise.all(dataset.markets.map((m) => streamEvents(m.marketId)))).flat();
      const polled = new Set(events.filter((e) => e.type === 'book' && e.source === 'rest' && e.stale && e.tsPublishedMs > sinceMs).map((e) => (e as BookSnapshot).tokenId));
      return tokenIds.every((id) => polled.has(id));
    },
    { timeoutMs: 15_000, intervalMs: 50, what: 'REST fallback books (source rest, stale)' },
  );
}

beforeAll(async () => {
  sandbox = await startSandboxServer({ port: 0, tickMs: 25 });
  await pushEvents(listedEvents);
  await pushEvents(activity.slice(0, 12));

  t = createTestRedisPrefix('live-src');
  redis = new Redis(t.redisUrl, { maxRetriesPerRequest: null });
  names = busNames(t.prefix);
  settlementsQueue = createSettlementsQueue(redis, names);
  registry = new Registry();
  liveMetrics = createLiveFeedMetrics(registry);

  const source = new PolymarketSource({
    name: 'sandbox',
    gammaUrl: sandbox.urls.gamma,
    clobUrl: sandbox.urls.clob,
    wsUrl: sandbox.urls.wsMarket,
    discovery: DiscoveryFilterSettings.parse({}),
    maxMarkets: 10,
    rediscoverMs: 400,
    // two tokens per socket: the three markets need three connections
    maxAssetsPerConnection: 2,
    pingIntervalMs: 200,
    staleAfterMs: STALE_AFTER_MS,
    tokenQuietAfterMs: 60_000,
    pollMs: 200,
    httpTimeoutMs: 2_000,
    limiter: new RedisRateLimiter({ redis, keyPrefix: t.prefix }),
    log,
    metrics: liveMetrics,
    httpBackoff: { baseMs: 50, maxMs: 300 },
    reconnectBackoff: { baseMs: 50, maxMs: 300 },
  });
  collector = runCollector({ source, redis, names, settlementsQueue, log, metrics: createCollectorMetrics(registry), signal: stop.signal });
  pump = runPump();
});

afterAll(async () => {
  stop.abort();
  await collector;
  await pump;
  await settlementsQueue.close();
  await sandbox.close();
  await t.cleanup();
  redis.disconnect();
});

describe('PolymarketSource against the sandbox venue', () => {
  it('builds a sandbox source from the floor config, with the sandbox URLs by default', () => {
    const config = parseFloorConfig({ feed: { source: 'sandbox' }, polymarket: { discovery: { categories: ['crypto'] } } });
    expect(config.polymarket).toMatchObject({ maxAssetsPerConnection: 200, staleAfterMs: 30_000, pollMs: 2_000 });
    const source = sourceFromConfig(config.feed, '/', { polymarket: config.polymarket, limiter: new RateLimiter(), log });
    expect(source).toBeInstanceOf(PolymarketSource);
    expect(source.name).toBe('sandbox');
    expect(() => parseFloorConfig({ polymarket: { staleAfterMs: 5_000, pingIntervalMs: 10_000 } })).toThrow(/staleAfterMs/);
    expect(() => parseFloorConfig({ polymarket: { wsUrl: 'http://127.0.0.1:1/ws' } })).toThrow(/wsUrl/);
  });

  it('HTTP clients: Gamma pages by offset/limit, CLOB public endpoints parse into micros, a 404 is not retried', async () => {
    const http = new HttpTransport({ limiter: new RedisRateLimiter({ redis, keyPrefix: t.prefix }), log, metrics: liveMetrics.http });
    const gamma = new GammaClient(http, sandbox.urls.gamma);
    const clob = new ClobPublicClient(http, sandbox.urls.clob);

    const pagesBefore = sandbox.stats.get('GET /gamma/markets');
    const listed = await gamma.listMarkets({ pageSize: 1 });
    expect(listed.accepted.map((m) => m.info.marketId).sort()).toEqual(expect.arrayContaining(dataset.markets.map((m) => m.marketId).sort()));
    expect(sandbox.stats.get('GET /gamma/markets') - pagesBefore).toBeGreaterThanOrEqual(4); // 3 full pages and an empty one
    expect((await gamma.listEvents()).flatMap((e) => e.accepted).length).toBeGreaterThanOrEqual(3);

    const yes = tokenOf(dataset.markets[0]!, 0);
    const book = await clob.book(yes);
    expect(book).toMatchObject({ tokenId: yes, marketId: dataset.markets[0]!.marketId });
    expect(typeof book.bids[0]?.priceMicros).toBe('bigint');
    expect((await clob.books(tokenIds)).map((b) => b.tokenId).sort()).toEqual([...tokenIds].sort());
    expect(await clob.tickSizeMicros(yes)).toBe(dataset.markets[0]!.tickSizeMicros);
    expect(await clob.negRisk(yes)).toBe(dataset.markets[0]!.negRisk);
    expect(Array.isArray(await clob.pricesHistory({ tokenId: yes, interval: '1d' }))).toBe(true);

    const notFoundBefore = await metricValue('floor_venue_http_responses_total', { family: 'clobBook', status: '404' });
    await expect(clob.book('123')).rejects.toBeInstanceOf(VenueRejectedError);
    expect(await metricValue('floor_venue_http_responses_total', { family: 'clobBook', status: '404' })).toBe(notFoundBefore + 1);
  });

  it('lists discovered markets, then streams their books (source sandbox, not stale) over split connections', async () => {
    const stored = await waitFor(async () => {
      const markets = await readStoredMarkets(redis, names);
      return dataset.markets.every((m) => markets.has(m.marketId)) ? markets : undefined;
    }, { what: 'markets in marketsHash' });
    expect(stored.get(dataset.markets[0]!.marketId)?.question).toBe(dataset.markets[0]!.question);
    await waitForFreshBooks(0);

    const events = await streamEvents(dataset.markets[0]!.marketId);
    expect(events[0]?.type).toBe('listed');
    expect(events.some((e) => e.type === 'book' && e.source === 'sandbox')).toBe(true);
    const sockets = (await (await fetch(`${sandbox.urls.base}/_sandbox/stats`)).json()) as { sockets: { market: number } };
    expect(sockets.sockets.market).toBe(3);
    expect(await metricValue('floor_collector_ws_state')).toBe(3);
  });

  it('WS drop: reconnects with backoff, re-subscribes everything, books fresh again', async () => {
    const reconnectsBefore = await metricValue('floor_collector_reconnects_total');
    const dropAt = Date.now();
    await setFaults({ ws: 'drop' });
    await waitForRestFallback(dropAt);
    await waitFor(async () => (await metricValue('floor_collector_stale_tokens')) === tokenIds.length, { what: 'every token stale after the drop' });
    await setFaults({ reset: true });
    const clearedAt = Date.now();
    await waitForFreshBooks(clearedAt, dataset.markets, 'fresh books after the drop');
    expect(await metricValue('floor_collector_reconnects_total')).toBeGreaterThan(reconnectsBefore);
    await waitFor(async () => (await metricValue('floor_collector_stale_tokens')) === 0, { what: 'no stale token after the drop' });
  });

  it('WS freeze: an open but silent socket counts as down → REST fallback (rest, stale); unfrozen → fresh WebSocket books', async () => {
    const frozenAt = Date.now();
    await setFaults({ ws: 'freeze' });
    await waitForRestFallback(frozenAt);
    const polled = await latestBook(tokenIds[0]!);
    expect(polled).toMatchObject({ source: 'rest', stale: true });
    // the silent sockets count as down (a replacement socket may open for a moment, then go silent again)
    await waitFor(async () => (await metricValue('floor_collector_ws_state')) === 0, { what: 'ws_state 0 while frozen' });

    await setFaults({ reset: true });
    await waitForFreshBooks(Date.now(), dataset.markets, 'fresh books after the freeze');
    await waitFor(async () => (await metricValue('floor_collector_ws_state')) === 3, { what: 'all three sockets up after the freeze' });
    expect(logLines.some((l) => l['msg'] === 'market channel down; books stale, polling REST')).toBe(true);
  });

  it('429 on market data (while the socket is frozen): backs off, counted, no crash; books stay stale until the feed recovers', async () => {
    await setFaults({ ws: 'freeze', httpErrors: [{ family: 'market-data', status: 429, retryAfterSeconds: 1 }] });
    await waitFor(async () => (await metricValue('floor_venue_http_responses_total', { family: 'clobBooks', status: '429' })) >= 2, {
      timeoutMs: 15_000,
      what: 'counted 429s',
    });
    await waitFor(async () => (await latestBook(tokenIds[0]!))?.stale === true, { what: 'stale book' });
    // Retry-After: 1 is honoured, whatever the jitter draws
    const backoffs = logLines.filter((l) => l['msg'] === 'venue call failed, backing off' && l['status'] === '429');
    expect(backoffs.length).toBeGreaterThan(0);
    expect(backoffs.every((l) => Number(l['pauseMs']) >= 1_000)).toBe(true);

    await setFaults({ reset: true });
    await waitForFreshBooks(Date.now(), dataset.markets, 'fresh books after the 429s');
  });

  it('500 on Gamma and market data: counted and retried; afterwards re-discovery lists a new market and books flow', async () => {
    await setFaults({ ws: 'freeze', httpErrors: [{ family: 'gamma', status: 500 }, { family: 'market-data', status: 500 }] });
    await waitFor(
      async () =>
        (await metricValue('floor_venue_http_responses_total', { family: 'gammaMarkets', status: '500' })) > 0 &&
        (await metricValue('floor_venue_http_responses_total', { family: 'clobBooks', status: '500' })) > 0,
      { timeoutMs: 15_000, what: 'counted 500s' },
    );
    await setFaults({ reset: true });

    const extra = simulatedDataset('live-extra', { seed: 12, markets: 1, startMs: Date.UTC(2025, 5, 1), stepMs: 60_000, steps: 10 });
    const extraEvents = [...extra.events].filter((e) => e.type !== 'resolved');
    await pushEvents(extraEvents);
    await waitFor(async () => (await readStoredMarkets(redis, names)).has(extra.markets[0]!.marketId), { what: 'new market listed' });
    const since = Date.now();
    await pushEvents(extraEvents.filter((e) => e.type === 'book'));
    await waitForFreshBooks(since - 1_000, extra.markets, 'books of the new market');
    await waitForFreshBooks(since, dataset.markets, 'fresh books after the 500s');
  });

  it('a malformed frame is logged with its event type, counted and skipped; the feed keeps going', async () => {
    const before = await metricValue('floor_collector_bad_frames_total', { kind: 'malformed' });
    await setFaults({ malformedFrame: true });
    await waitFor(async () => (await metricValue('floor_collector_bad_frames_total', { kind: 'malformed' })) > before, { what: 'bad frame counted' });
    const line = logLines.find((l) => l['msg'] === 'skipped a market-channel message that did not parse');
    expect(line).toMatchObject({ level: 50, eventType: 'price_change', kind: 'malformed' });
    await waitForFreshBooks(Date.now(), dataset.markets, 'fresh books after the malformed frame');
  });

  it('resolutions: from the market channel, and from Gamma for a market that closed while the socket was frozen', async () => {
    const [first, second] = dataset.markets as [MarketInfo, MarketInfo];
    const resolved = (market: MarketInfo, winner: string): MarketEvent => ({
      v: 1,
      type: 'resolved',
      eventId: `evt_res_${market.marketId.slice(2, 12)}`,
      marketId: market.marketId,
      winningTokenId: winner,
      tsEventMs: Date.now(),
      tsPublishedMs: Date.now(),
      source: 'sandbox',
    });
    await pushEvents([resolved(first, tokenOf(first, 0))]);
    await waitFor(async () => (await readStoredMarkets(redis, names)).get(first.marketId)?.winningTokenId === tokenOf(first, 0), {
      what: 'resolution over the WebSocket',
    });

    await setFaults({ ws: 'freeze' });
    await pushEvents([resolved(second, tokenOf(second, 1))]);
    await waitFor(async () => (await readStoredMarkets(redis, names)).get(second.marketId)?.winningTokenId === tokenOf(second, 1), {
      what: 'resolution found by re-discovery on Gamma',
    });
    await setFaults({ reset: true });

    const index = (await redis.xrange(names.marketsIndexStream, '-', '+')) as Array<[string, string[]]>;
    const resolutions = index.map(([, f]) => MarketEvent.parse(JSON.parse(f[f.indexOf('m') + 1] as string))).filter((e) => e.type === 'resolved');
    expect(resolutions.map((e) => e.marketId).sort()).toEqual([first.marketId, second.marketId].sort());
    expect(await settlementsQueue.getJob(`settle-${second.marketId}`)).toBeDefined();
  });
});
