import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeReply, startFakeLlmServer, type FakeLlmServer } from '../../test/fake-llm-server.js';
import { LlmAborted, LlmAnswerInvalid, LlmRequestRejected, LlmUnavailable } from '../errors.js';
import { buildForecastPrompt, ForecastInput } from '../forecast.js';
import { sampleInput } from '../../test/fixtures.js';
import type { RetryPolicy } from '../retry.js';
import { createAnthropicForecastModel, FORECAST_TOOL_NAME } from './anthropic.js';
import type { ForecastModel, RunnerDeps } from './model.js';
import { createOpenAiForecastModel } from './openai.js';

/**
 * The real `openai` and `@anthropic-ai/sdk` clients against the local fake server: what goes over the wire,
 * and how answers and failures come back.
 */

const OPENAI_KEY = 'sk-test-openai-0123456789';
const ANTHROPIC_KEY = 'sk-ant-test-0123456789';


/** $2.50 / $10 per million tokens, held as micro-USD */
const price = { inputUsdPerMTok: 2_500_000n, outputUsdPerMTok: 10_000_000n };
const retry: RetryPolicy = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 5_000 };

let server: FakeLlmServer;
let sleeps: number[];
/** retry waits are recorded, not slept, so the tests are fast and exact */
const deps: Partial<RunnerDeps> = {
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
};

beforeAll(async () => {
  server = await startFakeLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  sleeps = [];
});

function openAi(model = 'gpt-test', overrides: { timeoutMs?: number; retry?: RetryPolicy } = {}): ForecastModel {
  return createOpenAiForecastModel({
    model,
    apiKey: OPENAI_KEY,
    baseUrl: server.openAiBaseUrl,
    price,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    retry: overrides.retry ?? retry,
    maxOutputTokens: 500,
    deps,
  });
}

function anthropic(model = 'claude-test', overrides: { timeoutMs?: number; retry?: RetryPolicy } = {}): ForecastModel {
  return createAnthropicForecastModel({
    model,
    apiKey: ANTHROPIC_KEY,
    baseUrl: server.anthropicBaseUrl,
    price,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    retry: overrides.retry ?? retry,
    maxOutputTokens: 500,
    deps,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('OpenAI forecast model', () => {
  it('sends the prompt in JSON mode with the key, and returns the validated answer with its cost', async () => {
    server.script('gpt-test', fakeReply.answer(0.64, {}, { inputTokens: 1_000, outputTokens: 100 }));

    const forecast = await openAi().forecast(ForecastInput.parse(sampleInput));

    const prompt = buildForecastPrompt(ForecastInput.parse(sampleInput));
    expect(forecast).toMatchObject({
      modelId: 'openai:gpt-test',
      answer: { probability: 0.64, confidence: 0.6 },
      promptHash: prompt.hash,
      inputTokens: 1_000,
      outputTokens: 100,
      attempts: 1,
    });
    // 1000 × $2.50/M + 100 × $10/M = $0.0035
    expect(forecast.costMicros).toBe(3_500n);
    expect(forecast.latencyMs).toBeGreaterThanOrEqual(0);

    const [request] = server.requestsFor('gpt-test');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request?.body).toMatchObject({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: prompt.system },
        { role: 'user', content: prompt.user },
      ],
      response_format: { type: 'json_object' },
      max_completion_tokens: 500,
      stream: false,
    });
  });

  it('retries a reply that is not JSON once, then drops the forecast with LlmAnswerInvalid', async () => {
    server.script('gpt-test', fakeReply.notJson(), fakeReply.notJson());

    const err = await rejection(openAi().forecast(ForecastInput.parse(sampleInput)));

    expect(err).toBeInstanceOf(LlmAnswerInvalid);
    const invalid = err as LlmAnswerInvalid;
    expect(invalid).toMatchObject({ modelId: 'openai:gpt-test', problem: 'not_json', attempts: 2, retryable: false });
    expect(invalid.message).toContain('openai:gpt-test');
    // both malformed answers were billed
    expect(invalid.spend).toEqual({ inputTokens: 840, outputTokens: 170, costMicros: 3_800n });
    expect(server.requestsFor('gpt-test')).toHaveLength(2);
  });

  it('accepts a good second answer after a malformed first, counting the tokens of both', async () => {
    server.script('gpt-test', fakeReply.notJson(), fakeReply.answer(0.3));

    const forecast = await openAi().forecast(ForecastInput.parse(sampleInput));

    expect(forecast).toMatchObject({ attempts: 2, inputTokens: 840, outputTokens: 170, answer: { probability: 0.3 } });
    const [first, second] = server.requestsFor('gpt-test');
    expect(second?.body).toEqual(first?.body); // the same prompt, so the stored hash is exact
  });

  it('names the failing field when the JSON fails the schema', async () => {
    server.script('gpt-test', fakeReply.invalidJson({ probability: 1.7, confidence: 0.5, reasoning: 'x', wouldChangeMind: 'y' }), fakeReply.invalidJson());

    const err = (await rejection(openAi().forecast(ForecastInput.parse(sampleInput)))) as LlmAnswerInvalid;

    expect(err).toBeInstanceOf(LlmAnswerInvalid);
    expect(err.problem).toBe('schema');
    expect(err.detail).toContain('probability');
  });

  it('waits as retry-after says after a 429, then succeeds', async () => {
    server.script('gpt-test', fakeReply.rateLimited(2), fakeReply.answer(0.55));

    const forecast = await openAi().forecast(ForecastInput.parse(sampleInput));

    expect(forecast.answer.probability).toBe(0.55);
    expect(sleeps).toEqual([2_000]);
    expect(server.requestsFor('gpt-test')).toHaveLength(2);
  });

  it('gives up at once when retry-after is longer than the policy allows', async () => {
    server.script('gpt-test', fakeReply.rateLimited(600));

    const err = await rejection(openAi().forecast(ForecastInput.parse(sampleInput)));

    expect(err).toBeInstanceOf(LlmUnavailable);
    expect(err).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 600_000, retryable: true });
    expect(server.requestsFor('gpt-test')).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 500 with exponential backoff and reports LlmUnavailable when retries run out', async () => {
    server.script('gpt-test', fakeReply.serverError(), fakeReply.serverError(), fakeReply.serverError());

    const err = await rejection(openAi().forecast(ForecastInput.parse(sampleInput)));

    expect(err).toBeInstanceOf(LlmUnavailable);
    expect(err).toMatchObject({ kind: 'server_error', status: 500, retryable: true });
    expect(server.requestsFor('gpt-test')).toHaveLength(3); // 1 + maxRetries
    // equal jitter with random() = 0.5: 3/4 of 100 ms, then of 200 ms
    expect(sleeps).toEqual([75, 150]);
  });

  it('recovers from a 500 followed by a good answer', async () => {
    server.script('gpt-test', fakeReply.serverError(503), fakeReply.answer(0.42));

    await expect(openAi().forecast(ForecastInput.parse(sampleInput))).resolves.toMatchObject({ answer: { probability: 0.42 } });
  });

  it('times out a request that hangs, retries it, then reports a retryable timeout', async () => {
    server.script('gpt-test', fakeReply.hang(), fakeReply.hang());
    const model = openAi('gpt-test', { timeoutMs: 200, retry: { ...retry, maxRetries: 1 } });

    const startedMs = Date.now();
    const err = await rejection(model.forecast(ForecastInput.parse(sampleInput)));

    expect(err).toBeInstanceOf(LlmUnavailable);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(server.requestsFor('gpt-test')).toHaveLength(2);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(380);
  });

  it('does not retry a rejected request (401) and never puts the key in the error', async () => {
    server.script('gpt-test', { kind: 'error', status: 401 });

    const err = await rejection(openAi().forecast(ForecastInput.parse(sampleInput)));

    expect(err).toBeInstanceOf(LlmRequestRejected);
    expect(err).toMatchObject({ status: 401, retryable: false, code: 'CONFIG_INVALID' });
    expect(server.requestsFor('gpt-test')).toHaveLength(1);
    expect(JSON.stringify({ message: (err as Error).message, context: (err as LlmRequestRejected).context })).not.toContain(OPENAI_KEY);
  });

  it("stops when the caller's signal aborts", async () => {
    server.script('gpt-test', fakeReply.hang());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const err = await rejection(openAi().forecast(ForecastInput.parse(sampleInput), controller.signal));

    expect(err).toBeInstanceOf(LlmAborted);
    expect(server.requestsFor('gpt-test')).toHaveLength(1);
  });

  it('sends a strict JSON schema when configured for json_schema', async () => {
    const model = createOpenAiForecastModel({
      model: 'gpt-schema',
      apiKey: OPENAI_KEY,
      baseUrl: server.openAiBaseUrl,
      price,
      timeoutMs: 5_000,
      retry,
      maxOutputTokens: 500,
      responseFormat: 'json_schema',
      deps,
    });
    await model.forecast(ForecastInput.parse(sampleInput));

    expect(server.requestsFor('gpt-schema')[0]?.body).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'forecast', strict: true, schema: { additionalProperties: false } } },
    });
  });
});

describe('Anthropic forecast model', () => {
  it('forces the forecast tool, sends the key, and reads the tool input as the answer', async () => {
    server.script('claude-test', fakeReply.answer(0.71, { confidence: 0.8 }, { inputTokens: 2_000, outputTokens: 300 }));

    const forecast = await anthropic().forecast(ForecastInput.parse(sampleInput));

    const prompt = buildForecastPrompt(ForecastInput.parse(sampleInput));
    expect(forecast).toMatchObject({
      modelId: 'anthropic:claude-test',
      answer: { probability: 0.71, confidence: 0.8 },
      promptHash: prompt.hash,
      inputTokens: 2_000,
      outputTokens: 300,
      costMicros: 8_000n, // 2000 × 2.5 + 300 × 10 micro-USD
    });
    const [request] = server.requestsFor('claude-test');
    expect(request?.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token; older releases used x-api-key
    expect(request?.headers.authorization ?? request?.headers['x-api-key']).toMatch(new RegExp(`(^|Bearer )${ANTHROPIC_KEY}$`));
    expect(request?.body).toMatchObject({
      model: 'claude-test',
      max_tokens: 500,
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      tool_choice: { type: 'tool', name: FORECAST_TOOL_NAME },
      tools: [{ name: FORECAST_TOOL_NAME, input_schema: { type: 'object', required: ['probability', 'confidence', 'reasoning', 'wouldChangeMind'] } }],
    });
  });

  it('retries a text reply (no tool call) once, then drops it', async () => {
    server.script('claude-test', fakeReply.notJson(), fakeReply.notJson());

    const err = (await rejection(anthropic().forecast(ForecastInput.parse(sampleInput)))) as LlmAnswerInvalid;

    expect(err).toBeInstanceOf(LlmAnswerInvalid);
    expect(err).toMatchObject({ modelId: 'anthropic:claude-test', problem: 'no_tool_call', attempts: 2 });
    expect(server.requestsFor('claude-test')).toHaveLength(2);
  });

  it('drops a tool input that fails the schema after one retry', async () => {
    server.script('claude-test', fakeReply.invalidJson(), fakeReply.invalidJson());

    const err = (await rejection(anthropic().forecast(ForecastInput.parse(sampleInput)))) as LlmAnswerInvalid;

    expect(err.problem).toBe('schema');
    expect(server.requestsFor('claude-test')).toHaveLength(2);
  });

  it('honours retry-after on a 429, then succeeds', async () => {
    server.script('claude-test', fakeReply.rateLimited(1), fakeReply.answer(0.2));

    await expect(anthropic().forecast(ForecastInput.parse(sampleInput))).resolves.toMatchObject({ answer: { probability: 0.2 } });
    expect(sleeps).toEqual([1_000]);
  });

  it('treats an overloaded 529 as a retryable server error', async () => {
    server.script('claude-test', fakeReply.serverError(529), fakeReply.serverError(529), fakeReply.serverError(529));

    const err = await rejection(anthropic().forecast(ForecastInput.parse(sampleInput)));

    expect(err).toMatchObject({ kind: 'server_error', status: 529, retryable: true });
    expect(server.requestsFor('claude-test')).toHaveLength(3);
  });

  it('times out a hanging request', async () => {
    server.script('claude-test', fakeReply.hang());
    const model = anthropic('claude-test', { timeoutMs: 150, retry: { ...retry, maxRetries: 0 } });

    await expect(model.forecast(ForecastInput.parse(sampleInput))).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    expect(server.requestsFor('claude-test')).toHaveLength(1);
  });
});
