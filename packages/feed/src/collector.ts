import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MarketEvent } from '@floor/domain';
import { enqueueSettlement, type BusNames, type WireJob } from '@floor/bus';
import type { Logger } from '@floor/telemetry';
import { saveCollectorCursor, type SavedCursor } from './cursor.js';
import type { MarketsWriter } from './markets-writer.js';
import { sleep } from './pacing.js';
import { publishMarketEvent } from './publish.js';
import type { MarketSource } from './source.js';

export interface CollectorMetrics {
  readonly events: Counter<'type'>;
  readonly lastPublish: Gauge;
  readonly retries: Counter<'step'>;
}

/** The collector's Prometheus metrics, registered on `registry`. */
export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  return {
    events: new Counter({ name: 'floor_collector_events_total', help: 'market events published, by type', labelNames: ['type'], registers: [registry] }),
    lastPublish: new Gauge({ name: 'floor_collector_last_publish_timestamp_seconds', help: 'wall-clock time of the last published event', registers: [registry] }),
    retries: new Counter({ name: 'floor_collector_retries_total', help: 'failed attempts that were retried, by step', labelNames: ['step'], registers: [registry] }),
  };
}

export interface RunCollectorOptions {
  readonly source: MarketSource;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly settlementsQueue: Queue<WireJob>;
  readonly log: Logger;
  readonly metrics?: CollectorMetrics;
  /** mirrors listings and resolutions into Postgres, off the hot path */
  readonly marketsWriter?: MarketsWriter;
  /** called after each cursor save */
  readonly onCursor?: (saved: SavedCursor) => void;
  /** stops the loop: the event being delivered is finished or left undelivered, never half-published */
  readonly signal?: AbortSignal;
  /** save the cursor every this many events (default 100); more often means fewer re-sent events after a crash */
  readonly cursorEveryEvents?: number;
  /** backoff of retried Redis work: first pause and ceiling (default 100 ms and 5 s) */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export interface CollectorResult {
  readonly published: number;
  /** `ended`: a finite source ran out; `aborted`: the signal stopped the loop */
  readonly stopped: 'ended' | 'aborted';
}

/**
 * The collector loop: every event of the source is published (stream, book, market registry), a resolution
 * also enqueues its settlement job, and the source's cursor is saved every `cursorEveryEvents` events.
 *
 * Delivery is at-least-once: a failure (Redis down) is retried with backoff until it succeeds, so no event is
 * skipped and the loop never crashes; after a crash the collector resumes from the last saved cursor and may
 * send up to `cursorEveryEvents` events again with the same event ids, which consumers deduplicate.
 */
export async function runCollector(opts: RunCollectorOptions): Promise<CollectorResult> {
  const { source, redis, names, log, metrics, signal } = opts;
  const every = opts.cursorEveryEvents ?? 100;
  const backoff = opts.retry ?? { initialMs: 100, maxMs: 5_000 };
  let published = 0;
  let unsaved = 0;
  // the cursor after the last *delivered* event; an event cut short by shutdown is not covered by it
  let deliveredCursor: unknown;

  /** Runs `work` until it succeeds; false if the signal stopped it first. */
  async function untilDone(step: string, event: MarketEvent | undefined, work: () => Promise<unknown>): Promise<boolean> {
    let pauseMs = backoff.initialMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await work();
        return true;
      } catch (err) {
        metrics?.retries.inc({ step });
        // first failure and then every tenth: a long outage should not flood the log
        if (attempt === 1 || attempt % 10 === 0) log.warn({ err, step, attempt, eventId: event?.eventId, pauseMs }, 'collector step failed, retrying');
        if (!(await sleep(pauseMs, signal))) return false;
        pauseMs = Math.min(pauseMs * 2, backoff.maxMs);
      }
    }
  }

  async function deliver(event: MarketEvent): Promise<boolean> {
    let sent: MarketEvent = event;
    const ok = await untilDone('publish', event, async () => {
      sent = await publishMarketEvent(redis, names, event);
    });
    if (!ok) return false;
    if (event.type === 'resolved') {
      const enqueued = await untilDone('settlement', event, () =>
        enqueueSettlement(opts.settlementsQueue, { type: 'settle', v: 1, marketId: event.marketId, winningTokenId: event.winningTokenId, tsEventMs: event.tsEventMs }),
      );
      if (!enqueued) return false;
      log.info({ marketId: event.marketId, winningTokenId: event.winningTokenId }, 'market resolved, settlement queued');
    } else if (event.type === 'listed') {
      log.info({ marketId: event.marketId, category: event.market.category, question: event.market.question }, 'market listed');
    }
    opts.marketsWriter?.record(sent);
    return true;
  }

  /**
   * Saves the cursor of the last delivered event. While running, a failed save is retried like a publish; the
   * last save at stop is tried once (the signal has fired by then), and losing it only means a few events are
   * sent again on restart.
   */
  async function saveCursor(mode: 'retry' | 'once'): Promise<void> {
    if (deliveredCursor === undefined || unsaved === 0) return;
    const saved: SavedCursor = { v: 1, source: source.name, cursor: deliveredCursor, savedAtMs: Date.now() };
    const write = () => saveCollectorCursor(redis, names, saved);
    const ok =
      mode === 'retry'
        ? await untilDone('cursor', undefined, write)
        : await write().then(
            () => true,
            (err: unknown) => {
              log.warn({ err }, 'could not save the cursor at stop; the next start re-sends a few events');
              return false;
            },
          );
    if (!ok) return;
    unsaved = 0;
    opts.onCursor?.(saved);
  }

  log.info({ source: source.name }, 'collector started');
  let stopped: CollectorResult['stopped'] = 'ended';
  for await (const event of source.events(signal)) {
    if (!(await deliver(event))) {
      stopped = 'aborted';
      break;
    }
    published += 1;
    unsaved += 1;
    deliveredCursor = source.cursor?.();
    metrics?.events.inc({ type: event.type });
    metrics?.lastPublish.set(Date.now() / 1_000);
    // a resolution is a milestone worth not repeating: save right after it
    if (unsaved >= every || event.type === 'resolved') await saveCursor('retry');
    if (signal?.aborted) break;
  }
  if (signal?.aborted) stopped = 'aborted';
  await saveCursor('once');
  log.info({ source: source.name, published, stopped }, 'collector stopped');
  return { published, stopped };
}
