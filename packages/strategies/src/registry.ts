import { describeIssues } from '@floor/domain';
import { aiForecast } from './ai-forecast.js';
import { latencyProbe } from './latency-probe.js';
import { meanReversion } from './mean-reversion.js';
import { momentum } from './momentum.js';
import { parityArbitrage } from './parity-arbitrage.js';
import { volumeSpike } from './volume-spike.js';
import type { AnyStrategy } from './strategy.js';

/**
 * Every strategy the floor can run, by name. Static on purpose: a strategy file names one of these, and the
 * live agent, the backtester and the Boss's clone test all resolve it here, so they run the same code.
 * Add a strategy by importing it and listing it below.
 */
const STRATEGIES: ReadonlyMap<string, AnyStrategy> = new Map(
  [momentum, meanReversion, volumeSpike, parityArbitrage, aiForecast, latencyProbe].map((s) => s as AnyStrategy).map((s) => [s.name, s] as const),
);

/** The strategy registered under `name`; throws naming the known ones when there is none. */
export function getStrategy(name: string): AnyStrategy {
  const strategy = STRATEGIES.get(name);
  if (!strategy) throw new Error(`unknown strategy '${name}' (known: ${[...STRATEGIES.keys()].sort().join(', ')})`);
  return strategy;
}

/** Registered strategies, by name. */
export function listStrategies(): AnyStrategy[] {
  return [...STRATEGIES.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Parses a strategy file's `params` against the strategy's schema and returns them with defaults filled.
 * Throws an Error whose message names each bad field, e.g. `params.lookback: Too small: expected number to be >=2`.
 * Param schemas are strict, so a misspelt field is reported rather than silently replaced by its default.
 * This is the `ParamsValidator` the Boss and the agent pass to `loadStrategyDir` / `parseStrategyFile`.
 */
export function validateStrategyParams(name: string, params: Record<string, unknown>): Record<string, unknown> {
  const strategy = getStrategy(name);
  const result = strategy.params.safeParse(params);
  if (!result.success) {
    throw new Error(describeIssues(result.error.issues.map((i) => ({ ...i, path: ['params', ...i.path] }))));
  }
  return result.data as Record<string, unknown>;
}
