import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MarketInfo, type MarketEvent } from '@floor/domain';
import type { EnsembleResult, ForecastInput, ForecastPort } from '@floor/llm';
import type { ForecastEvent, Strategy } from '@floor/strategies';
import { createForecastBroker, type ForecastRecord } from './forecast-broker.js';
import { createKernel } from './kernel.js';

const MARKET = MarketInfo.parse({
  marketId: 'm1',
  question: 'Will it rain?',
  endDateMs: 100 * 3_600_000,
  tokens: [
    { tokenId: 'yes', outcome: 'Yes' },
    { tokenId: 'no', outcome: 'No' },
  ],
});

const book = (ts: number): MarketEvent => ({
  type: 'book',
  v: 1,
  eventId: `evt_${ts}`,
  marketId: 'm1',
  tokenId: 'yes',
  tsEventMs: ts,
  tsPublishedMs: ts,
  source: 'replay',
  stale: false,
  bids: [{ priceMicros: 490_000n, sizeMicros: 100_000_000n }],
  asks: [{ priceMicros: 510_000n, sizeMicros: 100_000_000n }],
});

/** Asks for a forecast on every event; buys YES when a forecast says more than 0.6. */
const asker: Strategy<object, { seen: ForecastEvent[] }> = {
  name: 'asker',
  interfaceVersion: 1,
  description: 'test',
  params: z.object({}).strict(),
  init: () => ({ seen: [] }),
  onMarketEvent: (ctx, state, event) => ({
    state,
    intents: [],
    forecastRequests: [{ marketId: event.marketId, input: { marketId: event.marketId, question: 'Will it rain?', endDateMs: MARKET.endDateMs, asOfMs: ctx.nowMs, yesPriceMicros: '500000', noPriceMicros: '500000' } }],
  }),
  onForecast: (_ctx, state, event) => ({
    state: { seen: [...state.seen, event] },
    intents: event.probability > 0.6 ? [{ marketId: 'm1', tokenId: 'yes', side: 'BUY', limitPriceMicros: 510_000n, sizeMicros: 10_000_000n, reason: 'forecast' }] : [],
  }),
};

function fixedPort(probability: number, costMicros = 1_000n): ForecastPort & { calls: ForecastInput[] } {
  const calls: ForecastInput[] = [];
  return {
    source: 'fixed',
    calls,
    async forecast(input): Promise<EnsembleResult> {
      calls.push(input);
      const answer = { probability, confidence: 0.5, reasoning: 'r', wouldChangeMind: 'w' };
      return {
        status: 'ok',
        probability,
        confidence: 0.5,
        dispersion: 0,
        promptHash: 'a'.repeat(64),
        forecasts: [{ modelId: 'm', answer, promptHash: 'a'.repeat(64), promptVersion: 1, inputTokens: 10, outputTokens: 5, costMicros, latencyMs: 0, attempts: 1 }],
        failures: [],
        total: { inputTokens: 10, outputTokens: 5, costMicros },
      };
    },
  };
}

function kernel() {
  const k = createKernel({ agentId: 'a1', strategy: asker, params: {}, live: false });
  k.restore({ portfolio: { cashMicros: 1_000_000_000n, allocatedMicros: 1_000_000_000n, positions: [], lastFillSeq: 0n } });
  k.addMarket(MARKET);
  return k;
}

describe('forecast broker', () => {
  it('delivers the answer to the strategy through the kernel and returns the intents it causes', async () => {
    const k = kernel();
    const records: ForecastRecord[] = [];
    const port = fixedPort(0.8);
    const broker = createForecastBroker({ agentId: 'a1', port, limits: { dailyBudgetMicros: 1_000_000n, cooldownMs: 0 }, record: (rows) => void records.push(...rows) });
    expect(k.onMarketEvent(book(1_000))).toEqual([]);
    const intents = await broker.serve(k);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ side: 'BUY', tokenId: 'yes', tsEventMs: 1_000 });
    expect(port.calls[0]?.asOfMs).toBe(1_000);
    expect(records.map((r) => [r.model, r.aggregated])).toEqual([
      ['m', false],
      ['fixed', true],
    ]);
    // taken: a second serve has nothing to do
    expect(await broker.serve(k)).toEqual([]);
    expect(broker.stats()).toMatchObject({ requested: 1, delivered: 1, costMicros: 1_000n });
  });

  it('keeps one request per market, respects the cooldown and the daily budget', async () => {
    const k = kernel();
    const port = fixedPort(0.5, 600n);
    const broker = createForecastBroker({ agentId: 'a1', port, limits: { dailyBudgetMicros: 1_500n, cooldownMs: 10_000 } });
    k.onMarketEvent(book(1_000));
    k.onMarketEvent(book(2_000));
    await broker.serve(k); // one request (the latest), answered: 600 spent
    k.onMarketEvent(book(5_000));
    await broker.serve(k); // in the cooldown
    k.onMarketEvent(book(20_000));
    await broker.serve(k); // out of the cooldown: answered, 1,200 spent
    k.onMarketEvent(book(40_000));
    await broker.serve(k); // another 600 would pass the 1,500 budget
    expect(port.calls.map((c) => c.asOfMs)).toEqual([2_000, 20_000]);
    expect(broker.stats().skipped).toMatchObject({ MARKET_COOLDOWN: 1, DAILY_BUDGET_SPENT: 1 });
  });

  it('gives a replay the same forecast event ids, and so the same intent ids', async () => {
    const run = async () => {
      const k = kernel();
      const broker = createForecastBroker({ agentId: 'a1', port: fixedPort(0.9), limits: { dailyBudgetMicros: 1_000_000n, cooldownMs: 0 } });
      k.onMarketEvent(book(1_000));
      return (await broker.serve(k)).map((i) => i.intentId);
    };
    expect(await run()).toEqual(await run());
  });
});
