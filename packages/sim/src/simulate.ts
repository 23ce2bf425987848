import type { MarketEvent, MarketInfo } from '@floor/domain';
import { SIM_CATEGORIES, simMarketInfo } from './market-catalog.js';
import { drawMarketModel, endOf, simulateMarket, type MarketModel, type MarketTimeline } from './market-model.js';
import { Random } from './random.js';

export interface SimulateMarketsOptions {
  readonly seed: number;
  /** how many markets */
  readonly markets: number;
  /** listing time of the first market, epoch ms */
  readonly startMs: number;
  /** sim time between two model steps (one book check and a batch of trades) */
  readonly stepMs: number;
  /** lifetime of each market, in steps; it resolves at listing + steps × stepMs */
  readonly steps: number;
  /** market i is listed at startMs + i × staggerMs, so listings and resolutions spread out; default 0 */
  readonly staggerMs?: number;
  /** forces market i's logit drift per day (e.g. to test that an agent who sees the drift has an edge) */
  readonly driftFor?: (index: number) => number;
}

export interface SimulatedMarkets {
  readonly markets: readonly MarketInfo[];
  /** the model each market was drawn with, same order as `markets` */
  readonly models: readonly MarketModel[];
  /** all markets' events merged in time order; every iteration yields the same sequence again */
  readonly events: Iterable<MarketEvent>;
}

/** One planned market: what it is, how it behaves, when it lives. Everything derives from (seed, index). */
interface PlannedMarket {
  readonly index: number;
  readonly info: MarketInfo;
  readonly model: MarketModel;
  readonly timeline: MarketTimeline;
}

function planMarket(seed: number, index: number, timeline: MarketTimeline, driftPerDay?: number): PlannedMarket {
  const categories = Random.derive(seed, 'categories').shuffle(SIM_CATEGORIES);
  const rng = Random.derive(seed, `market:${index}`);
  const category = categories[index % categories.length] ?? 'other';
  const info = simMarketInfo({ seed, index, category, endDateMs: endOf(timeline), rng });
  return { index, info, model: drawMarketModel(rng, driftPerDay), timeline };
}

function eventsOf(seed: number, plan: PlannedMarket): Iterator<MarketEvent> {
  // a stream of its own per market, so one market's events do not depend on how many others there are
  return simulateMarket(plan.info, plan.model, plan.timeline, Random.derive(seed, `events:${plan.index}`));
}

/**
 * A finite, deterministic set of binary markets: same options, same markets and events, down to the ids.
 * Categories cycle through a seeded shuffle of SIM_CATEGORIES, so a handful of markets already mixes them.
 */
export function simulateMarkets(opts: SimulateMarketsOptions): SimulatedMarkets {
  if (!Number.isInteger(opts.markets) || opts.markets < 1) throw new RangeError('markets must be a positive integer');
  if (!Number.isInteger(opts.steps) || opts.steps < 1) throw new RangeError('steps must be a positive integer');
  if (!(opts.stepMs >= 2)) throw new RangeError('stepMs must be at least 2');
  const plans = Array.from({ length: opts.markets }, (_, index) =>
    planMarket(
      opts.seed,
      index,
      { startMs: opts.startMs + index * (opts.staggerMs ?? 0), stepMs: opts.stepMs, steps: opts.steps },
      opts.driftFor?.(index),
    ),
  );
  return {
    markets: plans.map((p) => p.info),
    models: plans.map((p) => p.model),
    events: {
      [Symbol.iterator]: () => mergeByTime(plans.map((p) => ({ key: p.index, events: eventsOf(opts.seed, p) }))),
    },
  };
}

export interface SimulateLiveOptions {
  readonly seed: number;
  readonly startMs: number;
  /** default one sim-minute */
  readonly stepMs?: number;
  /** markets open at any time: when one resolves, the next is listed */
  readonly concurrentMarkets?: number;
  /** each market lives a seeded number of steps in [min, max] */
  readonly minSteps?: number;
  readonly maxSteps?: number;
}

/**
 * An endless, deterministic market feed: `concurrentMarkets` markets run side by side and each one that
 * resolves is replaced by a newly listed market, so the floor always has something to trade.
 */
export function simulateLive(opts: SimulateLiveOptions): Generator<MarketEvent, never> {
  const stepMs = opts.stepMs ?? 60_000;
  const concurrent = opts.concurrentMarkets ?? 6;
  const minSteps = opts.minSteps ?? 120;
  const maxSteps = Math.max(minSteps, opts.maxSteps ?? 720);
  const plan = (index: number, startMs: number) =>
    planMarket(opts.seed, index, { startMs, stepMs, steps: Random.derive(opts.seed, `life:${index}`).int(minSteps, maxSteps) });
  let nextIndex = 0;
  const lane = (startMs: number): Lane => {
    const p = plan(nextIndex, startMs);
    nextIndex += 1;
    return { key: p.index, events: eventsOf(opts.seed, p) };
  };
  const initial = Array.from({ length: concurrent }, () => lane(opts.startMs));
  // a market ends with its resolution, so the replacement is listed one step after it
  return mergeByTime(initial, (last) => lane(last.tsEventMs + stepMs)) as Generator<MarketEvent, never>;
}

interface Lane {
  readonly key: number;
  readonly events: Iterator<MarketEvent>;
}

/**
 * Merges per-market event streams into one time-ordered stream. Ties break on the lane key (market index),
 * and a lane's own order is kept, so the merge is deterministic. `replace` may start a new lane when one ends.
 * A linear scan is enough: a feed has tens of open markets, not thousands.
 */
function* mergeByTime(initial: readonly Lane[], replace?: (lastEvent: MarketEvent) => Lane | undefined): Generator<MarketEvent> {
  const heads: Array<{ lane: Lane; head: MarketEvent }> = [];
  const add = (lane: Lane) => {
    const first = lane.events.next();
    if (!first.done) heads.push({ lane, head: first.value });
  };
  initial.forEach(add);
  while (heads.length > 0) {
    let best = 0;
    for (let i = 1; i < heads.length; i += 1) {
      const a = heads[i] as (typeof heads)[number];
      const b = heads[best] as (typeof heads)[number];
      if (a.head.tsEventMs < b.head.tsEventMs || (a.head.tsEventMs === b.head.tsEventMs && a.lane.key < b.lane.key)) best = i;
    }
    const current = heads[best] as (typeof heads)[number];
    const event = current.head;
    yield event;
    const next = current.lane.events.next();
    if (!next.done) {
      current.head = next.value;
    } else {
      heads.splice(best, 1);
      const successor = replace?.(event);
      if (successor) add(successor);
    }
  }
}
