import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '@floor/domain';
import { meanReversion, MeanReversionParams, windowStats, type MeanReversionState } from './mean-reversion.js';
import {
  bookEvent,
  DAY_MS,
  FakeWorld,
  feed,
  HOUR_MS,
  intentsOf,
  lastState,
  MARKET_ID,
  marketInfo,
  NO,
  pairBookEvents,
  resolvedEvent,
  T0_MS,
  YES,
} from './test-support.js';

/** Small window, every fresh book sampled, no cooldown: the thresholds are easy to compute by hand. */
const PARAMS = MeanReversionParams.parse({ windowSize: 5, sampleIntervalMs: 0, minStdMicros: 1_000, cooldownMs: 0 });

/**
 * Warm-up mids 0.50, 0.51, 0.49, 0.50, 0.50: mean 0.50, σ = √(2·0.01²/5) ≈ 0.006325, so 2σ ≈ 0.012649.
 * Entries fire above 0.512649 (buy NO) and below 0.487351 (buy YES).
 */
const WARMUP_MIDS = [500_000n, 510_000n, 490_000n, 500_000n, 500_000n];

let clockMs = T0_MS;
function at(stepMs = 1_000): number {
  clockMs += stepMs;
  return clockMs;
}

/** YES and NO books at the same instant, NO mid = 1 − YES mid (2¢ spreads). */
function books(yesMid: bigint, spec: { staleYes?: boolean; staleNo?: boolean } = {}): MarketEvent[] {
  const ts = at();
  return [
    bookEvent({ tokenId: NO, tsMs: ts, midMicros: 1_000_000n - yesMid, stale: spec.staleNo ?? false }),
    bookEvent({ tokenId: YES, tsMs: ts, midMicros: yesMid, stale: spec.staleYes ?? false }),
  ];
}

function warmedUp(world = new FakeWorld(), params = PARAMS): MeanReversionState {
  clockMs = T0_MS;
  return lastState(feed(meanReversion, params, world, WARMUP_MIDS.flatMap((m) => books(m))));
}

function run(world: FakeWorld, events: MarketEvent[], params = PARAMS) {
  const initial = warmedUp(world, params);
  return intentsOf(feed(meanReversion, params, world, events, initial));
}

describe('windowStats', () => {
  it('is undefined until the window is full, then the population mean and σ', () => {
    expect(windowStats([1, 2, 3], 4)).toBeUndefined();
    const stats = windowStats(WARMUP_MIDS.map(Number), 5);
    expect(stats?.meanMicros).toBe(500_000);
    expect(stats?.stdMicros).toBeCloseTo(6_324.56, 1);
  });
});

describe('mean-reversion entries', () => {
  it('buys NO at its best ask when the YES mid is more than k·σ above the mean', () => {
    const world = new FakeWorld();
    clockMs = T0_MS;
    expect(run(world, books(520_000n))).toEqual([
      {
        marketId: MARKET_ID,
        tokenId: NO,
        side: 'BUY',
        limitPriceMicros: 490_000n, // NO mid 0.48 + 1¢
        sizeMicros: 51_020_000n, // $25 / 0.49 = 51.0204, floored to 0.01 share
        orderType: 'FAK',
        reason: 'yes_rich z=3.16',
      },
    ]);
  });

  it('buys YES when the YES mid is more than k·σ below the mean', () => {
    const intents = run(new FakeWorld(), books(480_000n));
    expect(intents.map((i) => [i.tokenId, i.side, i.limitPriceMicros, i.reason])).toEqual([[YES, 'BUY', 490_000n, 'yes_cheap z=-3.16']]);
  });

  it('does not trade just inside the band', () => {
    expect(run(new FakeWorld(), books(512_649n))).toEqual([]); // z = 1.99999
    expect(run(new FakeWorld(), books(512_650n))).toHaveLength(1); // z = 2.00001
  });

  it('does not trade while the window is still filling', () => {
    clockMs = T0_MS;
    const steps = feed(meanReversion, PARAMS, new FakeWorld(), [...books(500_000n), ...books(510_000n), ...books(900_000n)]);
    expect(intentsOf(steps)).toEqual([]);
  });

  it('does not trade a flat market where one tick is many σ', () => {
    const flat = MeanReversionParams.parse({ ...PARAMS, minStdMicros: 20_000 });
    expect(run(new FakeWorld(), books(520_000n), flat)).toEqual([]);
  });

  it('does not trade with an intent pending on either token', () => {
    for (const token of [YES, NO]) {
      const world = new FakeWorld();
      world.pending.add(token);
      expect(run(world, books(520_000n))).toEqual([]);
    }
  });

  it('does not add to an open position', () => {
    const world = new FakeWorld().hold(NO, { sizeMicros: 50_000_000n, costMicros: 24_500_000n, openedAtMs: T0_MS });
    expect(run(world, books(520_000n))).toEqual([]);
  });

  it('neither trades on nor samples a stale YES book', () => {
    const world = new FakeWorld();
    const before = warmedUp(world);
    const steps = feed(meanReversion, PARAMS, world, books(520_000n, { staleYes: true }), before);
    expect(intentsOf(steps)).toEqual([]);
    expect(lastState(steps).markets[MARKET_ID]?.mids).toEqual(before.markets[MARKET_ID]?.mids);
  });

  it('does not buy NO off a stale NO book', () => {
    expect(run(new FakeWorld(), books(520_000n, { staleNo: true }))).toEqual([]);
  });

  it('does not trade without cash', () => {
    const world = new FakeWorld();
    world.cashMicros = 0n;
    expect(run(world, books(520_000n))).toEqual([]);
  });

  it('sizes down to the cash it has', () => {
    const world = new FakeWorld();
    world.cashMicros = 4_900_000n;
    expect(run(world, books(520_000n)).map((i) => i.sizeMicros)).toEqual([10_000_000n]);
  });

  it('does not open inside exitBeforeResolutionMs of the end date', () => {
    // the entry book arrives at T0 + 6 s; the default window is the last hour before the end date
    const entryMs = T0_MS + 6_000;
    expect(run(new FakeWorld([marketInfo({ endDateMs: entryMs + HOUR_MS })]), books(520_000n))).toEqual([]);
    expect(run(new FakeWorld([marketInfo({ endDateMs: entryMs + HOUR_MS + 1 })]), books(520_000n))).toHaveLength(1);
  });

  it('stops trading a market once it resolved', () => {
    const world = new FakeWorld();
    const intents = run(world, [resolvedEvent(at()), ...books(520_000n)]);
    expect(intents).toEqual([]);
  });

  it('spaces samples by sampleIntervalMs', () => {
    clockMs = T0_MS;
    const params = MeanReversionParams.parse({ ...PARAMS, sampleIntervalMs: 1_500 });
    const steps = feed(meanReversion, params, new FakeWorld(), [500_000n, 510_000n, 520_000n].flatMap((m) => books(m)));
    expect(lastState(steps).markets[MARKET_ID]?.mids).toEqual([500_000, 520_000]); // the book 1 s later was skipped
  });
});

describe('mean-reversion exits', () => {
  const holdingYes = () => new FakeWorld().hold(YES, { sizeMicros: 50_000_000n, costMicros: 24_000_000n, openedAtMs: T0_MS });
  const holdingNo = () => new FakeWorld().hold(NO, { sizeMicros: 50_000_000n, costMicros: 24_000_000n, openedAtMs: T0_MS });

  it('sells YES at its bid once the YES mid is back at the mean', () => {
    expect(run(holdingYes(), books(500_000n))).toEqual([
      expect.objectContaining({ tokenId: YES, side: 'SELL', limitPriceMicros: 490_000n, sizeMicros: 50_000_000n, reason: 'reverted_to_mean' }),
    ]);
  });

  it('keeps YES while the mid is still below the mean', () => {
    expect(run(holdingYes(), books(499_000n))).toEqual([]);
  });

  it('sells NO once the YES mid is back down at the mean', () => {
    expect(run(holdingNo(), books(500_000n)).map((i) => [i.tokenId, i.side, i.reason])).toEqual([[NO, 'SELL', 'reverted_to_mean']]);
    expect(run(holdingNo(), books(501_000n))).toEqual([]);
  });

  it('stops out through the shared exit rules (−15% by default)', () => {
    // 50 YES for $24: stop at a mark of $20.40, a YES mid of 0.408
    expect(run(holdingYes(), books(408_000n)).map((i) => i.reason)).toEqual(['stop_loss']);
    expect(run(holdingYes(), books(409_000n)).map((i) => i.reason)).toEqual([]);
  });

  it('closes after maxHoldMs', () => {
    // the book after warm-up arrives at T0 + 6 s: a position opened a day before that is due
    const due = new FakeWorld().hold(YES, { sizeMicros: 50_000_000n, costMicros: 24_000_000n, openedAtMs: T0_MS + 6_000 - DAY_MS });
    expect(run(due, books(499_000n)).map((i) => i.reason)).toEqual(['max_hold']);
    const notYet = new FakeWorld().hold(YES, { sizeMicros: 50_000_000n, costMicros: 24_000_000n, openedAtMs: T0_MS + 6_001 - DAY_MS });
    expect(run(notYet, books(499_000n))).toEqual([]);
  });

  it('waits out the cooldown after an exit before entering again', () => {
    const params = MeanReversionParams.parse({ ...PARAMS, cooldownMs: 60_000 });
    const world = holdingYes();
    const initial = warmedUp(world, params);
    const exit = feed(meanReversion, params, world, books(408_000n), initial);
    expect(intentsOf(exit).map((i) => i.reason)).toEqual(['stop_loss']);

    world.positions.delete(YES); // the stop filled
    world.pending.clear();
    const again = feed(meanReversion, params, world, books(400_000n), lastState(exit));
    expect(intentsOf(again)).toEqual([]);

    clockMs += 60_000;
    const later = feed(meanReversion, params, world, books(300_000n), lastState(again));
    expect(intentsOf(later).map((i) => [i.tokenId, i.side])).toEqual([[YES, 'BUY']]);
  });
});

describe('MeanReversionParams', () => {
  it('fills every default and rejects unknown fields', () => {
    expect(MeanReversionParams.parse({})).toMatchObject({ windowSize: 30, entryStdDevs: 2, stakeUsd: 25, stopLossBps: 1_500 });
    expect(MeanReversionParams.safeParse({ windowSizes: 3 }).success).toBe(false);
    expect(MeanReversionParams.safeParse({ entryStdDevs: 0.1 }).success).toBe(false);
  });
});

// keep pairBookEvents in the public test kit honest
it('pairBookEvents mirrors the YES mid on NO', () => {
  const [yes, no] = pairBookEvents(T0_MS, 300_000n);
  expect([yes.asks[0]?.priceMicros, no.asks[0]?.priceMicros]).toEqual([310_000n, 710_000n]);
});
