import { z } from 'zod';
import type { MarketEvent } from '@floor/domain';
import { simulateLive } from '@floor/sim';
import { sleep as realSleep, type Sleep } from './pacing.js';
import type { MarketSource } from './source.js';

/** Position in the endless simulated feed: how many events were delivered, and where its sim clock started. */
export const SimulatorCursor = z.object({ index: z.number().int().nonnegative(), startMs: z.number().int().nonnegative() });
export type SimulatorCursor = z.infer<typeof SimulatorCursor>;

/** When delivery falls this far behind schedule, the schedule restarts instead of bursting to catch up. */
const MAX_BEHIND_MS = 1_000;

export interface SimulatorSourceOptions {
  readonly seed: number;
  /** events per second of wall-clock time */
  readonly ratePerSec: number;
  /** sim time of the first listing; default now, rounded down to the minute */
  readonly startMs?: number;
  readonly concurrentMarkets?: number;
  readonly resumeFrom?: SimulatorCursor;
  /** for tests */
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

/**
 * The seeded simulator as an endless live feed: markets keep being listed as others resolve, and events leave
 * at `ratePerSec` (the benchmark drives the floor at a set rate with it). Sim time is decoupled from the wall
 * clock: each event carries its own sim timestamp, a minute or so apart per market.
 */
export class SimulatorSource implements MarketSource {
  readonly name: string;
  private position: SimulatorCursor;

  constructor(private readonly opts: SimulatorSourceOptions) {
    if (!(opts.ratePerSec > 0)) throw new RangeError('ratePerSec must be positive');
    this.name = `simulator:seed=${opts.seed}`;
    const now = opts.now ?? Date.now;
    this.position = opts.resumeFrom ?? { index: 0, startMs: opts.startMs ?? Math.floor(now() / 60_000) * 60_000 };
  }

  cursor(): SimulatorCursor {
    return { ...this.position };
  }

  resume(cursor: unknown): boolean {
    const parsed = SimulatorCursor.safeParse(cursor);
    if (parsed.success) this.position = parsed.data;
    return parsed.success;
  }

  async *events(signal?: AbortSignal): AsyncGenerator<MarketEvent> {
    const now = this.opts.now ?? Date.now;
    const sleep = this.opts.sleep ?? realSleep;
    const { startMs, index: skip } = this.position;
    const intervalMs = 1_000 / this.opts.ratePerSec;
    // the feed is a pure function of (seed, startMs): regenerating the delivered prefix is how it resumes
    const feed = simulateLive({ seed: this.opts.seed, startMs, ...(this.opts.concurrentMarkets ? { concurrentMarkets: this.opts.concurrentMarkets } : {}) });
    let index = 0;
    let scheduleStart = now();
    let sent = 0;
    for (const event of feed) {
      if (index < skip) {
        index += 1;
        continue;
      }
      if (signal?.aborted) return;
      const dueMs = scheduleStart + sent * intervalMs;
      const waitMs = dueMs - now();
      if (waitMs >= 1) {
        if (!(await sleep(waitMs, signal))) return;
      } else if (waitMs < -MAX_BEHIND_MS) {
        scheduleStart = now();
        sent = 0;
      }
      sent += 1;
      index += 1;
      this.position = { startMs, index };
      yield event;
    }
  }
}
