import { deterministicId, MICROS_PER_UNIT, type BookLevel, type MarketEvent, type MarketInfo, type Side } from '@floor/domain';
import { buildBooks, TICKS_PER_UNIT, touchFor, type DepthShape, type TokenBooks, type Touch } from './books.js';
import type { Random } from './random.js';

const DAY_MS = 86_400_000;
/** Latent prices stay within [1%, 99%]: the 0.01 grid needs a tick of room on both sides of the touch. */
const LOGIT_LIMIT = 4.59;

/** How one simulated market behaves. Rates are per sim-day or per sim-minute so they do not depend on stepMs. */
export interface MarketModel {
  /** probability of YES at listing */
  readonly initialProbability: number;
  /** expected change of logit(p) per day: the edge a strategy that "sees the drift" can exploit */
  readonly driftPerDay: number;
  /** standard deviation of logit(p) over one day, before the run-up to resolution */
  readonly volatilityPerSqrtDay: number;
  /** news shocks: expected count per day and their size in logit units */
  readonly jumpsPerDay: number;
  readonly jumpSd: number;
  /** background trade arrival rate (Poisson) */
  readonly tradesPerMinute: number;
  /** volume bursts: expected count per day, how long they last and how much busier the tape gets */
  readonly burstsPerDay: number;
  readonly burstSteps: readonly [min: number, max: number];
  readonly burstMultiplier: readonly [min: number, max: number];
  /** share of the market's life after which the outcome is known and the price converges to it */
  readonly revealFraction: number;
  /** a fresh book is sent at least this often even when the touch has not moved */
  readonly bookRefreshSteps: number;
  readonly depth: DepthShape;
}

export interface MarketTimeline {
  readonly startMs: number;
  readonly stepMs: number;
  readonly steps: number;
}

/** A market model drawn from `rng`, with `driftPerDay` forced when given. */
export function drawMarketModel(rng: Random, driftPerDay?: number): MarketModel {
  return {
    initialProbability: rng.uniform(0.15, 0.85),
    driftPerDay: driftPerDay ?? rng.normal(0, 0.3),
    volatilityPerSqrtDay: rng.uniform(0.15, 0.4),
    jumpsPerDay: rng.uniform(0.2, 0.8),
    jumpSd: rng.uniform(0.4, 1.0),
    tradesPerMinute: rng.uniform(0.1, 0.35),
    burstsPerDay: rng.uniform(0.5, 1.5),
    burstSteps: [10, 40],
    burstMultiplier: [6, 12],
    revealFraction: rng.uniform(0.85, 0.95),
    bookRefreshSteps: 60,
    depth: { touchShares: rng.uniform(40, 300), growthPerLevel: rng.uniform(0.3, 0.8), minLevels: 5, maxLevels: 10 },
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * One market's life as events: `listed`, then books and trades step by step, then `resolved` at the end date.
 *
 * The latent probability follows a random walk in logit space with drift, volatility and occasional jumps. At
 * `revealFraction` of its life the outcome becomes known (the game is played, the votes are counted): it is
 * drawn as YES with the latent probability of that moment, so a price of 0.9 still loses one time in ten, and
 * from then on the price converges to 0.99 or 0.01 the way real markets do before they resolve at 1 or 0.
 *
 * Books are re-sent when the touch moves and every `bookRefreshSteps` otherwise; trades hit the current touch
 * of either token, their direction leaning towards the latent probability (informed flow).
 */
export function* simulateMarket(market: MarketInfo, model: MarketModel, timeline: MarketTimeline, rng: Random): Generator<MarketEvent> {
  const [yesToken, noToken] = market.tokens;
  if (!yesToken || !noToken) throw new RangeError(`market ${market.marketId} needs two tokens`);
  const { startMs, stepMs, steps } = timeline;
  const stepDays = stepMs / DAY_MS;
  let seq = 0;
  const base = (tsEventMs: number) => ({
    v: 1 as const,
    eventId: deterministicId('event', market.marketId, seq++),
    marketId: market.marketId,
    tsEventMs,
    // nothing has published it yet; the collector stamps the real publish time
    tsPublishedMs: tsEventMs,
    source: 'simulator' as const,
  });

  yield { ...base(startMs), type: 'listed', market };

  let x = logit(clamp(model.initialProbability, 0.02, 0.98));
  let spreadTicks = rng.int(1, 3);
  let touch: Touch | undefined;
  let books: TokenBooks | undefined;
  let stepsSinceBook = 0;
  let burstLeft = 0;
  let burstMultiplier = 1;
  const revealStep = Math.floor(steps * model.revealFraction);
  let yesWins: boolean | undefined;

  for (let step = 0; step < steps; step += 1) {
    const t = startMs + step * stepMs;
    if (step > 0) {
      if (step === revealStep) {
        yesWins = rng.chance(sigmoid(x));
        if (burstLeft === 0) [burstLeft, burstMultiplier] = startBurst(model, rng); // the result is in: everyone trades
      }
      let dx = model.driftPerDay * stepDays + model.volatilityPerSqrtDay * Math.sqrt(stepDays) * rng.normal();
      if (yesWins !== undefined) {
        // after the reveal, close a share of the distance to the outcome each step so the price arrives on time
        const target = yesWins ? LOGIT_LIMIT : -LOGIT_LIMIT;
        dx += (target - x) / Math.max(1, steps - step - 1);
      } else if (rng.chance(model.jumpsPerDay * stepDays)) {
        dx += rng.normal(0, model.jumpSd);
        // news moves the price and brings traders with it
        if (burstLeft === 0 && rng.chance(0.7)) [burstLeft, burstMultiplier] = startBurst(model, rng);
      }
      x = clamp(x + dx, -LOGIT_LIMIT, LOGIT_LIMIT);
    }
    const p = sigmoid(x);

    const respread = rng.chance(0.05); // spreads are sticky: makers do not re-price every minute
    if (respread) spreadTicks = rng.int(1, 3);
    // makers re-quote when the fair price leaves their quotes, not on every sub-tick wiggle
    const fairTicks = p * TICKS_PER_UNIT;
    let touchMoved = false;
    if (!touch || respread || fairTicks < touch.bidTick || fairTicks > touch.askTick) {
      touch = touchFor(p, spreadTicks);
      touchMoved = true;
    }
    if (!books || touchMoved || stepsSinceBook >= model.bookRefreshSteps) {
      books = buildBooks(touch, model.depth, rng);
      stepsSinceBook = 0;
      yield { ...base(t), type: 'book', tokenId: yesToken.tokenId, bids: books.yes.bids, asks: books.yes.asks, stale: false };
      yield { ...base(t), type: 'book', tokenId: noToken.tokenId, bids: books.no.bids, asks: books.no.asks, stale: false };
    } else {
      stepsSinceBook += 1;
    }

    if (burstLeft === 0 && rng.chance(model.burstsPerDay * stepDays)) [burstLeft, burstMultiplier] = startBurst(model, rng);
    const inBurst = burstLeft > 0;
    const count = rng.poisson(model.tradesPerMinute * (stepMs / 60_000) * (inBurst ? burstMultiplier : 1));
    const offsets = Array.from({ length: count }, () => rng.int(1, Math.max(1, stepMs - 1))).sort((a, b) => a - b);
    const mid = (touch.bidTick + touch.askTick) / 2 / TICKS_PER_UNIT;
    const buyYesProbability = clamp(0.5 + (p - mid) * 15, 0.2, 0.8);
    for (const offset of offsets) {
      const buyYes = rng.chance(buyYesProbability);
      const onYes = rng.chance(0.6);
      // buying YES and selling NO are the same bet; the NO book is the mirror of the YES book
      const side: Side = buyYes === onYes ? 'BUY' : 'SELL';
      const levels = tokenSide(books, onYes, side);
      const touchLevel = levels[0];
      if (!touchLevel) continue;
      const wantedShares = Math.max(5, Math.round(rng.logNormal(inBurst ? 60 : 25, 0.9)));
      const sizeMicros = BigInt(wantedShares) * MICROS_PER_UNIT;
      yield {
        ...base(t + offset),
        type: 'trade',
        tokenId: onYes ? yesToken.tokenId : noToken.tokenId,
        priceMicros: touchLevel.priceMicros,
        sizeMicros: sizeMicros < touchLevel.sizeMicros ? sizeMicros : touchLevel.sizeMicros,
        side,
      };
    }
    if (burstLeft > 0) burstLeft -= 1;
  }

  yesWins ??= rng.chance(sigmoid(x));
  yield { ...base(startMs + steps * stepMs), type: 'resolved', winningTokenId: yesWins ? yesToken.tokenId : noToken.tokenId };
}

function startBurst(model: MarketModel, rng: Random): [steps: number, multiplier: number] {
  return [rng.int(model.burstSteps[0], model.burstSteps[1]), rng.uniform(model.burstMultiplier[0], model.burstMultiplier[1])];
}

/** The resting orders an aggressor on `side` takes: a buyer lifts the asks, a seller hits the bids. */
function tokenSide(books: TokenBooks, onYes: boolean, side: Side): readonly BookLevel[] {
  const book = onYes ? books.yes : books.no;
  return side === 'BUY' ? book.asks : book.bids;
}

/** The resolution time of a market with this timeline (also its `endDateMs`). */
export function endOf(timeline: MarketTimeline): number {
  return timeline.startMs + timeline.steps * timeline.stepMs;
}
