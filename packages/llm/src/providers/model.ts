import { z } from 'zod';
import { describeIssues, divRound, MicrosWire, MICROS_PER_UNIT, type UsdMicros } from '@floor/domain';
import { addSpend, LlmAnswerInvalid, LlmError, NO_SPEND, type AnswerProblem, type Spend } from '../errors.js';
import { buildForecastPrompt, ForecastAnswer, ForecastInput, type ForecastPrompt } from '../forecast.js';
import { realRetryDeps, withTransportRetries, type RetryDeps, type RetryPolicy } from '../retry.js';

/** One model's forecast, with what it cost. Parse stored rows with this schema (bigints travel as strings). */
export const ModelForecast = z.object({
  modelId: z.string().min(1),
  answer: ForecastAnswer,
  promptHash: z.string().regex(/^[0-9a-f]{64}$/),
  promptVersion: z.number().int().positive(),
  /** summed over every attempt, a discarded malformed answer included: the provider billed it */
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costMicros: MicrosWire.describe('micro-USD, rounded up'),
  /** wall time of the whole call, retries and backoff included */
  latencyMs: z.number().nonnegative(),
  /** answer attempts made (1, or 2 after a malformed first answer) */
  attempts: z.number().int().positive(),
});
export type ModelForecast = z.output<typeof ModelForecast>;

/** The port the AI-forecast agent calls: one model, one market, one forecast (or a typed `LlmError`). */
export interface ForecastModel {
  readonly id: string;
  forecast(input: ForecastInput, signal?: AbortSignal): Promise<ModelForecast>;
}

/** A model's list prices; per-token price in micro-USD equals the price per million tokens in USD. */
export interface ModelPrice {
  /** USD per million input tokens, held as micro-USD */
  readonly inputUsdPerMTok: UsdMicros;
  /** USD per million output tokens, held as micro-USD */
  readonly outputUsdPerMTok: UsdMicros;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Cost of a call in micro-USD: tokens × (USD per MTok) / 10^6, rounded up once. */
export function costMicros(usage: TokenUsage, price: ModelPrice): UsdMicros {
  const scaled =
    BigInt(usage.inputTokens) * price.inputUsdPerMTok + BigInt(usage.outputTokens) * price.outputUsdPerMTok;
  return divRound(scaled, MICROS_PER_UNIT, 'ceil');
}

/** What one provider call produced: a candidate answer (unvalidated) or the reason there is none. */
export interface ProviderReply {
  readonly usage: TokenUsage;
  readonly answer: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: AnswerProblem; readonly detail: string };
}

/**
 * One request to a provider. Implementations map every SDK failure to an `LlmError`
 * (`LlmUnavailable` for what is worth retrying).
 */
export type ProviderCall = (prompt: ForecastPrompt, signal: AbortSignal | undefined) => Promise<ProviderReply>;

export interface RunnerDeps extends RetryDeps {
  /** monotonic milliseconds, for latency */
  nowMs(): number;
}

export const realRunnerDeps: RunnerDeps = { ...realRetryDeps, nowMs: () => performance.now() };

/** Answer attempts per forecast: a malformed answer is retried once, then the forecast is dropped. */
const ANSWER_ATTEMPTS = 2;

/**
 * Wraps a provider call into a `ForecastModel`: builds the prompt, retries the transport per `retry`,
 * validates the answer with zod, asks once more after a malformed answer (same prompt, so the stored hash
 * stays exact), and accounts tokens, cost and latency.
 */
export function createForecastModel(options: {
  id: string;
  price: ModelPrice;
  retry: RetryPolicy;
  call: ProviderCall;
  deps?: Partial<RunnerDeps>;
}): ForecastModel {
  const { id, price, retry, call } = options;
  const deps: RunnerDeps = { ...realRunnerDeps, ...options.deps };

  return {
    id,
    async forecast(rawInput, signal) {
      const prompt = buildForecastPrompt(ForecastInput.parse(rawInput));
      const startedMs = deps.nowMs();
      let spent: Spend = NO_SPEND;
      let lastProblem: { problem: AnswerProblem; detail: string } = { problem: 'empty', detail: 'no attempt made' };

      try {
        for (let attempt = 1; attempt <= ANSWER_ATTEMPTS; attempt += 1) {
          const reply = await withTransportRetries(id, () => call(prompt, signal), retry, deps, signal);
          spent = addSpend(spent, { ...reply.usage, costMicros: costMicros(reply.usage, price) });

          const checked = validateAnswer(reply.answer);
          if (checked.ok) {
            return {
              modelId: id,
              answer: checked.answer,
              promptHash: prompt.hash,
              promptVersion: prompt.version,
              inputTokens: spent.inputTokens,
              outputTokens: spent.outputTokens,
              costMicros: spent.costMicros,
              latencyMs: deps.nowMs() - startedMs,
              attempts: attempt,
            };
          }
          lastProblem = checked;
        }
        throw new LlmAnswerInvalid(id, lastProblem.problem, lastProblem.detail, ANSWER_ATTEMPTS);
      } catch (err) {
        if (err instanceof LlmError) {
          err.spend = addSpend(err.spend, spent);
        }
        throw err;
      }
    },
  };
}

function validateAnswer(
  answer: ProviderReply['answer'],
): { ok: true; answer: ForecastAnswer } | { ok: false; problem: AnswerProblem; detail: string } {
  if (!answer.ok) return answer;
  const parsed = ForecastAnswer.safeParse(answer.value);
  if (parsed.success) return { ok: true, answer: parsed.data };
  return { ok: false, problem: 'schema', detail: describeIssues(parsed.error.issues) };
}
