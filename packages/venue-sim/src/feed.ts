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
    // Behind schedule (`speed: Infinity`, a busy machine) there is no sleep, and `for await` over a synchronous
    // generator (the simulator) only ever yields to microtasks: the venue would stop answering HTTP and
    // WebSocket clients until it caught up, which under load it may never do. Catching up yields to I/O.
    if (waitMs > 1) await sleep(waitMs, opts.signal);
    else await new Promise<void>((resolve) => setImmediate(resolve));
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

/** Sim time that starts at `startMs` now and runs `speed` times faster than the wall clock. */
export function replayClock(startMs: number, speed: number): () => number {
  const wallStart = Date.now();
  return () => Math.round(startMs + (Date.now() - wallStart) * speed);
}

/** Reads the first event and gives back an iterable that still yields every event, the first included. */
export async function firstEvent(events: AsyncIterable<MarketEvent>): Promise<{ event: MarketEvent; events: AsyncIterable<MarketEvent> } | null> {
  const it = events[Symbol.asyncIterator]();
  const head = await it.next();
  if (head.done) return null;
  const rest = { [Symbol.asyncIterator]: () => it };
  async function* all(): AsyncGenerator<MarketEvent> {
    yield head.value;
    yield* rest;
  }
  return { event: head.value, events: all() };
}

/** The dataset, then an endless simulated market: a demo that keeps running after its recording ends. */
export async function* thenLive(first: AsyncIterable<MarketEvent>, next: () => Iterable<MarketEvent> | AsyncIterable<MarketEvent>): AsyncGenerator<MarketEvent> {
  yield* first;
  yield* next();
}

