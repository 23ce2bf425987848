import { describe, expect, it } from 'vitest';
import { ConfigError } from '@floor/domain';
import { missingApiKeys, parseEnsembleConfig } from './config.js';
import { createEnsembleMembers } from './models.js';

const models = [
  { provider: 'openai', model: 'gpt-4.1-mini', inputUsdPerMTok: '0.4', outputUsdPerMTok: '1.6' },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', inputUsdPerMTok: 3, outputUsdPerMTok: 15 },
];

describe('EnsembleConfig', () => {
  it('fills defaults and parses prices exactly into micro-USD per million tokens', () => {
    const config = parseEnsembleConfig({ models });
    expect(config.models[0]).toMatchObject({ inputUsdPerMTok: 400_000n, outputUsdPerMTok: 1_600_000n, weight: 1, requiresApiKey: true });
    expect(config).toMatchObject({
      aggregation: { method: 'trimmedMean', trimFraction: 0.2 },
      calibration: { a: 0.8, b: 0, minSamples: 50 },
      minEdgeBps: 300,
      kellyFraction: 0.25,
      dailyBudgetUsd: 5_000_000n,
      maxRetries: 2,
    });
  });

  it('rejects unknown fields, duplicate model ids and an unreachable quorum, naming the field', () => {
    expect(() => parseEnsembleConfig({ models, kelly: 0.5 })).toThrow(ConfigError);
    expect(() => parseEnsembleConfig({ models: [models[0], models[0]] })).toThrow(/models: two models share an id/);
    expect(() => parseEnsembleConfig({ models, minForecasts: 3 })).toThrow(/minForecasts/);
    expect(() => parseEnsembleConfig({ models: [{ ...models[1], responseFormat: 'json_schema' }] })).toThrow(/responseFormat/);
  });
});

describe('missingApiKeys', () => {
  const config = parseEnsembleConfig({ models });

  it('names the variables the configured providers need and the environment lacks', () => {
    expect(missingApiKeys(config, {})).toEqual(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY']);
    expect(missingApiKeys(config, { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: '  ' })).toEqual(['ANTHROPIC_API_KEY']);
    expect(missingApiKeys(config, { OPENAI_API_KEY: 'sk-x', ANTHROPIC_API_KEY: 'sk-ant' })).toEqual([]);
  });

  it('does not ask for a key for a keyless local server', () => {
    const local = parseEnsembleConfig({
      models: [{ provider: 'openai', model: 'llama', baseUrl: 'http://127.0.0.1:8080/v1', requiresApiKey: false, inputUsdPerMTok: 0, outputUsdPerMTok: 0 }],
    });
    expect(missingApiKeys(local, {})).toEqual([]);
  });

  it('keeps the agent from building models without the key, naming only the variable', () => {
    const err = (() => {
      try {
        createEnsembleMembers(config, { OPENAI_API_KEY: 'sk-secret-value' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('ANTHROPIC_API_KEY');
    expect((err as Error).message).not.toContain('sk-secret-value');
  });
});
