import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bestAsk, bestBid, MarketInfo, type BookSnapshot, type MarketEvent } from '@floor/domain';
import type { Strategy } from '@floor/strategies';
import { gridCombinations, parseGrid, renderSweep, runSweep, SweepError, walkForwardFolds, withOverrides } from './sweep.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const market = MarketInfo.parse({
  marketId: 'm1',
  question: 'Up then down?',
  endDateMs: T0 + 30 * 24 * HOUR,
  tokens: [
    { tokenId: 'yes', outcome: 'Yes' },
    { tokenId: 'no', outcome: 'No' },
  ],
});

/** YES mid rises from 0.30 to 0.70 over the first day and falls back over the second, with a small zigzag. */
function upThenDown(): MarketEvent[] {
  const events: MarketEvent[] = [];
  const book = (tokenId: string, ts: number, mid: bigint, n: number): BookSnapshot => ({
    type: 'book',
    v: 1,
    eventId: `evt_${tokenId}_${n}`,
    marketId: 'm1',
    tokenId,
    tsEventMs: ts,
    tsPublishedMs: ts,
    source: 'replay',
    stale: false,
    bids: [{ priceMicros: mid - 10_000n, sizeMicros: 10_000_000_000n }],
    asks: [{ priceMicros: mid + 10_000n, sizeMicros: 10_000_000_000n }],
  });
  for (let n = 0; n <= 288; n += 1) {
    const ts = T0 + n * 10 * 60_000;
    const day = n / 144;
    const trend = day <= 1 ? 300_000 + 400_000 * day : 700_000 - 400_000 * (day - 1);
    const mid = BigInt(Math.round(trend / 10_000) * 10_000 + (n % 2 === 0 ? 10_000 : 0));
    events.push(book('yes', ts, mid, n), book('no', ts, 1_000_000n - mid, n));
  }
  return events;
}

const Params = z.object({ direction: z.number().int().min(-1).max(1).default(1), holdMs: z.number().int().default(6 * HOUR) }).strict();
type Params = z.output<typeof Params>;

/** Buys YES (direction 1) or NO (−1) whenever flat, sells after `holdMs`. */
const directional: Strategy<Params, Record<string, never>> = {
  name: 'directional',
  interfaceVersion: 1,
  description: 'test',
  params: Params,
  init: () => ({}),
  onMarketEvent(ctx, state, event) {
    if (event.type !== 'book' || event.tokenId !== 'no') return { state, intents: [] };
    const tokenId = ctx.params.direction === 1 ? 'yes' : 'no';
    const book = ctx.book(tokenId);
    const held = ctx.portfolio.position(tokenId);
    if (!book || ctx.portfolio.hasPendingIntent(tokenId)) return { state, intents: [] };
    if (held && ctx.nowMs - held.openedAtMs >= ctx.params.holdMs) {
      return { state, intents: [{ marketId: 'm1', tokenId, side: 'SELL', limitPriceMicros: bestBid(book) ?? 1n, sizeMicros: held.sizeMicros, reason: 'hold over' }] };
    }
    if (held || ctx.params.direction === 0) return { state, intents: [] };
    return { state, intents: [{ marketId: 'm1', tokenId, side: 'BUY', limitPriceMicros: bestAsk(book) ?? 1n, sizeMicros: 100_000_000n, reason: 'enter' }] };
  },
};

const validate = (_name: string, params: Record<string, unknown>) => Params.parse(params);

describe('grid', () => {
  it('parses axes with typed values and expands them, first axis slowest', () => {
    const grid = parseGrid('lookback=5,10; thresholdBps=50 ,100;live=true');
    expect(grid).toEqual([
      { key: 'lookback', values: [5, 10] },
      { key: 'thresholdBps', values: [50, 100] },
      { key: 'live', values: [true] },
    ]);
    expect(gridCombinations(grid).map((c) => `${c['lookback']}/${c['thresholdBps']}`)).toEqual(['5/50', '5/100', '10/50', '10/100']);
  });

  it('rejects malformed grids', () => {
    expect(() => parseGrid('lookback')).toThrow(SweepError);
    expect(() => parseGrid('a=1;a=2')).toThrow(/appears twice/);
    expect(() => parseGrid(' ; ')).toThrow(/empty/);
  });

  it('writes dotted keys into nested params without touching the original', () => {
    const base = { llm: { minEdgeBps: 300, models: [] }, stake: 1 };
    expect(withOverrides(base, { 'llm.minEdgeBps': 500, stake: 2 })).toEqual({ llm: { minEdgeBps: 500, models: [] }, stake: 2 });
    expect(base.llm.minEdgeBps).toBe(300);
  });

  it('cuts time into folds + 1 segments, training on all earlier ones', () => {
    const folds = walkForwardFolds(0, 100, 4);
    expect(folds.map((f) => [f.trainFromMs, f.trainToMs, f.testFromMs, f.testToMs])).toEqual([
      [0, 20, 20, 40],
      [0, 40, 40, 60],
      [0, 60, 60, 80],
      [0, 80, 80, 101],
    ]);
  });
});

describe('runSweep', () => {
  const events = upThenDown();
  const base = { spec: { strategy: 'directional', params: {} }, events, markets: [market], capitalMicros: 1_000_000_000n, strategy: directional, validate } as const;

  it('ranks by out-of-sample Sharpe, even when the in-sample winner differs', async () => {
    const result = await runSweep({ ...base, grid: parseGrid('direction=1,-1'), folds: 1 });
    const [best, worst] = result.rows;
    // the first day (train) rises: buying YES wins in sample
    expect(result.selection).toEqual([{ fold: 1, overrides: { direction: 1 }, outOfSampleSharpe: worst?.folds[0]?.outOfSampleSharpe ?? null }]);
    expect(worst?.inSampleSharpe).toBeGreaterThan(best?.inSampleSharpe ?? Infinity);
    // the second day (test) falls: buying NO wins out of sample, and that is what ranks first
    expect(best?.overrides).toEqual({ direction: -1 });
    expect(best?.rank).toBe(1);
    expect(best?.outOfSampleSharpe).toBeGreaterThan(worst?.outOfSampleSharpe ?? -Infinity);
    expect(best?.outOfSamplePnlMicros).toBeGreaterThan(0n);
    expect(renderSweep(result)).toMatch(/rank\s+params\s+OOS Sharpe/);
  });

  it('validates every combination against the schema before running any', async () => {
    await expect(runSweep({ ...base, grid: parseGrid('direction=1,2'), folds: 1 })).rejects.toThrow(/direction=2 is invalid/);
  });
});
