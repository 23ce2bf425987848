import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeeSchedule, MarketEvent } from '@floor/domain';
import {
  isParityProfitable,
  pairCostMicros,
  pairSizeMicros,
  parityArbitrage,
  ParityArbitrageParams,
} from './parity-arbitrage.js';
import { kernelBuyReserveMicros } from './entries.js';
import { FakeWorld, feed, intentsOf, level, MARKET_ID, marketInfo, NO, rawBookEvent, resolvedEvent, T0_MS, YES } from './test-support.js';

const PARAMS = ParityArbitrageParams.parse({}); // $50 per entry, $500 per market, 0.5¢ margin
const SHARE = 1_000_000n;
const NO_FEE: FeeSchedule = { rateMicros: 0n, exponent: 1, takerOnly: true };

/** Both books with one ask level each (and a bid below, which parity ignores). */
function asks(askYes: bigint, askNo: bigint, opts: { depthYes?: bigint; depthNo?: bigint; staleYes?: boolean; tsMs?: number } = {}): MarketEvent[] {
  const ts = opts.tsMs ?? T0_MS + 1_000;
  return [
    rawBookEvent(NO, ts, [level(askNo - 20_000n, SHARE)], [level(askNo, opts.depthNo ?? 1_000n * SHARE)]),
    rawBookEvent(YES, ts, [level(askYes - 20_000n, SHARE)], [level(askYes, opts.depthYes ?? 1_000n * SHARE)], opts.staleYes ?? false),
  ];
}

const run = (world: FakeWorld, events: MarketEvent[], params = PARAMS) => intentsOf(feed(parityArbitrage, params, world, events));

describe('parity-arbitrage entries', () => {
  it('buys both legs in equal size at their best asks when they sum below 1 minus the margin', () => {
    const size = 51_540_000n; // $50 / 0.97 = 51.546 pairs, floored to 0.01 share
    const reason = 'parity asks=0.97 cost=49.9938 pays=51.54';
    expect(run(new FakeWorld(), asks(480_000n, 490_000n))).toEqual([
      { marketId: MARKET_ID, tokenId: YES, side: 'BUY', limitPriceMicros: 480_000n, sizeMicros: size, orderType: 'FAK', reason },
      { marketId: MARKET_ID, tokenId: NO, side: 'BUY', limitPriceMicros: 490_000n, sizeMicros: size, orderType: 'FAK', reason },
    ]);
  });

  it('needs the asks plus the margin strictly below 1', () => {
    expect(run(new FakeWorld(), asks(500_000n, 495_000n))).toEqual([]); // 0.995 + 0.005 = 1
    expect(run(new FakeWorld(), asks(500_000n, 494_000n))).toHaveLength(2); // 0.994 + 0.005 < 1
  });

  it('counts both taker fees', () => {
    // at 0.48 / 0.49 a 2% rate costs ≈ 0.01 per pair: 0.97 + 0.01 + 0.005 < 1 still trades
    const twoPct = new FakeWorld([marketInfo({ fee: { rateMicros: 20_000n, exponent: 1, takerOnly: true } })]);
    const intents = run(twoPct, asks(480_000n, 490_000n));
    expect(intents).toHaveLength(2);
    expect(intents[0]?.sizeMicros).toBeLessThan(51_540_000n); // fees came out of the stake
    // a 10% rate costs ≈ 0.05 per pair: no edge left
    const tenPct = new FakeWorld([marketInfo({ fee: { rateMicros: 100_000n, exponent: 1, takerOnly: true } })]);
    expect(run(tenPct, asks(480_000n, 490_000n))).toEqual([]);
  });

  it('sizes to the thinner best ask', () => {
    const intents = run(new FakeWorld(), asks(480_000n, 490_000n, { depthYes: 20n * SHARE, depthNo: 30n * SHARE }));
    expect(intents.map((i) => i.sizeMicros)).toEqual([20n * SHARE, 20n * SHARE]);
  });

  it('sizes to the cash it has, as the kernel reserves it, so neither leg gets shrunk', () => {
    const fee: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
    const world = new FakeWorld([marketInfo({ fee })]);
    world.cashMicros = 10_000_000n;
    const [yes, no] = run(world, asks(480_000n, 490_000n));
    expect(yes?.sizeMicros).toBe(no?.sizeMicros);
    const size = yes?.sizeMicros ?? 0n;
    expect(size).toBeGreaterThan(0n);
    const reserve = (s: bigint) => kernelBuyReserveMicros(480_000n, s, fee) + kernelBuyReserveMicros(490_000n, s, fee);
    expect(reserve(size)).toBeLessThanOrEqual(10_000_000n);
    expect(reserve(size + 10_000n)).toBeGreaterThan(10_000_000n);
  });

  it('adds while the edge lasts, up to maxMarketCostUsd per market', () => {
    const world = new FakeWorld()
      .hold(YES, { sizeMicros: 500n * SHARE, costMicros: 240_000_000n, openedAtMs: T0_MS })
      .hold(NO, { sizeMicros: 500n * SHARE, costMicros: 245_000_000n, openedAtMs: T0_MS });
    const intents = run(world, asks(480_000n, 490_000n)); // $15 of room left
    const [yes, no] = intents.map((i) => i.sizeMicros);
    expect(yes).toBe(no);
    expect(yes).toBe(15_460_000n); // $15 / 0.97 = 15.4639 pairs, floored to 0.01 share
    expect(pairCostMicros(480_000n, 490_000n, yes ?? 0n, NO_FEE)).toBeLessThanOrEqual(15_000_000n);
    world.hold(YES, { sizeMicros: 500n * SHARE, costMicros: 255_000_000n, openedAtMs: T0_MS }); // full
    world.pending.clear();
    expect(run(world, asks(480_000n, 490_000n))).toEqual([]);
  });

  it('does not trade with a leg still pending', () => {
    for (const token of [YES, NO]) {
      const world = new FakeWorld();
      world.pending.add(token);
      expect(run(world, asks(480_000n, 490_000n))).toEqual([]);
    }
  });

  it('does not trade while either book is stale', () => {
    expect(run(new FakeWorld(), asks(480_000n, 490_000n, { staleYes: true }))).toEqual([]);
    // the NO book is fresh, but the YES book last seen was stale
    const staleThenNo = [...asks(480_000n, 490_000n, { staleYes: true }), ...asks(480_000n, 490_000n).slice(0, 1)];
    expect(run(new FakeWorld(), staleThenNo)).toEqual([]);
  });

  it('does not trade without cash, or below the minimum order size', () => {
    const broke = new FakeWorld();
    broke.cashMicros = 0n;
    expect(run(broke, asks(480_000n, 490_000n))).toEqual([]);
    expect(run(new FakeWorld(), asks(480_000n, 490_000n, { depthYes: 4n * SHARE }))).toEqual([]);
  });

  it('does not trade a one-sided book', () => {
    const events = [rawBookEvent(NO, T0_MS, [], [level(490_000n, SHARE * 100n)]), rawBookEvent(YES, T0_MS, [level(470_000n, SHARE)], [])];
    expect(run(new FakeWorld(), events)).toEqual([]);
  });

  it('stops at the end date (or noEntryBeforeEndMs before it) and after resolution', () => {
    const endMs = T0_MS + 1_000;
    expect(run(new FakeWorld([marketInfo({ endDateMs: endMs })]), asks(480_000n, 490_000n, { tsMs: endMs }))).toEqual([]);
    expect(run(new FakeWorld([marketInfo({ endDateMs: endMs + 1 })]), asks(480_000n, 490_000n, { tsMs: endMs }))).toHaveLength(2);
    const early = ParityArbitrageParams.parse({ noEntryBeforeEndMs: 60_000 });
    expect(run(new FakeWorld([marketInfo({ endDateMs: endMs + 60_000 })]), asks(480_000n, 490_000n, { tsMs: endMs }), early)).toEqual([]);
    expect(run(new FakeWorld(), [resolvedEvent(T0_MS), ...asks(480_000n, 490_000n)])).toEqual([]);
  });
});

describe('parity sizing and edge', () => {
  it('isParityProfitable is exact at the boundary', () => {
    // 10 pairs for $9.95 with a 0.5¢ margin: 9.95 + 0.05 = 10, not below
    expect(isParityProfitable(9_950_000n, 10n * SHARE, 5_000n)).toBe(false);
    expect(isParityProfitable(9_949_999n, 10n * SHARE, 5_000n)).toBe(true);
  });

  it('pairSizeMicros stays within the depth, the budget and the cash', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1_000n, max: 999_000n }),
        fc.bigInt({ min: 1_000n, max: 999_000n }),
        fc.bigInt({ min: 1n, max: 100_000n * SHARE }),
        fc.bigInt({ min: 0n, max: 1_000_000_000n }),
        fc.bigInt({ min: 0n, max: 200_000n }),
        fc.bigInt({ min: 0n, max: 1_000_000_000n }),
        (askYes, askNo, depth, budget, rate, cash) => {
          const fee: FeeSchedule = { rateMicros: rate, exponent: 1, takerOnly: true };
          const size = pairSizeMicros(askYes, askNo, depth, budget, cash, fee);
          expect(size).toBeGreaterThanOrEqual(0n);
          expect(size).toBeLessThanOrEqual(depth);
          expect(pairCostMicros(askYes, askNo, size, fee)).toBeLessThanOrEqual(budget);
          if (size > 0n) {
            expect(kernelBuyReserveMicros(askYes, size, fee) + kernelBuyReserveMicros(askNo, size, fee)).toBeLessThanOrEqual(cash);
          }
        },
      ),
    );
  });
});

describe('ParityArbitrageParams', () => {
  it('fills every default and rejects unknown fields', () => {
    expect(PARAMS).toEqual({ stakeUsd: 50, maxMarketCostUsd: 500, minEdgeMicros: 5_000, noEntryBeforeEndMs: 0 });
    expect(ParityArbitrageParams.safeParse({ takeProfitBps: 100 }).success).toBe(false);
  });
});
