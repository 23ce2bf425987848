import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NO_FEES, type FeeSchedule } from '@floor/domain';
import { orderCostMicros, sizeOutcomeBuy } from '@floor/llm/sizing';
import { RiskConfig } from './config.js';
import { evaluateIntent } from './engine.js';
import { confidenceMultiplier, heatOf, sharesForBudget, sizeEntry, timeMultiplier, type EntrySizingInput } from './sizing.js';
import { book, intent, level, limits, NOW_MS, USD, view } from './test-support.js';

const config = RiskConfig.parse({});
const DAY_MS = 24 * 3_600_000;
const FEE_2PCT: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };

describe('drawdown heat (10 % → ½, 15 % → ¼, 20 % → halt)', () => {
  const peak = 1_000n * USD;
  const at = (equity: bigint) => heatOf(peak, equity, config.heat);

  it('is cold at the high-water mark and a micro above each level', () => {
    expect(at(peak)).toEqual({ drawdownPpm: 0n, multiplier: 1, level: -1, halt: false });
    expect(at(900n * USD + 1n)).toMatchObject({ multiplier: 1, halt: false });
    expect(at(850n * USD + 1n)).toMatchObject({ multiplier: 0.5, level: 0 });
    expect(at(800n * USD + 1n)).toMatchObject({ multiplier: 0.25, level: 1, halt: false });
  });

  it('reaches each level exactly at its drawdown', () => {
    expect(at(900n * USD)).toMatchObject({ multiplier: 0.5, level: 0, drawdownPpm: 100_000n });
    expect(at(850n * USD)).toMatchObject({ multiplier: 0.25, level: 1 });
    expect(at(800n * USD)).toEqual({ drawdownPpm: 200_000n, multiplier: 0, level: 2, halt: true });
  });

  it('follows configured levels', () => {
    const heat = RiskConfig.parse({ heat: { levels: [{ drawdown: 0.05, multiplier: 0.8 }], haltDrawdown: 0.3 } }).heat;
    expect(heatOf(peak, 950n * USD, heat).multiplier).toBe(0.8);
    expect(heatOf(peak, 750n * USD, heat)).toMatchObject({ multiplier: 0.8, halt: false });
    expect(heatOf(peak, 700n * USD, heat).halt).toBe(true);
  });
});

describe('multipliers', () => {
  it('confidence: 0 below the minimum, the confidence itself from it on', () => {
    expect(confidenceMultiplier(0.4999, config.sizing)).toBe(0);
    expect(confidenceMultiplier(0.5, config.sizing)).toBe(0.5);
    expect(confidenceMultiplier(0.9, config.sizing)).toBe(0.9);
    expect(confidenceMultiplier(Number.NaN, config.sizing)).toBe(0);
  });

  it('time to resolution: full within 7 days, then 7 days / time left, never below ¼', () => {
    expect(timeMultiplier(NOW_MS, NOW_MS + 7 * DAY_MS, config.sizing)).toBe(1);
    expect(timeMultiplier(NOW_MS, NOW_MS + 14 * DAY_MS, config.sizing)).toBe(0.5);
    expect(timeMultiplier(NOW_MS, NOW_MS + 365 * DAY_MS, config.sizing)).toBe(0.25);
    expect(timeMultiplier(NOW_MS, 0, config.sizing)).toBe(1);
  });
});

describe('sizeEntry', () => {
  const input = (over: Partial<EntrySizingInput> = {}): EntrySizingInput => ({
    probability: 0.6,
    confidence: 1,
    priceMicros: 500_000n,
    fee: NO_FEES,
    nowMs: NOW_MS,
    endDateMs: NOW_MS + DAY_MS,
    capitalMicros: 1_000n * USD,
    bankrollMicros: 10_000n * USD,
    agentDeployedMicros: 0n,
    sizeMultiplier: 1,
    ...over,
  });

  it('is the @floor/llm Kelly size when no cap binds', () => {
    // full Kelly f* = 0.1/0.5 = 0.2; a quarter = 5 % of $1000 = $50 → 100 shares
    const sized = sizeEntry(input(), limits(), config.sizing);
    expect(sized).toMatchObject({ ok: true, sizeMicros: 100n * USD, costMicros: 50n * USD, boundBy: 'kelly' });
    const kelly = sizeOutcomeBuy({ outcome: 'YES', probability: 0.6, priceMicros: 500_000n, fee: NO_FEES, limits: { minEdgeBps: 50, kellyFraction: 0.25, capitalMicros: 1_000n * USD } });
    expect(sized.ok && sized.sizeMicros).toBe(kelly?.sizeMicros);
  });

  it('multiplies confidence, time and heat into the Kelly fraction', () => {
    const sized = sizeEntry(input({ confidence: 0.8, endDateMs: NOW_MS + 14 * DAY_MS, sizeMultiplier: 0.5 }), limits(), config.sizing);
    // 0.25 × 0.8 × 0.5 × 0.5 = 0.05 of full Kelly: $1000 × 0.2 × 0.05 = $10 → 20 shares
    expect(sized).toMatchObject({ ok: true, sizeMicros: 20n * USD, numbers: { effectiveKellyFraction: 0.05 } });
  });

  it('stakes nothing under the minimum confidence or at the heat halt', () => {
    expect(sizeEntry(input({ confidence: 0.3 }), limits(), config.sizing)).toMatchObject({ ok: false, reason: expect.stringMatching(/confidence/) });
    expect(sizeEntry(input({ sizeMultiplier: 0 }), limits(), config.sizing)).toMatchObject({ ok: false, reason: expect.stringMatching(/halt/) });
  });

  it('caps at the per-order stake: exactly at the cap, and a micro below it', () => {
    const at = sizeEntry(input(), limits({ maxStakeUsd: 50n * USD }), config.sizing);
    expect(at).toMatchObject({ ok: true, sizeMicros: 100n * USD, boundBy: 'kelly' });
    const under = sizeEntry(input(), limits({ maxStakeUsd: 50n * USD - 1n }), config.sizing);
    expect(under).toMatchObject({ ok: true, sizeMicros: 99_990_000n, boundBy: 'maxStake' });
  });

  it("caps at the agent's room under its deployed-capital limit", () => {
    // 10 % of $10,000 = $1000, $985 deployed: $15 of room → 30 shares
    expect(sizeEntry(input({ agentDeployedMicros: 985n * USD }), limits(), config.sizing)).toMatchObject({ ok: true, sizeMicros: 30n * USD, boundBy: 'agentDeployed' });
    expect(sizeEntry(input({ agentDeployedMicros: 1_000n * USD }), limits(), config.sizing)).toMatchObject({ ok: false });
  });

  it('caps at the per-trade share of the bankroll, scaled by heat', () => {
    // 2 % of $1,000 = $20, × 0.5 heat = $10 → 20 shares
    const sized = sizeEntry(input({ bankrollMicros: 1_000n * USD, sizeMultiplier: 0.5 }), limits({ maxDeployedShare: 1 }), config.sizing);
    expect(sized).toMatchObject({ ok: true, sizeMicros: 20n * USD, boundBy: 'tradeShare' });
  });

  it('never yields an entry the engine denies on its stake caps (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.integer({ min: 50_000, max: 950_000 }),
        fc.bigInt({ min: 1n * USD, max: 500n * USD }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(NO_FEES, FEE_2PCT),
        (probability, price, maxStake, heat, fee) => {
          const priceMicros = BigInt(price);
          const l = limits({ maxStakeUsd: maxStake, minPrice: 0.01, maxPrice: 0.99, minLiquidityUsd: 0n, maxDepthShare: 1 });
          const sized = sizeEntry(input({ probability, priceMicros, fee, sizeMultiplier: heat }), l, config.sizing);
          if (!sized.ok) return;
          expect(sized.costMicros).toBe(orderCostMicros(priceMicros, sized.sizeMicros, fee));
          const huge = 1_000_000n * USD;
          const v = view({ sizeMultiplier: heat, book: book({ bids: [level(priceMicros - 1n, huge)], asks: [level(priceMicros, huge)] }) });
          const decision = evaluateIntent(intent({ limitPriceMicros: priceMicros, sizeMicros: sized.sizeMicros }), v, { ...l, agent: { ...l.agent, maxSpreadBps: 10_000 } });
          expect(decision).toMatchObject({ ok: true, sizeMicros: sized.sizeMicros });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sharesForBudget', () => {
  it('buys the most whole 0.01 shares whose cost with fee fits', () => {
    expect(sharesForBudget(50n * USD, 500_000n, NO_FEES)).toBe(100n * USD);
    expect(sharesForBudget(50n * USD - 1n, 500_000n, NO_FEES)).toBe(99_990_000n);
    const size = sharesForBudget(50n * USD, 500_000n, FEE_2PCT);
    expect(orderCostMicros(500_000n, size, FEE_2PCT)).toBeLessThanOrEqual(50n * USD);
    expect(orderCostMicros(500_000n, size + 10_000n, FEE_2PCT)).toBeGreaterThan(50n * USD);
  });
});
