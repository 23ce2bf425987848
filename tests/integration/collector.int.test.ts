import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { sql } from 'drizzle-orm';
import { MarketEvent, MarketInfo, SettlementJob, type BookSnapshot } from '@floor/domain';
import { busNames, createSettlementsQueue } from '@floor/bus';
import { createDb, type DbHandle } from '@floor/db';
import { createLogger } from '@floor/telemetry';
import { simulatedDataset, writeDataset } from '@floor/sim';
import {
  createCollectorMetrics,
  createMarketsWriter,
  readCollectorCursor,
  readStoredMarkets,
  ReplaySource,
  runCollector,
  type MarketSource,
  type RunCollectorOptions,
} from '@floor/feed';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';

const log = createLogger('collector-test', 'silent');
const dir = mkdtempSync(join(tmpdir(), 'floor-collector-'));
const datasetPath = join(dir, 'int.jsonl.gz');
const dataset = simulatedDataset('int', { seed: 21, markets: 3, startMs: Date.UTC(2025, 2, 1), stepMs: 60_000, steps: 180, staggerMs: 1_800_000 });
const recorded = [...dataset.events];

/** Everything a collector run needs, against a Redis prefix of this test's own. */
async function harness(label: string) {
  const t = createTestRedisPrefix(label);
  const redis = new Redis(t.redisUrl, { maxRetriesPerRequest: null });
  const names = busNames(t.prefix);
  const settlementsQueue = createSettlementsQueue(redis, names);
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const base = { redis, names, settlementsQueue, log, metrics } satisfies Partial<RunCollectorOptions>;
  return {
    redisUrl: t.redisUrl,
    redis,
    names,
    settlementsQueue,
    registry,
    base,
    async close() {
      await settlementsQueue.close();
      await t.cleanup();
      redis.disconnect();
    },
  };
}

const fastReplay = (extra: Partial<ConstructorParameters<typeof ReplaySource>[0]> = {}) =>
  new ReplaySource({ path: datasetPath, label: 'int.jsonl.gz', speed: 1e9, maxGapMs: 1, loop: false, ...extra });

async function streamEvents(redis: Redis, stream: string): Promise<MarketEvent[]> {
  const entries = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
  return entries.map(([, fields]) => MarketEvent.parse(JSON.parse(fields[fields.indexOf('m') + 1] as string)));
}

beforeAll(async () => {
  await writeDataset(datasetPath, dataset.header, recorded);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('collector (replay → Redis, BullMQ, Postgres)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dbHandle: DbHandle;
  beforeAll(async () => {
    db = await createTestDatabase('collector');
    dbHandle = createDb(db.url);
  });
  afterAll(async () => {
    await dbHandle.close();
    await db.drop();
  });

  it('publishes every event in order per market, keeps books and the market registry current, and queues settlements', async () => {
    const h = await harness('collector');
    try {
      const marketsWriter = createMarketsWriter({ db: dbHandle.db, log });
      const result = await runCollector({ ...h.base, source: fastReplay(), marketsWriter });
      await marketsWriter.close();
      expect(result).toEqual({ published: recorded.length, stopped: 'ended' });

      for (const market of dataset.markets) {
        const own = recorded.filter((e) => e.marketId === market.marketId);
        const streamed = await streamEvents(h.redis, h.names.marketStream(market.marketId));
        expect(streamed.map((e) => e.eventId)).toEqual(own.map((e) => e.eventId));
        expect(streamed.every((e) => e.source === 'replay' && e.tsPublishedMs >= e.tsEventMs)).toBe(true);

        for (const token of market.tokens) {
          const lastBook = own.filter((e): e is BookSnapshot => e.type === 'book' && e.tokenId === token.tokenId).at(-1)!;
          const stored = MarketEvent.parse(JSON.parse((await h.redis.get(h.names.bookKey(token.tokenId))) as string));
          expect(stored.eventId).toBe(lastBook.eventId);
          expect(stored.type === 'book' && stored.bids).toEqual(lastBook.bids);
        }

        const resolved = own.at(-1)!;
        if (resolved.type !== 'resolved') throw new Error('dataset market does not end resolved');
        const job = await h.settlementsQueue.getJob(`settle-${market.marketId}`);
        expect(job).toBeDefined();
        expect(SettlementJob.parse(JSON.parse(job!.data.m))).toEqual({ type: 'settle', v: 1, marketId: market.marketId, winningTokenId: resolved.winningTokenId, tsEventMs: resolved.tsEventMs });
      }

      // the registry parses with the plain MarketInfo schema and carries the resolution beside it
      const raw = await h.redis.hgetall(h.names.marketsHash);
      expect(Object.keys(raw).sort()).toEqual(dataset.markets.map((m) => m.marketId).sort());
      for (const text of Object.values(raw)) expect(MarketInfo.safeParse(JSON.parse(text)).success).toBe(true);
      const stored = await readStoredMarkets(h.redis, h.names);
      for (const market of dataset.markets) {
        const resolved = recorded.find((e) => e.type === 'resolved' && e.marketId === market.marketId);
        expect(stored.get(market.marketId)?.winningTokenId).toBe(resolved?.type === 'resolved' ? resolved.winningTokenId : 'missing');
        expect(stored.get(market.marketId)?.resolvedAtMs).toBe(market.endDateMs);
      }

      const index = await streamEvents(h.redis, h.names.marketsIndexStream);
      expect(index.map((e) => e.type).sort()).toEqual([...dataset.markets.map(() => 'listed'), ...dataset.markets.map(() => 'resolved')].sort());

      expect(await readCollectorCursor(h.redis, h.names)).toMatchObject({ source: 'replay:int.jsonl.gz', cursor: { round: 0, index: recorded.length } });
      const counted = (await h.registry.getSingleMetric('floor_collector_events_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(counted).toBe(recorded.length);

      const rows = await dbHandle.db.execute(sql`SELECT market_id, category, winning_token_id FROM markets ORDER BY market_id`);
      expect(rows.rows).toHaveLength(dataset.markets.length);
      expect(rows.rows.every((r) => typeof (r as { winning_token_id: unknown }).winning_token_id === 'string')).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('resumes from the saved cursor after a stop instead of publishing from the start', async () => {
    const h = await harness('collector-resume');
    try {
      const stop = new AbortController();
      const first = await runCollector({
        ...h.base,
        source: fastReplay(),
        cursorEveryEvents: 50,
        signal: stop.signal,
        // stop the way SIGTERM would, once a cursor beyond the first listings is saved
        onCursor: (saved) => {
          if ((saved.cursor as { index: number }).index >= 200) stop.abort();
        },
      });
      expect(first.stopped).toBe('aborted');
      const saved = await readCollectorCursor(h.redis, h.names);
      expect(saved?.cursor).toEqual({ round: 0, index: first.published });

      const again = fastReplay();
      expect(saved?.source).toBe(again.name);
      expect(again.resume(saved?.cursor)).toBe(true);
      const second = await runCollector({ ...h.base, source: again });
      expect(second.published).toBe(recorded.length - first.published);

      const delivered = (await Promise.all(dataset.markets.map((m) => streamEvents(h.redis, h.names.marketStream(m.marketId))))).flat();
      expect(delivered).toHaveLength(recorded.length);
      expect(new Set(delivered.map((e) => e.eventId)).size).toBe(recorded.length);
    } finally {
      await h.close();
    }
  });

  it('loops the dataset with fresh market and token ids per round', async () => {
    const h = await harness('collector-loop');
    try {
      const stop = new AbortController();
      await runCollector({
        ...h.base,
        source: fastReplay({ loop: true }),
        signal: stop.signal,
        cursorEveryEvents: 1,
        // stop a few events into round 2: its first market is listed, nothing of it resolved yet
        onCursor: (saved) => {
          if ((saved.cursor as { round: number }).round >= 1 && (saved.cursor as { index: number }).index >= 5) stop.abort();
        },
      });
      const stored = await readStoredMarkets(h.redis, h.names);
      const first = dataset.markets[0]!;
      const again = stored.get(`${first.marketId}-r1`);
      expect(again?.tokens.map((t) => t.tokenId)).toEqual(first.tokens.map((t) => `${t.tokenId}-r1`));
      expect(again?.endDateMs).toBeGreaterThan(Math.max(...dataset.markets.map((m) => m.endDateMs)));
      // round 0's resolution stays recorded; round 1 is a new market
      expect(stored.get(first.marketId)?.winningTokenId).toBeDefined();
      expect(again?.winningTokenId).toBeUndefined();
      const streamed = await streamEvents(h.redis, h.names.marketStream(`${first.marketId}-r1`));
      expect(streamed[0]?.type).toBe('listed');
      expect(new Set(streamed.map((e) => e.eventId)).size).toBe(streamed.length);
    } finally {
      await h.close();
    }
  });

  it('retries a publish while Redis is unreachable, without skipping or crashing', async () => {
    const h = await harness('collector-outage');
    // a connection that fails fast while down (no offline queue), so the collector sees the errors
    const flaky = new Redis(h.redisUrl, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    flaky.on('error', () => undefined);
    await flaky.connect();
    try {
      const source: MarketSource = {
        name: 'outage',
        async *events() {
          let n = 0;
          for (const e of recorded.slice(0, 120)) {
            n += 1;
            if (n === 60) {
              flaky.disconnect();
              // come back after the collector has failed at least once
              setTimeout(() => void flaky.connect().catch(() => undefined), 300);
            }
            yield { ...e, source: 'replay' as const };
          }
        },
      };
      const result = await runCollector({ ...h.base, redis: flaky, source, retry: { initialMs: 20, maxMs: 100 } });
      expect(result.published).toBe(120);
      const retries = (await h.registry.getSingleMetric('floor_collector_retries_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
      expect(retries).toBeGreaterThan(0);
      const delivered = (await Promise.all(dataset.markets.map((m) => streamEvents(h.redis, h.names.marketStream(m.marketId))))).flat();
      expect(new Set(delivered.map((e) => e.eventId))).toEqual(new Set(recorded.slice(0, 120).map((e) => e.eventId)));
    } finally {
      flaky.disconnect();
      await h.close();
    }
  });
});

