import type { Redis } from 'ioredis';
import type { BusNames } from './names.js';

/** Buckets live long enough for a Boss that was down a few minutes to catch up, and no longer. */
const BUCKET_TTL_SECONDS = 600;

/**
 * Counts one venue API call in its second's bucket. Every process that calls the exchange (collector, executor)
 * reports here; the Boss turns the counts into the API-error breaker's inputs. Errors are what the venue or the
 * network did (429, 5xx, timeouts, refused connections), not requests we got wrong.
 */
export async function recordVenueCall(redis: Redis, names: BusNames, ok: boolean, nowMs = Date.now()): Promise<void> {
  const key = names.venueCallsKey(Math.floor(nowMs / 1000));
  await redis.multi().hincrby(key, ok ? 'ok' : 'err', 1).expire(key, BUCKET_TTL_SECONDS).exec();
}

export interface VenueCallCounts {
  readonly epochSecond: number;
  readonly ok: number;
  readonly err: number;
}

/** The counts of whole seconds in (afterSecond, throughSecond], oldest first, skipping empty ones. */
export async function readVenueCalls(redis: Redis, names: BusNames, afterSecond: number, throughSecond: number): Promise<VenueCallCounts[]> {
  const from = Math.max(afterSecond + 1, throughSecond - BUCKET_TTL_SECONDS + 1);
  if (from > throughSecond) return [];
  const seconds = Array.from({ length: throughSecond - from + 1 }, (_, i) => from + i);
  const pipeline = redis.pipeline();
  for (const s of seconds) pipeline.hgetall(names.venueCallsKey(s));
  const replies = (await pipeline.exec()) ?? [];
  const out: VenueCallCounts[] = [];
  replies.forEach(([err, value], i) => {
    if (err || !value) return;
    const h = value as Record<string, string>;
    const ok = Number(h.ok ?? 0);
    const bad = Number(h.err ?? 0);
    if (ok + bad > 0) out.push({ epochSecond: seconds[i] as number, ok, err: bad });
  });
  return out;
}
