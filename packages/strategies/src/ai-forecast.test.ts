import { describe, expect, it } from 'vitest';
import { orderCostMicros } from '@floor/llm';
import { aiForecast, AiForecastParams, aiForecastStartupCheck, type AiForecastState } from './ai-forecast.js';
import type { ForecastEvent } from './strategy.js';
import { FakeWorld, feed, HOUR_MS, MARKET_ID, marketInfo, NO, pairBookEvents, resolvedEvent, T0_MS, YES } from './test-support.js';

const MODELS = [{ provider: 'openai', model: 'gpt-test', inputUsdPerMTok: '0.4', outputUsdPerMTok: '1.6' }];
const params = (over: Record<string, unknown> = {}, llm: Record<string, unknown> = {}) =>
  AiForecastParams.parse({
    // no calibration shrink, so the probabilities in these tests are the ones traded on
    llm: { models: MODELS, minEdgeBps: 500, kellyFraction: 0.5, calibration: { a: 1, b: 0 }, ...llm },
    maxStakeUsd: 1_000,
    ...over,
  });

function forecast(probability: number, tsMs: number, marketId = MARKET_ID): ForecastEvent {
  return { type: 'forecast', v: 1, eventId: `evt_fc_${tsMs}`, marketId, tsMs, causationId: 'evt_cause', probability, confidence: 0.7, dispersion: 0, source: 'test', promptHash: 'h' };
}

/** YES book around `yesMid` (spread 2 cents, deep), NO the mirror; then a forecast delivered at the same time. */
function decideOn(probability: number, p: AiForecastParams, yesMid = 500_000n) {
  const world = new FakeWorld([marketInfo({ fee: { rateMicros: 20_000n, exponent: 1, takerOnly: true } })]);
  const steps = feed(aiForecast, p, world, pairBookEvents(T0_MS, yesMid));
  const state = steps.at(-1)?.state as AiForecastState;
  return { world, steps, decision: aiForecast.onForecast?.(world.context(p), state, forecast(probability, T0_MS)) };
}

describe('ai-forecast', () => {
  it('asks for a forecast on a fresh YES book, and not again before refreshMs', () => {
    const p = params({ refreshMs: HOUR_MS });
    const world = new FakeWorld();
    const events = [...pairBookEvents(T0_MS, 500_000n), ...pairBookEvents(T0_MS + 10 * 60_000, 510_000n), ...pairBookEvents(T0_MS + HOUR_MS, 520_000n)];
    let state = aiForecast.init(p);
    const asked: Array<{ marketId: string; asOfMs: number }> = [];
    for (const event of events) {
      world.nowMs = event.tsEventMs;
      if (event.type === 'book') world.books.set(event.tokenId, event);
      const decision = aiForecast.onMarketEvent(world.context(p), state, event);
      state = decision.state;
      asked.push(...(decision.forecastRequests ?? []).map((r) => ({ marketId: r.marketId, asOfMs: r.input.asOfMs })));
    }
    expect(asked).toEqual([
      { marketId: MARKET_ID, asOfMs: T0_MS },
      { marketId: MARKET_ID, asOfMs: T0_MS + HOUR_MS },
    ]);
  });

  it('buys YES when the forecast beats the ask by more than fees and the min edge', () => {
    const { decision } = decideOn(0.7, params());
    expect(decision?.intents).toHaveLength(1);
    const [intent] = decision?.intents ?? [];
    expect(intent).toMatchObject({ tokenId: YES, side: 'BUY', limitPriceMicros: 510_000n, orderType: 'FAK' });
    expect(intent?.reason).toMatch(/^ai edge \d+bps q=0\.700 YES$/);
  });

  it('buys NO when the forecast is below the price', () => {
    const { decision } = decideOn(0.3, params());
    expect(decision?.intents[0]).toMatchObject({ tokenId: NO, side: 'BUY' });
  });

  it('does not trade below the min edge', () => {
    // ask 0.51 + fee ≈ 0.515: a forecast of 0.55 is an edge of about 350 bps, under the 500 bps minimum
    expect(decideOn(0.55, params()).decision?.intents).toEqual([]);
    // the same forecast trades once the minimum is lowered
    expect(decideOn(0.55, params({}, { minEdgeBps: 200 })).decision?.intents).toHaveLength(1);
  });

  it('sizes by Kelly and caps the cost at maxStakeUsd', () => {
    const uncapped = decideOn(0.9, params({ maxStakeUsd: 100_000 })).decision?.intents[0];
    const capped = decideOn(0.9, params({ maxStakeUsd: 50 })).decision?.intents[0];
    if (!uncapped || !capped) throw new Error('expected both to trade');
    const fee = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
    // half Kelly on $1,000 at an edge of ~0.385 per share costs far more than $50
    expect(orderCostMicros(uncapped.limitPriceMicros, uncapped.sizeMicros, fee)).toBeGreaterThan(300_000_000n);
    expect(orderCostMicros(capped.limitPriceMicros, capped.sizeMicros, fee)).toBeLessThanOrEqual(50_000_000n);
    expect(orderCostMicros(capped.limitPriceMicros, capped.sizeMicros + 10_000n, fee)).toBeGreaterThan(50_000_000n);
  });

  it('ignores a stale forecast and a market it already holds', () => {
    const p = params({ maxForecastAgeMs: HOUR_MS });
    const world = new FakeWorld();
    const state = feed(aiForecast, p, world, pairBookEvents(T0_MS, 500_000n)).at(-1)?.state as AiForecastState;
    const withForecast = aiForecast.onForecast?.(world.context(p), state, forecast(0.8, T0_MS)).state as AiForecastState;
    // two hours later the forecast is too old to open on
    world.pending.clear();
    const later = feed(aiForecast, p, world, pairBookEvents(T0_MS + 2 * HOUR_MS, 500_000n), { ...withForecast, requestedAtMs: { [MARKET_ID]: T0_MS + 2 * HOUR_MS } });
    expect(later.flatMap((s) => s.intents)).toEqual([]);

    const holding = new FakeWorld().hold(YES, { sizeMicros: 10_000_000n, costMicros: 5_000_000n, openedAtMs: T0_MS });
    holding.books.set(YES, pairBookEvents(T0_MS, 500_000n)[0]);
    expect(aiForecast.onForecast?.(holding.context(p), state, forecast(0.9, T0_MS)).intents).toEqual([]);
  });

  it('turns resolved forecasts into calibration samples', () => {
    const p = params();
    const world = new FakeWorld();
    const state = feed(aiForecast, p, world, pairBookEvents(T0_MS, 500_000n)).at(-1)?.state as AiForecastState;
    const withForecast = aiForecast.onForecast?.(world.context(p), state, forecast(0.8, T0_MS)).state as AiForecastState;
    const after = feed(aiForecast, p, world, [resolvedEvent(T0_MS + HOUR_MS, NO)], withForecast).at(-1)?.state as AiForecastState;
    expect(after.samples).toEqual([{ probability: 0.8, outcome: 0 }]);
    expect(after.forecasts).toEqual({});
    expect(after.calibration.source).toBe('config');
  });

  it('refuses to start without the API keys its models need', () => {
    const spec = { strategy: 'ai-forecast', resolvedParams: params() as unknown as Record<string, unknown> };
    expect(aiForecastStartupCheck(spec, {})).toEqual({ ok: false, missing: ['OPENAI_API_KEY'] });
    expect(aiForecastStartupCheck(spec, { OPENAI_API_KEY: 'sk-test' })).toEqual({ ok: true });
    expect(aiForecastStartupCheck({ strategy: 'momentum', resolvedParams: {} }, {})).toEqual({ ok: true });
  });
});
