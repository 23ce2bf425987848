import type { AgentSpec, Env } from '@floor/config';
import { insertForecasts, type Db } from '@floor/db';
import { createForecastBroker, type ForecastBroker } from '@floor/kernel';
import { createEnsembleMembers, ensemblePort } from '@floor/llm';
import { aiForecastStartupCheck, forecastBudgetLimits, type AiForecastParams } from '@floor/strategies';
import type { Logger } from 'pino';

export type LiveForecastsResult =
  | { readonly kind: 'not-needed' }
  | { readonly kind: 'ready'; readonly broker: ForecastBroker }
  | { readonly kind: 'missing-keys'; readonly missing: readonly string[] };

/**
 * The live forecast port of an AI agent: the OpenAI/Anthropic ensemble its strategy file configures, every answer
 * stored in `forecasts`. An agent whose models need a key the environment lacks gets `missing-keys` (it must not
 * trade; `floor status` shows which variable), and a non-AI agent gets `not-needed`.
 */
export function createLiveForecasts(opts: { spec: AgentSpec; env: Env; db: Db; log: Logger }): LiveForecastsResult {
  const check = aiForecastStartupCheck(opts.spec, opts.env);
  if (!check.ok) return { kind: 'missing-keys', missing: check.missing };
  if (opts.spec.strategy !== 'ai-forecast') return { kind: 'not-needed' };
  // resolvedParams are the strategy schema's parsed output, validated when the file was read
  const config = (opts.spec.resolvedParams as AiForecastParams).llm;
  const members = createEnsembleMembers(config, opts.env);
  const broker = createForecastBroker({
    agentId: opts.spec.agentId,
    port: ensemblePort(members, config),
    limits: forecastBudgetLimits(opts.spec.resolvedParams),
    record: (rows) => insertForecasts(opts.db, rows),
    onSkip: (request, reason, detail) => opts.log.info({ marketId: request.marketId, reason, detail }, 'forecast skipped'),
  });
  return { kind: 'ready', broker };
}
