import type { Redis } from 'ioredis';
import { z } from 'zod';
import { MarketInfo, nowUs, stringifyWire, type MarketEvent, type MarketResolved } from '@floor/domain';
import { STREAM_MAXLEN, type BusNames } from '@floor/bus';

/**
 * A `marketsHash` entry: the market's `MarketInfo`, plus `winningTokenId` and `resolvedAtMs` once it has
 * resolved. The extra fields sit beside the MarketInfo fields, so readers that parse with `MarketInfo` keep
 * working (zod drops keys it does not know) and readers that care about resolution parse with `StoredMarket`.
 */
export const StoredMarket = MarketInfo.extend({
  winningTokenId: z.string().min(1).optional(),
  resolvedAtMs: z.number().int().nonnegative().optional(),
});
export type StoredMarket = z.output<typeof StoredMarket>;

/**
 * Publishes one market event, atomically (one MULTI):
 * - XADD to `marketStream(marketId)` (field `m`, wire JSON), trimmed to about STREAM_MAXLEN.market entries;
 * - `book`: SET `bookKey(tokenId)` to the same JSON, the book the paper exchange matches against;
 * - `listed`: HSET the market into `marketsHash` and XADD to `marketsIndexStream`;
 * - `resolved`: XADD to `marketsIndexStream` and mark the market resolved in `marketsHash`.
 * `tsPublishedMs` is stamped just before the MULTI. Returns the event as published.
 *
 * Settlement jobs and Postgres are the caller's business (see `runCollector`): they are not Redis MULTI work.
 */
export async function publishMarketEvent(redis: Redis, names: BusNames, event: MarketEvent): Promise<MarketEvent> {
  // The collector is the only writer of marketsHash, so this read-then-write cannot race another writer.
  const resolvedEntry = event.type === 'resolved' ? markResolved(await redis.hget(names.marketsHash, event.marketId), event) : undefined;

  const published: MarketEvent = { ...event, tsPublishedMs: Date.now(), tracePublishedUs: nowUs() };
  const json = stringifyWire(published);
  const tx = redis.multi().xadd(names.marketStream(event.marketId), 'MAXLEN', '~', String(STREAM_MAXLEN.market), '*', 'm', json);
  switch (published.type) {
    case 'book':
      tx.set(names.bookKey(published.tokenId), json);
      break;
    case 'listed':
      tx.hset(names.marketsHash, published.marketId, stringifyWire(published.market));
      tx.xadd(names.marketsIndexStream, 'MAXLEN', '~', String(STREAM_MAXLEN.index), '*', 'm', json);
      break;
    case 'resolved':
      tx.xadd(names.marketsIndexStream, 'MAXLEN', '~', String(STREAM_MAXLEN.index), '*', 'm', json);
      if (resolvedEntry) tx.hset(names.marketsHash, published.marketId, resolvedEntry);
      break;
    case 'trade':
      break;
  }
  const results = await tx.exec();
  if (!results) throw new Error(`MULTI for event ${event.eventId} was discarded`);
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
  return published;
}

/** The hash entry of a market after resolution, or undefined when the market was never listed here. */
function markResolved(stored: string | null, event: MarketResolved): string | undefined {
  if (!stored) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(stored);
  } catch {
    return undefined;
  }
  const market = StoredMarket.safeParse(json);
  if (!market.success) return undefined;
  return stringifyWire({ ...market.data, winningTokenId: event.winningTokenId, resolvedAtMs: event.tsEventMs });
}

/** Every market in `marketsHash`, with its resolution if it has one. Entries that do not parse are skipped. */
export async function readStoredMarkets(redis: Redis, names: BusNames): Promise<Map<string, StoredMarket>> {
  const all = await redis.hgetall(names.marketsHash);
  const out = new Map<string, StoredMarket>();
  for (const [marketId, text] of Object.entries(all)) {
    try {
      const parsed = StoredMarket.safeParse(JSON.parse(text));
      if (parsed.success) out.set(marketId, parsed.data);
    } catch {
      /* a corrupt entry is as good as none; the next listing rewrites it */
    }
  }
  return out;
}
