import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { FORECAST_ANSWER_JSON_SCHEMA, preview } from '../forecast.js';
import type { RetryPolicy } from '../retry.js';
import { createForecastModel, type ForecastModel, type ModelPrice, type ProviderReply, type RunnerDeps } from './model.js';
import { mapSdkError } from './sdk-errors.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** The one tool the model is forced to call; its input is the forecast. */
export const FORECAST_TOOL_NAME = 'submit_forecast';

export interface AnthropicForecastModelOptions {
  /** defaults to `anthropic:<model>` */
  readonly id?: string;
  readonly model: string;
  readonly apiKey: string;
  /** without the `/v1` suffix (the SDK adds `/v1/messages`) */
  readonly baseUrl?: string;
  readonly price: ModelPrice;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly maxOutputTokens: number;
  readonly temperature?: number;
  readonly deps?: Partial<RunnerDeps>;
}

/** The parts of a Messages API response we read, checked rather than trusted. */
const MessageReply = z.object({
  content: z.array(
    z.looseObject({
      type: z.string(),
      name: z.string().optional(),
      input: z.unknown().optional(),
      text: z.string().optional(),
    }),
  ),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({ input_tokens: z.number().int().nonnegative(), output_tokens: z.number().int().nonnegative() }),
});

/**
 * A forecast model on Anthropic's Messages API. Structured output comes from a tool whose input schema is
 * the answer schema, with `tool_choice` forcing the call, so the reply is a `tool_use` block, not prose.
 */
export function createAnthropicForecastModel(options: AnthropicForecastModelOptions): ForecastModel {
  const id = options.id ?? `anthropic:${options.model}`;
  // Explicit options only (STYLE #13); no SDK retries: `withTransportRetries` is the one retry layer.
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
    webhookKey: null,
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: 'off',
  });

  return createForecastModel({
    id,
    price: options.price,
    retry: options.retry,
    ...(options.deps ? { deps: options.deps } : {}),
    async call(prompt, signal): Promise<ProviderReply> {
      let raw: unknown;
      try {
        raw = await client.messages.create(
          {
            model: options.model,
            max_tokens: options.maxOutputTokens,
            system: prompt.system,
            messages: [{ role: 'user', content: prompt.user }],
            tools: [
              {
                name: FORECAST_TOOL_NAME,
                description: 'Submit your forecast for the market.',
                input_schema: { ...FORECAST_ANSWER_JSON_SCHEMA, required: [...FORECAST_ANSWER_JSON_SCHEMA.required] },
              },
            ],
            tool_choice: { type: 'tool', name: FORECAST_TOOL_NAME, disable_parallel_tool_use: true },
            stream: false,
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
          },
          { timeout: options.timeoutMs, ...(signal ? { signal } : {}) },
        );
      } catch (err) {
        throw mapSdkError(id, err, Anthropic, Date.now());
      }
      return readMessage(raw);
    },
  });
}

function readMessage(raw: unknown): ProviderReply {
  const parsed = MessageReply.safeParse(raw);
  if (!parsed.success) {
    return { usage: { inputTokens: 0, outputTokens: 0 }, answer: { ok: false, problem: 'bad_envelope', detail: 'not a Messages API response' } };
  }
  const usage = { inputTokens: parsed.data.usage.input_tokens, outputTokens: parsed.data.usage.output_tokens };
  const toolUse = parsed.data.content.find((b) => b.type === 'tool_use' && b.name === FORECAST_TOOL_NAME);
  if (parsed.data.stop_reason === 'max_tokens') {
    return { usage, answer: { ok: false, problem: 'truncated', detail: 'stopped at the output-token limit' } };
  }
  if (!toolUse) {
    const text = parsed.data.content.map((b) => b.text ?? '').join(' ');
    return {
      usage,
      answer: { ok: false, problem: 'no_tool_call', detail: `no ${FORECAST_TOOL_NAME} call; text: ${JSON.stringify(preview(text))}` },
    };
  }
  return { usage, answer: { ok: true, value: toolUse.input } };
}
