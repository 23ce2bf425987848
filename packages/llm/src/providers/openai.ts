import OpenAI from 'openai';
import { z } from 'zod';
import { FORECAST_ANSWER_JSON_SCHEMA, parseJsonReply, preview } from '../forecast.js';
import type { RetryPolicy } from '../retry.js';
import { createForecastModel, type ForecastModel, type ModelPrice, type ProviderReply, type RunnerDeps } from './model.js';
import { mapSdkError } from './sdk-errors.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiForecastModelOptions {
  /** defaults to `openai:<model>` */
  readonly id?: string;
  readonly model: string;
  readonly apiKey: string;
  /** any OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama …), including the `/v1` suffix */
  readonly baseUrl?: string;
  readonly price: ModelPrice;
  /** per-request timeout; a timed-out request counts as a transport failure and is retried per `retry` */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly maxOutputTokens: number;
  /**
   * `json_object` works on nearly every compatible server; `json_schema` (strict) makes OpenAI's own models
   * follow the schema exactly. Either way the answer is validated here.
   */
  readonly responseFormat?: 'json_object' | 'json_schema';
  /** omitted unless set: reasoning models reject the parameter */
  readonly temperature?: number;
  /** for tests: time and randomness of the retry loop */
  readonly deps?: Partial<RunnerDeps>;
}

/** The parts of a chat completion we read, checked rather than trusted. */
const ChatCompletionReply = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        message: z.object({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
      }),
    )
    .min(1),
  // some compatible servers omit usage; the call then costs 0 as far as we can tell
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() })
    .nullable()
    .optional(),
});

/** A forecast model on OpenAI's chat completions (or any endpoint that speaks them). Streaming is off. */
export function createOpenAiForecastModel(options: OpenAiForecastModelOptions): ForecastModel {
  const id = options.id ?? `openai:${options.model}`;
  // Every option the SDK would otherwise read from process.env is given explicitly (STYLE #13), and its own
  // retries are off: `withTransportRetries` is the one retry layer.
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: 'off',
  });
  const responseFormat =
    options.responseFormat === 'json_schema'
      ? {
          type: 'json_schema' as const,
          json_schema: { name: 'forecast', strict: true, schema: { ...FORECAST_ANSWER_JSON_SCHEMA } },
        }
      : { type: 'json_object' as const };

  return createForecastModel({
    id,
    price: options.price,
    retry: options.retry,
    ...(options.deps ? { deps: options.deps } : {}),
    async call(prompt, signal): Promise<ProviderReply> {
      let raw: unknown;
      try {
        raw = await client.chat.completions.create(
          {
            model: options.model,
            messages: [
              { role: 'system', content: prompt.system },
              { role: 'user', content: prompt.user },
            ],
            response_format: responseFormat,
            max_completion_tokens: options.maxOutputTokens,
            stream: false,
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          },
          { timeout: options.timeoutMs, ...(signal ? { signal } : {}) },
        );
      } catch (err) {
        throw mapSdkError(id, err, OpenAI, Date.now());
      }
      return readChatCompletion(raw);
    },
  });
}

function readChatCompletion(raw: unknown): ProviderReply {
  const parsed = ChatCompletionReply.safeParse(raw);
  if (!parsed.success) {
    return { usage: { inputTokens: 0, outputTokens: 0 }, answer: { ok: false, problem: 'bad_envelope', detail: 'not a chat completion' } };
  }
  const usage = {
    inputTokens: parsed.data.usage?.prompt_tokens ?? 0,
    outputTokens: parsed.data.usage?.completion_tokens ?? 0,
  };
  // .min(1) above guarantees a first choice
  const choice = parsed.data.choices[0] as (typeof parsed.data.choices)[number];
  const text = choice.message.content ?? '';
  if (choice.finish_reason === 'length') {
    return { usage, answer: { ok: false, problem: 'truncated', detail: `stopped at the output-token limit: ${JSON.stringify(preview(text))}` } };
  }
  if (text.trim() === '') {
    const refusal = choice.message.refusal;
    return { usage, answer: { ok: false, problem: 'empty', detail: refusal ? `refused: ${preview(refusal)}` : 'empty reply' } };
  }
  const json = parseJsonReply(text);
  return { usage, answer: json.ok ? json : { ok: false, problem: 'not_json', detail: json.detail } };
}
