import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { MarketInfo, type BookSnapshot, type MarketEvent } from '@floor/domain';
import { createEnsembleMembers, ensemblePort } from '@floor/llm';
import { fakeReply, startFakeLlmServer, type FakeLlmServer } from '@floor/llm/testing';
import { createDb, FORECASTS_TABLE_SQL, forecasts, insertForecasts, type DbHandle } from '@floor/db';
import { aiForecast, AiForecastParams } from '@floor/strategies';
import { runBacktest } from '@floor/backtest';
import { createTestDatabase } from '../setup/harness.js';

/**
 * The AI-forecast agent end to end through its port: the strategy asks for forecasts, the forecast broker asks the
 * REAL OpenAI SDK (pointed at the local fake provider), the answers come back through the kernel, the agent trades
 * on them in a backtest, and the forecasts are stored in Postgres.
 */

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 1);
const MODEL = 'gpt-fake-forecaster';
const market = MarketInfo.parse({
  marketId: 'ai-m1',
  question: 'Will the fake forecaster be right?',
  endDateMs: T0 + 48 * HOUR,
  fee: { rateMicros: '20000', exponent: 1, takerOnly: true },
  tokens: [
    { tokenId: 'ai-yes', outcome: 'Yes' },
    { tokenId: 'ai-no', outcome: 'No' },
  ],
});

/** YES quoted 0.49/0.51 every 30 minutes for 24 hours, NO the mirror, then YES wins. */
function events(): MarketEvent[] {
  const out: MarketEvent[] = [];
  const book = (tokenId: string, ts: number, bid: bigint, n: number): BookSnapshot => ({
    type: 'book',
    v: 1,
    eventId: `evt_ai_${tokenId}_${n}`,
    marketId: market.marketId,
    tokenId,
    tsEventMs: ts,
    tsPublishedMs: ts,
    source: 'replay',
    stale: false,
    bids: [{ priceMicros: bid, sizeMicros: 1_000_000_000n }],
    asks: [{ priceMicros: bid + 20_000n, sizeMicros: 1_000_000_000n }],
  });
  for (let n = 0; n < 48; n += 1) {
    const ts = T0 + n * 30 * 60_000;
    out.push(book('ai-yes', ts, 490_000n, n), book('ai-no', ts, 490_000n, n));
  }
  out.push({ type: 'resolved', v: 1, eventId: 'evt_ai_resolved', marketId: market.marketId, tsEventMs: T0 + 25 * HOUR, tsPublishedMs: T0 + 25 * HOUR, source: 'replay', winningTokenId: 'ai-yes' });
  return out;
}

describe('AI forecast agent through the real OpenAI SDK', () => {
  let fake: FakeLlmServer;
  let handle: DbHandle;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    fake = await startFakeLlmServer();
    const t = await createTestDatabase('aiforecast');
    dropDb = t.drop;
    handle = createDb(t.url);
    // the table's migration is not written yet: create it from the SQL the migration will hold
    await handle.pool.query(FORECASTS_TABLE_SQL);
  });

  afterAll(async () => {
    await fake?.close();
    await handle?.close();
    await dropDb?.();
  });

  it('asks the model, trades on its answer, and stores every forecast', async () => {
    fake.setFallback(fakeReply.answer(0.8, { confidence: 0.7 }, { inputTokens: 500, outputTokens: 100 }));
    const params = AiForecastParams.parse({
      llm: {
        models: [{ provider: 'openai', model: MODEL, baseUrl: fake.openAiBaseUrl, inputUsdPerMTok: '0.4', outputUsdPerMTok: '1.6' }],
        calibration: { a: 1, b: 0 },
        cooldownMs: 4 * HOUR,
        timeoutMs: 5_000,
        maxRetries: 0,
      },
      refreshMs: 6 * HOUR,
      maxStakeUsd: 100,
    });
    const members = createEnsembleMembers(params.llm, { OPENAI_API_KEY: 'sk-test-key' });
    const result = await runBacktest({
      spec: { agentId: 'ai-test', strategy: 'ai-forecast', resolvedParams: params },
      strategy: aiForecast,
      events: events(),
      markets: [market],
      capitalMicros: 1_000_000_000n,
      forecastPort: ensemblePort(members, params.llm),
    });
    await insertForecasts(handle.db, result.forecasts);

    // the real SDK reached the fake provider, with the key; once the agent holds the market it asks no more
    const requests = fake.requestsFor(MODEL);
    expect(requests.length).toBe(1);
    expect(requests.every((r) => r.api === 'openai' && r.headers.authorization === 'Bearer sk-test-key')).toBe(true);

    // q = 0.8 against an ask of 0.51: buy YES, capped at $100, then paid 1 at resolution
    const buys = result.trades.filter((t) => t.kind === 'trade' && t.side === 'BUY');
    expect(buys.length).toBeGreaterThan(0);
    expect(buys.every((t) => t.tokenId === 'ai-yes')).toBe(true);
    expect(buys[0]?.reason).toMatch(/^ai edge \d+bps q=0\.800 YES$/);
    expect(-(buys[0]?.cashDeltaMicros ?? 0n)).toBeLessThanOrEqual(100_000_000n);
    expect(result.trades.some((t) => t.kind === 'settlement' && t.priceMicros === 1_000_000n)).toBe(true);
    expect(result.report.pnlMicros).toBeGreaterThan(0n);
    expect(result.report.ledger).toMatchObject({ identityHolds: true, kernelAgrees: true });

    // Brier against the resolution: the forecast said 0.8 and YES won
    expect(result.report.forecasts?.count).toBe(1);
    expect(result.report.forecasts?.brier).toBeCloseTo(0.04, 10);
    // 500 × $0.4/M + 100 × $1.6/M = $0.00036 per answer
    expect(result.report.forecasts?.broker.costMicros).toBe(360n);

    const rows = await handle.db.select().from(forecasts).orderBy(asc(forecasts.id));
    expect(rows).toHaveLength(2); // the model's row and the aggregate
    expect(rows.filter((r) => r.aggregated).map((r) => r.model)).toEqual(['ensemble']);
    const modelRow = rows.find((r) => !r.aggregated);
    expect(modelRow).toMatchObject({ agentId: 'ai-test', marketId: 'ai-m1', model: `openai:${MODEL}`, probability: 0.8, confidence: 0.7, inputTokens: 500, outputTokens: 100, costMicros: 360n });
    expect(modelRow?.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(modelRow?.ts.getTime()).toBe(T0);
    const [{ count }] = (await handle.db.execute(sql`SELECT count(DISTINCT prompt_hash)::int AS count FROM forecasts`)).rows as [{ count: number }];
    expect(count).toBe(1);
  });

  it('does not start the agent without its API key', async () => {
    const { aiForecastStartupCheck } = await import('@floor/strategies');
    const resolvedParams = AiForecastParams.parse({ llm: { models: [{ provider: 'anthropic', model: 'claude-x', inputUsdPerMTok: '3', outputUsdPerMTok: '15' }] } });
    expect(aiForecastStartupCheck({ strategy: 'ai-forecast', resolvedParams }, { OPENAI_API_KEY: 'sk' })).toEqual({ ok: false, missing: ['ANTHROPIC_API_KEY'] });
  });
});
