import { z } from 'zod';
import { ConfigError, describeIssues } from '@floor/domain';
import { UsdAmount, type Env } from '@floor/config';

/**
 * Configuration of the forecast ensemble (STYLE #13): one strict zod schema, every field described, units
 * in the names. Prices of models are in USD per million tokens as the providers list them, parsed exactly
 * into micro-USD.
 */

export const LlmProvider = z.enum(['openai', 'anthropic']);
export type LlmProvider = z.infer<typeof LlmProvider>;

/** The environment variable holding each provider's key. */
export const API_KEY_ENV = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
} as const satisfies Record<LlmProvider, keyof Env>;

export const ModelConfig = z
  .object({
    provider: LlmProvider,
    model: z.string().min(1).describe("the provider's model name, e.g. gpt-4.1-mini or claude-sonnet-4-5"),
    id: z.string().min(1).optional().describe('name in logs and stored forecasts; default `<provider>:<model>`'),
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('another endpoint speaking the same API (OpenAI: include /v1), e.g. a local model server'),
    requiresApiKey: z
      .boolean()
      .default(true)
      .describe('false for a local server that takes no key (the agent then starts without the env variable)'),
    weight: z.number().positive().default(1).describe('weight in the `weighted` aggregation'),
    inputUsdPerMTok: UsdAmount.describe('list price, USD per million input tokens'),
    outputUsdPerMTok: UsdAmount.describe('list price, USD per million output tokens'),
    responseFormat: z
      .enum(['json_object', 'json_schema'])
      .default('json_object')
      .describe('OpenAI only: JSON mode, or strict JSON schema (OpenAI-hosted models)'),
    temperature: z.number().min(0).max(2).optional().describe('omitted unless set (reasoning models reject it)'),
  })
  .strict()
  .refine((m) => m.provider === 'openai' || m.responseFormat === 'json_object', {
    message: 'responseFormat applies to openai models only',
    path: ['responseFormat'],
  });
export type ModelConfig = z.output<typeof ModelConfig>;

export const Aggregation = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('trimmedMean'),
      trimFraction: z
        .number()
        .min(0)
        .max(0.49)
        .default(0.2)
        .describe('share of forecasts dropped at each end before averaging (floor of n × fraction)'),
    })
    .strict(),
  z.object({ method: z.literal('median') }).strict(),
  z.object({ method: z.literal('weighted') }).strict().describe('weighted mean with each model\'s `weight`'),
]);
export type Aggregation = z.output<typeof Aggregation>;

export const CalibrationConfig = z
  .object({
    a: z
      .number()
      .positive()
      .default(0.8)
      .describe('slope in logit space: logit(p′) = a·logit(p) + b; below 1 shrinks toward 0.5'),
    b: z.number().default(0).describe('intercept in logit space; 0 = no bias toward YES or NO'),
    minSamples: z
      .number()
      .int()
      .min(10)
      .default(50)
      .describe('resolved forecasts needed before (a, b) is learned from them instead of taken from here'),
    l2: z.number().nonnegative().default(1).describe('ridge penalty pulling a fitted (a, b) toward the (a, b) above'),
  })
  .strict();
export type CalibrationConfig = z.output<typeof CalibrationConfig>;

export const EnsembleConfig = z
  .object({
    models: z.array(ModelConfig).min(1).describe('the models asked, concurrently, for each forecast'),
    aggregation: Aggregation.default({ method: 'trimmedMean', trimFraction: 0.2 }),
    minForecasts: z.number().int().min(1).default(1).describe('valid forecasts needed for an ensemble answer'),
    calibration: CalibrationConfig.default(CalibrationConfig.parse({})),
    minEdgeBps: z
      .number()
      .int()
      .nonnegative()
      .default(300)
      .describe('smallest edge worth trading, basis points of $1 per share, after the taker fee'),
    kellyFraction: z.number().gt(0).max(1).default(0.25).describe('share of the full-Kelly stake to take'),
    dailyBudgetUsd: UsdAmount.default(5_000_000n).describe('most the models may cost per UTC day, USD'),
    cooldownMs: z
      .number()
      .int()
      .nonnegative()
      .default(900_000)
      .describe('least time between two forecasts of the same market, ms (default 15 min)'),
    timeoutMs: z.number().int().positive().default(30_000).describe('timeout of one HTTP request to a model, ms'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(2)
      .describe('transport retries per request (429, 5xx, timeout), after the first attempt'),
    retryBaseDelayMs: z.number().int().positive().default(500).describe('first backoff without retry-after, ms; doubles'),
    retryMaxDelayMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('longest wait before a retry, ms; a longer retry-after fails the request instead'),
    maxOutputTokens: z.number().int().min(64).default(800).describe('output-token limit of one answer'),
  })
  .strict()
  .refine((c) => new Set(c.models.map(modelIdOf)).size === c.models.length, {
    message: 'two models share an id; give one of them an `id`',
    path: ['models'],
  })
  .refine((c) => c.minForecasts <= c.models.length, {
    message: 'minForecasts exceeds the number of models',
    path: ['minForecasts'],
  });
export type EnsembleConfig = z.output<typeof EnsembleConfig>;
export type EnsembleConfigInput = z.input<typeof EnsembleConfig>;

/** The id a configured model reports under. */
export function modelIdOf(m: Pick<ModelConfig, 'id' | 'provider' | 'model'>): string {
  return m.id ?? `${m.provider}:${m.model}`;
}

/** Parses an ensemble config (from a strategy file), throwing a `ConfigError` that names the bad field. */
export function parseEnsembleConfig(raw: unknown): EnsembleConfig {
  const result = EnsembleConfig.safeParse(raw);
  if (!result.success) throw new ConfigError(`invalid forecast ensemble config: ${describeIssues(result.error.issues)}`);
  return result.data;
}

/**
 * The API-key variables the configured models need and the environment lacks, e.g. `['ANTHROPIC_API_KEY']`.
 * Empty means the agent can start; `floor status` shows the names (never values).
 */
export function missingApiKeys(
  config: Pick<EnsembleConfig, 'models'>,
  env: Pick<Env, (typeof API_KEY_ENV)[LlmProvider]>,
): Array<(typeof API_KEY_ENV)[LlmProvider]> {
  const missing = new Set<(typeof API_KEY_ENV)[LlmProvider]>();
  for (const m of config.models) {
    const variable = API_KEY_ENV[m.provider];
    if (m.requiresApiKey && !env[variable]?.trim()) missing.add(variable);
  }
  return [...missing];
}
