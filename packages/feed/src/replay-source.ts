import { z } from 'zod';
import { deterministicId, type MarketEvent } from '@floor/domain';
import { readDataset, type OpenedDataset } from '@floor/sim';
import { sleep as realSleep, type Sleep } from './pacing.js';
import type { MarketSource } from './source.js';

/** Position in a looping replay: `index` events of round `round` have been delivered. */
export const ReplayCursor = z.object({ round: z.number().int().nonnegative(), index: z.number().int().nonnegative() });
export type ReplayCursor = z.infer<typeof ReplayCursor>;

/** Pause between the last event of a round and the first of the next, in dataset time. */
const ROUND_GAP_MS = 60_000;

export interface ReplaySourceOptions {
  /** the dataset file to open */
  readonly path: string;
  /** how the dataset is named in the source name and logs (the configured relative path); default `path` */
  readonly label?: string;
  /** 1 = recorded pace, 10 = ten times faster */
  readonly speed: number;
  /** longest pause between two events after the speed-up, so quiet nights in a recording do not stall the floor */
  readonly maxGapMs: number;
  /** play the dataset again, round after round, with fresh market ids, when it ends */
  readonly loop: boolean;
  readonly resumeFrom?: ReplayCursor;
  /** for tests */
  readonly sleep?: Sleep;
}

/**
 * Plays a dataset file at a chosen speed. A resolved market cannot reopen, so each round after the first is the
 * same data with new identities: market and token ids get a `-r<round>` suffix, event ids are re-derived from
 * the round, and timestamps move past the end of the previous round. Events leave with `source: 'replay'`.
 */
export class ReplaySource implements MarketSource {
  readonly name: string;
  private position: ReplayCursor;
  private dataset: OpenedDataset | undefined;
  private roundShift = 0;

  constructor(private readonly opts: ReplaySourceOptions) {
    if (!(opts.speed > 0)) throw new RangeError('replay speed must be positive');
    this.name = `replay:${opts.label ?? opts.path}`;
    this.position = opts.resumeFrom ?? { round: 0, index: 0 };
  }

  /**
   * Opens the dataset and reads it through once, so a missing, truncated or invalid file fails at boot with a
   * DatasetError naming the file (and line) rather than hours into a replay. The pass also measures the
   * dataset's time span, which looping needs. Linear in the file, well under a second for the demo dataset.
   */
  async open(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<OpenedDataset> {
    if (this.dataset) return this.dataset;
    const dataset = await readDataset(this.opts.path);
    let first: number | undefined;
    let last = 0;
    for await (const e of dataset.events) {
      first ??= e.tsEventMs;
      last = e.tsEventMs;
    }
    this.dataset = dataset;
    this.roundShift = last - (first ?? 0) + ROUND_GAP_MS;
    return dataset;
  }

  cursor(): ReplayCursor {
    return { ...this.position };
  }

  resume(cursor: unknown): boolean {
    const parsed = ReplayCursor.safeParse(cursor);
    if (!parsed.success || (!this.opts.loop && parsed.data.round > 0)) return false;
    this.position = parsed.data;
    return true;
  }

  async *events(signal?: AbortSignal): AsyncGenerator<MarketEvent> {
    const dataset = await this.load();
    const sleep = this.opts.sleep ?? realSleep;
    let { round, index: skip } = this.position;
    for (;;) {
      // each round moves the clock past the previous one: the dataset's span plus a gap
      const shiftMs = round * this.roundShift;
      let index = 0;
      let previousTs: number | undefined;
      for await (const recorded of dataset.events) {
        if (signal?.aborted) return;
        if (index < skip) {
          index += 1; // delivered before the restart
          continue;
        }
        if (previousTs !== undefined) {
          const pauseMs = Math.min((recorded.tsEventMs - previousTs) / this.opts.speed, this.opts.maxGapMs);
          // sub-millisecond pauses are not worth a timer; at high speed they would cap the rate instead
          if (pauseMs >= 1 && !(await sleep(pauseMs, signal))) return;
        }
        previousTs = recorded.tsEventMs;
        index += 1;
        this.position = { round, index };
        yield relabelForRound(recorded, round, shiftMs);
      }
      if (!this.opts.loop) return;
      if (!(await sleep(Math.min(ROUND_GAP_MS / this.opts.speed, this.opts.maxGapMs), signal))) return;
      round += 1;
      skip = 0;
      this.position = { round, index: 0 };
    }
  }
}

/** A recorded event as round `round` of a looping replay delivers it (round 0 keeps the recorded identities). */
export function relabelForRound(event: MarketEvent, round: number, shiftMs: number): MarketEvent {
  if (round === 0) return { ...event, source: 'replay' };
  const suffix = `-r${round}`;
  const common = {
    eventId: deterministicId('event', event.eventId, 'round', round),
    marketId: `${event.marketId}${suffix}`,
    tsEventMs: event.tsEventMs + shiftMs,
    tsPublishedMs: event.tsPublishedMs + shiftMs,
    source: 'replay' as const,
  };
  switch (event.type) {
    case 'book':
    case 'trade':
      return { ...event, ...common, tokenId: `${event.tokenId}${suffix}` };
    case 'resolved':
      return { ...event, ...common, winningTokenId: `${event.winningTokenId}${suffix}` };
    case 'listed':
      return {
        ...event,
        ...common,
        market: {
          ...event.market,
          marketId: common.marketId,
          slug: event.market.slug ? `${event.market.slug}${suffix}` : '',
          endDateMs: event.market.endDateMs + shiftMs,
          tokens: event.market.tokens.map((t) => ({ ...t, tokenId: `${t.tokenId}${suffix}` })),
        },
      };
  }
}
