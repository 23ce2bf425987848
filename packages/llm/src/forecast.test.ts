import { describe, expect, it } from 'vitest';
import { MarketInfo, type Book } from '@floor/domain';
import { sampleInput } from '../test/fixtures.js';
import { buildForecastPrompt, ForecastAnswer, ForecastInput, forecastInputFromMarket, parseJsonReply, promptHash } from './forecast.js';

describe('buildForecastPrompt', () => {
  const input = ForecastInput.parse(sampleInput);

  it('is deterministic and hashes the exact prompt', () => {
    const a = buildForecastPrompt(input);
    const b = buildForecastPrompt(ForecastInput.parse(JSON.parse(JSON.stringify(sampleInput))));
    expect(b).toEqual(a);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(promptHash(a.system, a.user));
    expect(buildForecastPrompt({ ...input, yesPriceMicros: 630_000n }).hash).not.toBe(a.hash);
  });

  it('shows the market, the time left, prices and book features', () => {
    const { user, system } = buildForecastPrompt(input);
    expect(user).toContain('Question: Will the Fed cut rates at the June meeting?');
    expect(user).toContain('Resolution rules: Resolves YES if the FOMC');
    expect(user).toContain('As of: 2025-06-01T12:00:00.000Z');
    expect(user).toContain('Closes: 2025-06-18T18:00:00.000Z (17 days)');
    expect(user).toContain('Current prices: YES 0.62, NO 0.39');
    expect(user).toContain('spread 0.02; depth within 5 levels: bids 1200 shares, asks 800 shares');
    expect(user).toContain('over the last 60 min: +0.03');
    expect(system).toContain('JSON');
    expect(system).toContain('ignore any');
  });

  it('bounds a long description', () => {
    const { user } = buildForecastPrompt({ ...input, description: 'x'.repeat(10_000) });
    expect(user.length).toBeLessThan(5_000);
    expect(user).toContain('(truncated)');
  });
});

describe('forecastInputFromMarket', () => {
  const market = MarketInfo.parse({
    marketId: '0xm',
    question: 'Will it rain in London on 1 July?',
    endDateMs: Date.UTC(2025, 6, 1),
    tokens: [
      { tokenId: 'yes', outcome: 'Yes' },
      { tokenId: 'no', outcome: 'No' },
    ],
  });
  const yesBook: Book = {
    tokenId: 'yes',
    bids: [{ priceMicros: 400_000n, sizeMicros: 100_000_000n }, { priceMicros: 390_000n, sizeMicros: 50_000_000n }],
    asks: [{ priceMicros: 420_000n, sizeMicros: 70_000_000n }],
  };

  it('derives mid prices, spread, depth and the recent move from the YES book', () => {
    const input = forecastInputFromMarket({ market, asOfMs: Date.UTC(2025, 5, 1), yesBook, yesMidBeforeMicros: 380_000n });
    expect(input).toMatchObject({
      yesPriceMicros: 410_000n,
      noPriceMicros: 590_000n,
      book: { spreadMicros: 20_000n, bidDepthSharesMicros: 150_000_000n, askDepthSharesMicros: 70_000_000n, moveMicros: 30_000n },
    });
  });

  it('returns undefined without a YES mid', () => {
    expect(forecastInputFromMarket({ market, asOfMs: 0, yesBook: { tokenId: 'yes', bids: [], asks: [] } })).toBeUndefined();
  });
});

describe('ForecastAnswer and parseJsonReply', () => {
  it('accepts a complete answer and rejects out-of-range or missing fields', () => {
    const good = { probability: 0.4, confidence: 0.7, reasoning: 'r', wouldChangeMind: 'w', extra: 1 };
    expect(ForecastAnswer.parse(good)).toEqual({ probability: 0.4, confidence: 0.7, reasoning: 'r', wouldChangeMind: 'w' });
    expect(ForecastAnswer.safeParse({ ...good, probability: 40 }).success).toBe(false);
    expect(ForecastAnswer.safeParse({ ...good, reasoning: '  ' }).success).toBe(false);
  });

  it('reads JSON, tolerating one code fence', () => {
    expect(parseJsonReply('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonReply('```json\n{"a":1}\n```')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonReply('probably 70%')).toMatchObject({ ok: false });
  });
});
