import type { MarketEvent } from '@floor/domain';
import type { SandboxVenue } from './venue.js';

/**
 * Replays market events into the venue at `speed` × their recorded pace: an event recorded Δ ms after the
 * first one is applied Δ / speed ms after the replay started (`speed: Infinity` = as fast as possible).
 * Events are applied in file order. Resolutions in the data close their markets as they come, so a
 * dataset's markets resolve by its end.
 */
export interface ReplayOptions {
  readonly venue: SandboxVenue;
  readonly events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>;
  readonly speed: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: MarketEvent) => void;
}

export interface ReplaySummary {
  readonly events: number;
  readonly aborted: boolean;
}

export async function replayInto(opts: ReplayOptions): Promise<ReplaySummary> {
  if (!(opts.speed > 0)) throw new RangeError('speed must be positive');
  let firstTsMs: number | null = null;
  const startedMs = Date.now();
  let count = 0;
  for await (const event of opts.events) {
    if (opts.signal?.aborted) return { events: count, aborted: true };
    firstTsMs ??= event.tsEventMs;
    const dueMs = startedMs + (event.tsEventMs - firstTsMs) / opts.speed;
    const waitMs = dueMs - Date.now();
    if (waitMs > 1) await sleep(waitMs, opts.signal);
    if (opts.signal?.aborted) return { events: count, aborted: true };
    opts.venue.applyEvent(event);
    opts.onEvent?.(event);
    count += 1;
  }
  return { events: count, aborted: false };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
