import { eq, sql } from 'drizzle-orm';
import type { Logger } from '@floor/telemetry';
import { stringifyWire, type MarketEvent, type MarketInfo } from '@floor/domain';
import { schema, type Db } from '@floor/db';

/** Keeps the Postgres `markets` table in step with listings and resolutions, off the publishing path. */
export interface MarketsWriter {
  /** notes a `listed` or `resolved` event (other types are ignored); never blocks, never throws */
  record(event: MarketEvent): void;
  /** writes what is pending now */
  flush(): Promise<void>;
  /** flushes and stops the timer */
  close(): Promise<void>;
}

interface Pending {
  info?: MarketInfo;
  resolution?: { winningTokenId: string; resolvedAtMs: number };
}

/**
 * Batches market rows and upserts them every `flushIntervalMs` (or sooner when `maxPending` markets wait).
 * Postgres is the record of what markets existed, not part of the trading path: a failed write is logged and
 * retried with the next batch, and the collector keeps publishing meanwhile.
 */
export function createMarketsWriter(opts: { db: Db; log: Logger; flushIntervalMs?: number; maxPending?: number }): MarketsWriter {
  const { db, log } = opts;
  const maxPending = opts.maxPending ?? 200;
  let pending = new Map<string, Pending>();
  let flushing: Promise<void> | undefined;
  let failures = 0;

  const timer = setInterval(() => void flush(), opts.flushIntervalMs ?? 1_000);
  timer.unref();

  async function write(batch: Map<string, Pending>): Promise<void> {
    const rows = [...batch.entries()].flatMap(([marketId, p]) =>
      p.info
        ? [
            {
              marketId,
              question: p.info.question,
              category: p.info.category,
              info: JSON.parse(stringifyWire(p.info)) as unknown,
              endDate: new Date(p.info.endDateMs),
              winningTokenId: p.resolution?.winningTokenId ?? null,
              resolvedAt: p.resolution ? new Date(p.resolution.resolvedAtMs) : null,
            },
          ]
        : [],
    );
    if (rows.length > 0) {
      const m = schema.markets;
      await db
        .insert(m)
        .values(rows)
        .onConflictDoUpdate({
          target: m.marketId,
          set: {
            question: sql`excluded.question`,
            category: sql`excluded.category`,
            info: sql`excluded.info`,
            endDate: sql`excluded.end_date`,
            // a re-listing (replay restart) must not erase a resolution already recorded
            winningTokenId: sql`coalesce(excluded.winning_token_id, ${m.winningTokenId})`,
            resolvedAt: sql`coalesce(excluded.resolved_at, ${m.resolvedAt})`,
          },
        });
    }
    for (const [marketId, p] of batch) {
      if (p.info || !p.resolution) continue;
      await db
        .update(schema.markets)
        .set({ winningTokenId: p.resolution.winningTokenId, resolvedAt: new Date(p.resolution.resolvedAtMs) })
        .where(eq(schema.markets.marketId, marketId));
    }
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await write(batch);
      if (failures > 0) log.info({ failures }, 'writing markets to Postgres works again');
      failures = 0;
    } catch (err) {
      failures += 1;
      // drizzle wraps the driver error with the whole query and its parameters; the cause is what to read.
      // First failure, then every 60th: an outage should not write a line per second.
      if (failures === 1 || failures % 60 === 0) {
        log.error({ err: err instanceof Error && err.cause ? err.cause : err, markets: batch.size, failures }, 'writing markets to Postgres failed; will retry with the next batch');
      }
      // put the batch back under anything newer that arrived meanwhile
      for (const [marketId, p] of batch) pending.set(marketId, { ...p, ...pending.get(marketId) });
    }
  }

  function flush(): Promise<void> {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    record(event) {
      if (event.type !== 'listed' && event.type !== 'resolved') return;
      const entry = pending.get(event.marketId) ?? {};
      if (event.type === 'listed') entry.info = event.market;
      else entry.resolution = { winningTokenId: event.winningTokenId, resolvedAtMs: event.tsEventMs };
      pending.set(event.marketId, entry);
      if (pending.size >= maxPending) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      // a flush that was running when close() was called may have left newer rows behind
      await flush();
    },
  };
}
