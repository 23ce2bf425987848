import { describe, expect, it } from 'vitest';
import { checkExit, checkMarketExits, ExitParams, exitReason, type ExitRules, type HeldPosition } from './exits.js';
import { bookEvent, FakeWorld, HOUR_MS, marketInfo, NO, rawBookEvent, T0_MS, YES, level } from './test-support.js';

const END_MS = T0_MS + 10 * HOUR_MS;
/** 100 shares bought for $50: an average price of 0.50 */
const POSITION: HeldPosition = { sizeMicros: 100_000_000n, costMicros: 50_000_000n, openedAtMs: T0_MS };
const RULES: ExitRules = { takeProfitBps: 1_000, stopLossBps: 1_000, maxHoldMs: HOUR_MS, exitBeforeResolutionMs: HOUR_MS };

/** A YES book with a 2¢ spread around `midMicros`: bid = mid − 0.01 */
function yesBook(midMicros: bigint) {
  return bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros });
}

function reasonAt(midMicros: bigint, nowMs = T0_MS + 1, rules: Partial<ExitRules> = {}) {
  return exitReason({ position: POSITION, book: yesBook(midMicros), nowMs, endDateMs: END_MS, rules: { ...RULES, ...rules } });
}

describe('exitReason', () => {
  it('holds a position while no rule fires', () => {
    expect(reasonAt(500_000n)).toBeUndefined();
  });

  describe('take profit (+10% of cost, valued at the best bid)', () => {
    it('fires when the bid reaches cost × 1.10 exactly', () => {
      expect(reasonAt(560_000n)).toBe('take_profit'); // bid 0.55 → $55 for $50
    });
    it('does not fire one micro below', () => {
      expect(reasonAt(559_999n)).toBeUndefined(); // bid 0.549999
    });
    it('does not count the mid: a mid above target with the bid below it is not a profit yet', () => {
      expect(exitReason({
        position: POSITION,
        book: rawBookEvent(YES, T0_MS, [level(540_000n, 1n)], [level(600_000n, 1n)]), // mid 0.57, bid 0.54
        nowMs: T0_MS + 1,
        endDateMs: END_MS,
        rules: RULES,
      })).toBeUndefined();
    });
  });

  describe('stop loss (−10% of cost, valued at the mid)', () => {
    it('fires when the mid falls to cost × 0.90 exactly', () => {
      expect(reasonAt(450_000n)).toBe('stop_loss');
    });
    it('does not fire one micro above', () => {
      expect(reasonAt(450_001n)).toBeUndefined();
    });
    it('is not triggered by a wide spread alone', () => {
      const wide = rawBookEvent(YES, T0_MS, [level(420_000n, 1n)], [level(580_000n, 1n)]); // mid 0.50, bid 0.42
      expect(exitReason({ position: POSITION, book: wide, nowMs: T0_MS + 1, endDateMs: END_MS, rules: RULES })).toBeUndefined();
    });
  });

  describe('max hold', () => {
    it('fires once the position is maxHoldMs old', () => {
      expect(reasonAt(500_000n, T0_MS + HOUR_MS)).toBe('max_hold');
    });
    it('does not fire a millisecond before', () => {
      expect(reasonAt(500_000n, T0_MS + HOUR_MS - 1)).toBeUndefined();
    });
  });

  describe('pre-resolution', () => {
    it('fires exitBeforeResolutionMs before the end date', () => {
      expect(reasonAt(500_000n, END_MS - HOUR_MS, { maxHoldMs: undefined })).toBe('pre_resolution');
    });
    it('does not fire a millisecond earlier', () => {
      expect(reasonAt(500_000n, END_MS - HOUR_MS - 1, { maxHoldMs: undefined })).toBeUndefined();
    });
    it('takes precedence over the price rules', () => {
      expect(reasonAt(560_000n, END_MS - HOUR_MS, { maxHoldMs: undefined })).toBe('pre_resolution');
    });
    it('is off at 0: the position is held into resolution', () => {
      expect(reasonAt(500_000n, END_MS + 1, { maxHoldMs: undefined, exitBeforeResolutionMs: 0 })).toBeUndefined();
    });
  });

  it('does nothing for absent rules', () => {
    const off: ExitRules = { exitBeforeResolutionMs: 0 };
    for (const [midMicros, nowMs] of [[990_000n, T0_MS + 1], [10_000n, END_MS + HOUR_MS]] as const) {
      expect(exitReason({ position: POSITION, book: yesBook(midMicros), nowMs, endDateMs: END_MS, rules: off })).toBeUndefined();
    }
  });
});

describe('checkExit', () => {
  const market = marketInfo({ endDateMs: END_MS });

  function worldHolding(position: HeldPosition = POSITION) {
    const world = new FakeWorld([market]).hold(YES, { ...position });
    world.nowMs = T0_MS + 1;
    return world;
  }

  it('sells the whole position at the best bid, FAK, with the rule as reason', () => {
    const intent = checkExit(worldHolding().context({}), market, yesBook(560_000n), RULES);
    expect(intent).toEqual({
      marketId: market.marketId,
      tokenId: YES,
      side: 'SELL',
      limitPriceMicros: 550_000n,
      sizeMicros: 100_000_000n,
      orderType: 'FAK',
      reason: 'take_profit',
    });
  });

  it('waits while an intent for the token is in flight', () => {
    const world = worldHolding();
    world.pending.add(YES);
    expect(checkExit(world.context({}), market, yesBook(560_000n), RULES)).toBeUndefined();
  });

  it('leaves a position below the minimum order size to settlement', () => {
    const world = worldHolding({ ...POSITION, sizeMicros: 4_000_000n, costMicros: 2_000_000n });
    expect(checkExit(world.context({}), market, yesBook(300_000n), RULES)).toBeUndefined();
  });

  it('cannot sell into a book without bids', () => {
    const noBids = rawBookEvent(YES, T0_MS, [], [level(600_000n, 1n)]);
    const world = worldHolding();
    world.nowMs = END_MS; // pre-resolution fires, but there is nobody to sell to
    expect(checkExit(world.context({}), market, noBids, RULES)).toBeUndefined();
  });

  it('still exits on a stale book', () => {
    const stale = bookEvent({ tokenId: YES, tsMs: T0_MS, midMicros: 440_000n, stale: true });
    expect(checkExit(worldHolding().context({}), market, stale, RULES)?.reason).toBe('stop_loss');
  });

  it('checkMarketExits looks at both tokens of the market', () => {
    const world = worldHolding().hold(NO, { sizeMicros: 10_000_000n, costMicros: 5_000_000n, openedAtMs: T0_MS });
    world.books.set(NO, bookEvent({ tokenId: NO, tsMs: T0_MS, midMicros: 600_000n }));
    const exits = checkMarketExits(world.context({}), market, yesBook(440_000n), RULES);
    expect(exits.map((e) => [e.tokenId, e.reason])).toEqual([
      [YES, 'stop_loss'],
      [NO, 'take_profit'],
    ]);
  });
});

describe('ExitParams', () => {
  it('defaults to a one-hour pre-resolution exit and nothing else', () => {
    expect(ExitParams.parse({})).toEqual({ exitBeforeResolutionMs: HOUR_MS });
  });
  it('rejects values out of bounds', () => {
    expect(ExitParams.safeParse({ stopLossBps: 10_001 }).success).toBe(false);
    expect(ExitParams.safeParse({ takeProfitBps: 0 }).success).toBe(false);
    expect(ExitParams.safeParse({ maxHoldMs: 1.5 }).success).toBe(false);
  });
});
