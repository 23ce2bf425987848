import { describe, expect, it } from 'vitest';
import type { MarketEvent, Side } from '@floor/domain';
import { rollWindow, volumeSpike, VolumeSpikeParams, type VolumeSpikeMarket } from './volume-spike.js';
import {
  bookEvent,
  FakeWorld,
  feed,
  HOUR_MS,
  intentsOf,
  lastState,
  MARKET_ID,
  marketInfo,
  NO,
  resolvedEvent,
  T0_MS,
  tradeEvent,
  YES,
} from './test-support.js';

/** One-minute windows; baseline EWMA with α = 0.4; trusted after 3 windows; a spike is 4× the baseline. */
const PARAMS = VolumeSpikeParams.parse({
  windowMs: 60_000,
  baselineWindows: 4,
  warmupWindows: 3,
  spikeMultiple: 4,
  minWindowVolumeShares: 10,
  minAggressorShare: 0.7,
});

const SHARE = 1_000_000n;
const WINDOW_MS = 60_000;
/** trades start the first window at T0 + 1 s; window w spans [start + w·60 s, start + (w+1)·60 s) */
const START_MS = T0_MS + 1_000;
const inWindow = (w: number, offsetMs = 0) => START_MS + w * WINDOW_MS + offsetMs;

const trade = (tokenId: string, side: Side, shares: bigint, tsMs: number) => tradeEvent(tokenId, tsMs, side, shares * SHARE);

/** Books for both tokens at 0.50 (ask 0.51), then 10 shares of YES bought in each of windows 0–3: baseline 10. */
function quietMarket(): MarketEvent[] {
  return [
    bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros: 500_000n }),
    bookEvent({ tokenId: NO, tsMs: T0_MS, midMicros: 500_000n }),
    ...[0, 1, 2, 3].map((w) => trade(YES, 'BUY', 10n, inWindow(w))),
  ];
}

function run(world: FakeWorld, events: MarketEvent[], params = PARAMS) {
  return intentsOf(feed(volumeSpike, params, world, [...quietMarket(), ...events]));
}

describe('volume-spike entries', () => {
  it('buys YES at its ask when YES buying lifts the window to 4× the baseline', () => {
    expect(run(new FakeWorld(), [trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([
      {
        marketId: MARKET_ID,
        tokenId: YES,
        side: 'BUY',
        limitPriceMicros: 510_000n,
        sizeMicros: 49_010_000n, // $25 / 0.51 = 49.0196, floored to 0.01 share
        orderType: 'FAK',
        reason: 'volume_spike up x4.0',
      },
    ]);
  });

  it('does not trade just below the multiple', () => {
    expect(run(new FakeWorld(), [trade(YES, 'BUY', 29n, inWindow(3, 30_000))])).toEqual([]);
  });

  it('buys NO when the aggressors sell YES', () => {
    const intents = run(new FakeWorld(), [trade(YES, 'SELL', 30n, inWindow(3, 30_000))]); // 30 of 40 down
    expect(intents.map((i) => [i.tokenId, i.side, i.reason])).toEqual([[NO, 'BUY', 'volume_spike down x4.0']]);
  });

  it('buys NO when the aggressors buy NO', () => {
    const intents = run(new FakeWorld(), [trade(NO, 'BUY', 30n, inWindow(3, 30_000))]);
    expect(intents.map((i) => [i.tokenId, i.side])).toEqual([[NO, 'BUY']]);
  });

  it('does not trade a spike without a dominant side', () => {
    const mixed = [trade(YES, 'SELL', 20n, inWindow(3, 10_000)), trade(NO, 'SELL', 10n, inWindow(3, 20_000))]; // 20 up, 20 down
    expect(run(new FakeWorld(), mixed)).toEqual([]);
  });

  it('does not trust the baseline before warmupWindows have closed', () => {
    const events = [bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros: 500_000n }), trade(YES, 'BUY', 10n, inWindow(0)), trade(YES, 'BUY', 1_000n, inWindow(1))];
    expect(intentsOf(feed(volumeSpike, PARAMS, new FakeWorld(), events))).toEqual([]);
  });

  it('does not call a spike on less than minWindowVolumeShares', () => {
    const params = VolumeSpikeParams.parse({ ...PARAMS, minWindowVolumeShares: 41 });
    expect(run(new FakeWorld(), [trade(YES, 'BUY', 30n, inWindow(3, 30_000))], params)).toEqual([]);
  });

  it('enters once per window, and again in a later window', () => {
    const world = new FakeWorld();
    const first = feed(volumeSpike, PARAMS, world, [...quietMarket(), trade(YES, 'BUY', 30n, inWindow(3, 30_000))]);
    expect(intentsOf(first)).toHaveLength(1);
    world.pending.clear(); // the order came back unfilled

    const sameWindow = feed(volumeSpike, PARAMS, world, [trade(YES, 'BUY', 100n, inWindow(3, 40_000))], lastState(first));
    expect(intentsOf(sameWindow)).toEqual([]);

    // baseline after window 3 (140 shares): 0.4 × 140 + 0.6 × 10 = 62; a spike now needs 248
    const nextWindow = feed(volumeSpike, PARAMS, world, [trade(YES, 'BUY', 248n, inWindow(4))], lastState(sameWindow));
    expect(intentsOf(nextWindow).map((i) => i.reason)).toEqual(['volume_spike up x4.0']);
  });

  it('does not trade with an intent pending or a position open on either token', () => {
    for (const token of [YES, NO]) {
      const pending = new FakeWorld();
      pending.pending.add(token);
      expect(run(pending, [trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([]);
      const holding = new FakeWorld().hold(token, { sizeMicros: 10_000_000n, costMicros: 5_000_000n, openedAtMs: T0_MS });
      expect(run(holding, [trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([]);
    }
  });

  it('does not buy off a stale book', () => {
    const stale = bookEvent({ tokenId: YES, tsMs: inWindow(3, 20_000), midMicros: 500_000n, stale: true });
    expect(run(new FakeWorld(), [stale, trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([]);
    const recovered = bookEvent({ tokenId: YES, tsMs: inWindow(3, 25_000), midMicros: 500_000n });
    expect(run(new FakeWorld(), [stale, recovered, trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toHaveLength(1);
  });

  it('does not trade without cash', () => {
    const world = new FakeWorld();
    world.cashMicros = 0n;
    expect(run(world, [trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([]);
  });

  it('does not open inside exitBeforeResolutionMs of the end date', () => {
    const spikeMs = inWindow(3, 30_000);
    const spike = [trade(YES, 'BUY', 30n, spikeMs)];
    expect(run(new FakeWorld([marketInfo({ endDateMs: spikeMs + HOUR_MS })]), spike)).toEqual([]);
    expect(run(new FakeWorld([marketInfo({ endDateMs: spikeMs + HOUR_MS + 1 })]), spike)).toHaveLength(1);
  });

  it('stops trading a market once it resolved', () => {
    expect(run(new FakeWorld(), [resolvedEvent(inWindow(3, 1)), trade(YES, 'BUY', 30n, inWindow(3, 30_000))])).toEqual([]);
  });
});

describe('volume-spike exits', () => {
  /** 50 YES for $25 (0.50 each); defaults: take profit +10%, stop −8%, max hold 2 h */
  const holdingYes = () => new FakeWorld().hold(YES, { sizeMicros: 50_000_000n, costMicros: 25_000_000n, openedAtMs: T0_MS });
  const exitsOn = (world: FakeWorld, midMicros: bigint, tsMs = T0_MS + 1_000) =>
    intentsOf(feed(volumeSpike, PARAMS, world, [bookEvent({ tokenId: YES, tsMs, midMicros })]));

  it('takes profit when the bid is 10% over cost, not a micro before', () => {
    expect(exitsOn(holdingYes(), 560_000n)).toEqual([
      expect.objectContaining({ tokenId: YES, side: 'SELL', limitPriceMicros: 550_000n, sizeMicros: 50_000_000n, reason: 'take_profit' }),
    ]);
    expect(exitsOn(holdingYes(), 559_999n)).toEqual([]);
  });

  it('stops out when the mid is 8% under cost', () => {
    expect(exitsOn(holdingYes(), 460_000n).map((i) => i.reason)).toEqual(['stop_loss']);
    expect(exitsOn(holdingYes(), 460_001n)).toEqual([]);
  });

  it('closes after two hours', () => {
    expect(exitsOn(holdingYes(), 500_000n, T0_MS + 2 * HOUR_MS).map((i) => i.reason)).toEqual(['max_hold']);
    expect(exitsOn(holdingYes(), 500_000n, T0_MS + 2 * HOUR_MS - 1)).toEqual([]);
  });

  it('closes an hour before the end date', () => {
    const world = new FakeWorld([marketInfo({ endDateMs: T0_MS + 90 * 60_000 })]).hold(YES, {
      sizeMicros: 50_000_000n,
      costMicros: 25_000_000n,
      openedAtMs: T0_MS,
    });
    expect(exitsOn(world, 500_000n, T0_MS + 30 * 60_000).map((i) => i.reason)).toEqual(['pre_resolution']);
  });
});

describe('rollWindow', () => {
  const open: VolumeSpikeMarket = {
    windowStartMs: 0,
    upMicros: 30,
    downMicros: 10,
    baselineMicros: 10,
    closedWindows: 5,
    firedInWindow: true,
    staleTokenIds: [],
    resolved: false,
  };

  it('keeps the open window until it ends', () => {
    expect(rollWindow(open, 59_999, 60_000, 4)).toBe(open);
  });

  it('folds the closed window into the EWMA and starts a fresh one', () => {
    expect(rollWindow(open, 60_000, 60_000, 4)).toMatchObject({
      windowStartMs: 60_000,
      upMicros: 0,
      downMicros: 0,
      baselineMicros: 0.4 * 40 + 0.6 * 10,
      closedWindows: 6,
      firedInWindow: false,
    });
  });

  it('counts windows without trades as zeros', () => {
    const rolled = rollWindow(open, 3 * 60_000 + 5, 60_000, 4);
    expect(rolled.windowStartMs).toBe(180_000);
    expect(rolled.closedWindows).toBe(8);
    expect(rolled.baselineMicros).toBeCloseTo((0.4 * 40 + 0.6 * 10) * 0.6 * 0.6, 9);
  });
});
