import type { MarketEvent, MarketInfo } from '@floor/domain';
import { drawMarketModel, Random, SIM_CATEGORIES, simMarketInfo, simulateMarket, type MarketModel } from '@floor/sim';

/**
 * A long daily price history of many simulated markets, for benchmarks and long backtests: the simulator's market
 * model stepped once per sim-day, with the tape thinned to a few prints a day (a daily history, not a tick
 * recording). Markets are listed `staggerMs` apart and live a seeded 30–180 days, so at any time a few hundred are
 * open. Deterministic in the options.
 *
 * `simulateMarkets` merges its lanes with a linear scan, which is right for the tens of markets of a live feed; a
 * thousand lanes need the heap merge below.
 */
export interface DailyHistoryOptions {
  readonly seed: number;
  readonly markets: number;
  readonly startMs: number;
  /** listing interval between consecutive markets; default 8 hours */
  readonly staggerMs?: number;
  readonly minDays?: number;
  readonly maxDays?: number;
}

const DAY_MS = 86_400_000;

export function dailyHistory(opts: DailyHistoryOptions): { markets: MarketInfo[]; events: Iterable<MarketEvent> } {
  const categories = Random.derive(opts.seed, 'categories').shuffle(SIM_CATEGORIES);
  const plans = Array.from({ length: opts.markets }, (_, index) => {
    const rng = Random.derive(opts.seed, `market:${index}`);
    const steps = rng.int(opts.minDays ?? 30, opts.maxDays ?? 180);
    const timeline = { startMs: opts.startMs + index * (opts.staggerMs ?? 8 * 3_600_000), stepMs: DAY_MS, steps };
    const info = simMarketInfo({ seed: opts.seed, index, category: categories[index % categories.length] ?? 'other', endDateMs: timeline.startMs + steps * DAY_MS, rng });
    const drawn = drawMarketModel(rng);
    // rates are per sim-minute; a day-long step would print hundreds of trades. Keep two or three a day.
    const model: MarketModel = { ...drawn, tradesPerMinute: drawn.tradesPerMinute / 120, burstsPerDay: 0.05, burstSteps: [1, 2], bookRefreshSteps: 1 };
    return { info, model, timeline, index };
  });
  return {
    markets: plans.map((p) => p.info),
    events: {
      [Symbol.iterator]: () => mergeByTime(plans.map((p) => simulateMarket(p.info, p.model, p.timeline, Random.derive(opts.seed, `events:${p.index}`)))),
    },
  };
}

/** k-way merge of time-ordered streams with a binary heap; ties break on the stream index, so it is deterministic. */
export function* mergeByTime(streams: ReadonlyArray<Iterator<MarketEvent>>): Generator<MarketEvent> {
  type Head = { readonly lane: number; readonly event: MarketEvent };
  const heap: Head[] = [];
  const before = (a: Head, b: Head) => a.event.tsEventMs < b.event.tsEventMs || (a.event.tsEventMs === b.event.tsEventMs && a.lane < b.lane);
  const push = (h: Head) => {
    heap.push(h);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Head, heap[parent] as Head)) break;
      [heap[i], heap[parent]] = [heap[parent] as Head, heap[i] as Head];
      i = parent;
    }
  };
  const pop = (): Head => {
    const top = heap[0] as Head;
    const last = heap.pop() as Head;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Head, heap[m] as Head)) m = l;
        if (r < heap.length && before(heap[r] as Head, heap[m] as Head)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Head, heap[i] as Head];
        i = m;
      }
    }
    return top;
  };
  streams.forEach((s, lane) => {
    const first = s.next();
    if (!first.done) push({ lane, event: first.value });
  });
  while (heap.length > 0) {
    const { lane, event } = pop();
    yield event;
    const next = (streams[lane] as Iterator<MarketEvent>).next();
    if (!next.done) push({ lane, event: next.value });
  }
}
