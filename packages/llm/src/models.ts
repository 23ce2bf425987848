import { ConfigError } from '@floor/domain';
import type { Env } from '@floor/config';
import { API_KEY_ENV, missingApiKeys, modelIdOf, type EnsembleConfig, type LlmProvider } from './config.js';
import type { EnsembleMember } from './ensemble.js';
import { createAnthropicForecastModel } from './providers/anthropic.js';
import type { RunnerDeps } from './providers/model.js';
import { createOpenAiForecastModel } from './providers/openai.js';

/** SDKs insist on a key; a keyless local server gets this one, which it ignores. */
const NO_KEY_PLACEHOLDER = 'no-key';

/**
 * Builds the configured models. Throws a `ConfigError` naming the missing API-key variables (names only,
 * never values) when a configured provider has no key.
 */
export function createEnsembleMembers(
  config: EnsembleConfig,
  env: Pick<Env, (typeof API_KEY_ENV)[LlmProvider]>,
  deps?: Partial<RunnerDeps>,
): EnsembleMember[] {
  const missing = missingApiKeys(config, env);
  if (missing.length > 0) {
    throw new ConfigError(`the forecast models need ${missing.join(', ')}, which the environment does not set`, { missing });
  }
  const retry = { maxRetries: config.maxRetries, baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs };
  return config.models.map((m) => {
    const common = {
      id: modelIdOf(m),
      model: m.model,
      apiKey: env[API_KEY_ENV[m.provider]]?.trim() || NO_KEY_PLACEHOLDER,
      price: { inputUsdPerMTok: m.inputUsdPerMTok, outputUsdPerMTok: m.outputUsdPerMTok },
      timeoutMs: config.timeoutMs,
      retry,
      maxOutputTokens: config.maxOutputTokens,
      ...(m.baseUrl === undefined ? {} : { baseUrl: m.baseUrl }),
      ...(m.temperature === undefined ? {} : { temperature: m.temperature }),
      ...(deps === undefined ? {} : { deps }),
    };
    const model =
      m.provider === 'openai'
        ? createOpenAiForecastModel({ ...common, responseFormat: m.responseFormat })
        : createAnthropicForecastModel(common);
    return { model, weight: m.weight };
  });
}
