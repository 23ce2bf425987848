import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeReply, startFakeLlmServer, type FakeLlmServer } from '../test/fake-llm-server.js';
import { sampleInput } from '../test/fixtures.js';
import { parseEnsembleConfig, type EnsembleConfigInput } from './config.js';
import { aggregateProbabilities, runEnsemble } from './ensemble.js';
import { buildForecastPrompt, ForecastInput } from './forecast.js';
import { createEnsembleMembers } from './models.js';

const env = { OPENAI_API_KEY: 'sk-test-openai', ANTHROPIC_API_KEY: 'sk-ant-test' };
const noSleep = { sleep: async () => {}, random: () => 0.5 };

let server: FakeLlmServer;
beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

/** Three models on the fake server, configured the way a strategy file would configure them. */
function ensembleConfig(overrides: Partial<EnsembleConfigInput> = {}) {
  return parseEnsembleConfig({
    models: [
      { provider: 'openai', model: 'gpt-a', baseUrl: server.openAiBaseUrl, inputUsdPerMTok: '2.5', outputUsdPerMTok: 10 },
      { provider: 'anthropic', model: 'claude-b', baseUrl: server.anthropicBaseUrl, inputUsdPerMTok: 3, outputUsdPerMTok: 15, weight: 2 },
      { provider: 'openai', model: 'local-c', baseUrl: server.openAiBaseUrl, requiresApiKey: false, inputUsdPerMTok: 0, outputUsdPerMTok: 0 },
    ],
    maxRetries: 1,
    timeoutMs: 2_000,
    ...overrides,
  });
}

describe('runEnsemble against both providers', () => {
  it('aggregates good answers from OpenAI and Anthropic and totals tokens and cost', async () => {
    server.script('gpt-a', fakeReply.answer(0.6, { confidence: 0.5 }));
    server.script('claude-b', fakeReply.answer(0.7, { confidence: 0.7 }));
    server.script('local-c', fakeReply.answer(0.95, { confidence: 0.9 }));
    const config = ensembleConfig({ aggregation: { method: 'median' } });

    const result = await runEnsemble(createEnsembleMembers(config, env, noSleep), sampleInput, config);

    expect(result.status).toBe('ok');
    if (result.status !== 'ok') return;
    expect(result.probability).toBeCloseTo(0.7, 12);
    expect(result.confidence).toBeCloseTo(0.7, 12);
    expect(result.forecasts.map((f) => f.modelId).sort()).toEqual(['anthropic:claude-b', 'openai:gpt-a', 'openai:local-c']);
    expect(result.failures).toEqual([]);
    expect(result.promptHash).toBe(buildForecastPrompt(ForecastInput.parse(sampleInput)).hash);
    // 3 × (420 in, 85 out); cost: gpt-a 420×2.5 + 85×10 = 1900, claude-b 420×3 + 85×15 = 2535, local-c 0
    expect(result.total).toEqual({ inputTokens: 1_260, outputTokens: 255, costMicros: 4_435n });
    // all three asked concurrently, the keyless local model with a placeholder key
    expect(server.requests).toHaveLength(3);
  });

  it('weights models in the weighted aggregation', async () => {
    server.script('gpt-a', fakeReply.answer(0.6));
    server.script('claude-b', fakeReply.answer(0.7));
    server.script('local-c', fakeReply.answer(0.9));
    const config = ensembleConfig({ aggregation: { method: 'weighted' } });

    const result = await runEnsemble(createEnsembleMembers(config, env, noSleep), sampleInput, config);

    // (0.6 × 1 + 0.7 × 2 + 0.9 × 1) / 4
    expect(result.status === 'ok' && result.probability).toBeCloseTo(0.725, 12);
  });

  it('still answers when one model fails, and reports which and why (cost of the failure included)', async () => {
    server.script('gpt-a', fakeReply.answer(0.6));
    server.script('claude-b', fakeReply.notJson(), fakeReply.notJson());
    server.script('local-c', fakeReply.serverError(), fakeReply.serverError());
    const config = ensembleConfig();

    const result = await runEnsemble(createEnsembleMembers(config, env, noSleep), sampleInput, config);

    expect(result.status).toBe('ok');
    expect(result.status === 'ok' && result.probability).toBeCloseTo(0.6, 12);
    expect(result.failures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ modelId: 'anthropic:claude-b', kind: 'answer_invalid', retryable: false }),
        expect.objectContaining({ modelId: 'openai:local-c', kind: 'server_error', retryable: true }),
      ]),
    );
    // the two malformed Anthropic answers were billed: 2 × 2535 micro-USD, plus gpt-a's 1900
    expect(result.total.costMicros).toBe(1_900n + 2n * 2_535n);
  });

  it('is insufficient when fewer than minForecasts models answer', async () => {
    server.script('gpt-a', fakeReply.answer(0.6));
    server.script('claude-b', { kind: 'error', status: 401 });
    server.script('local-c', fakeReply.invalidJson(), fakeReply.invalidJson());
    const config = ensembleConfig({ minForecasts: 2 });

    const result = await runEnsemble(createEnsembleMembers(config, env, noSleep), sampleInput, config);

    expect(result.status).toBe('insufficient');
    expect(result.forecasts).toHaveLength(1);
    expect(result.failures.map((f) => f.kind).sort()).toEqual(['answer_invalid', 'rejected']);
  });
});

describe('aggregateProbabilities', () => {
  const values = [0.1, 0.5, 0.55, 0.6, 0.99].map((probability) => ({ probability, weight: 1 }));

  it('trims floor(n × fraction) forecasts from each end', () => {
    expect(aggregateProbabilities(values, { method: 'trimmedMean', trimFraction: 0.2 })).toBeCloseTo(0.55, 12);
    expect(aggregateProbabilities(values, { method: 'trimmedMean', trimFraction: 0 })).toBeCloseTo(0.548, 12);
  });

  it('takes the median, averaging the middle two of an even count', () => {
    expect(aggregateProbabilities(values, { method: 'median' })).toBe(0.55);
    expect(aggregateProbabilities(values.slice(0, 4), { method: 'median' })).toBeCloseTo(0.525, 12);
  });

  it('refuses to aggregate nothing', () => {
    expect(() => aggregateProbabilities([], { method: 'median' })).toThrow(RangeError);
  });
});
