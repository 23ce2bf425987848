import { buildForecastPrompt, logit, sigmoid, PROMPT_VERSION, type EnsembleResult, type ForecastInput, type ForecastPort } from '@floor/llm';
import { Random } from '@floor/sim';
import type { MarketEvent } from '@floor/domain';

/**
 * BACKTEST / TEST ONLY. A forecast port that knows how every market resolves and answers with a noisy, seeded
 * version of the truth. It never calls a model and costs nothing. It exists to exercise the AI agent's plumbing
 * (requests, budget, calibration, sizing, Brier score) deterministically; a backtest run on it says nothing about
 * what real models would earn, because real models do not know the outcome.
 *
 * Its answer, in logit space: logit(market YES price) + `skill` toward the true outcome + N(0, `noiseSd`). The noise
 * is drawn from a stream derived from (seed, market, asOfMs), so the answer does not depend on call order.
 */
export interface NoisyOracleOptions {
  readonly seed: number;
  /** marketId → 1 if YES wins, 0 if NO wins; markets not listed get the market price plus noise */
  readonly outcomes: ReadonlyMap<string, 0 | 1>;
  /** pull toward the truth, in logit units (0 = no knowledge beyond the price); default 1 */
  readonly skill?: number;
  /** noise, in logit units; default 0.5 */
  readonly noiseSd?: number;
}

export const NOISY_ORACLE_SOURCE = 'backtest:noisy-oracle';

export function noisyOraclePort(opts: NoisyOracleOptions): ForecastPort {
  const skill = opts.skill ?? 1;
  const noiseSd = opts.noiseSd ?? 0.5;
  return {
    source: NOISY_ORACLE_SOURCE,
    async forecast(input: ForecastInput): Promise<EnsembleResult> {
      const outcome = opts.outcomes.get(input.marketId);
      const price = Number(input.yesPriceMicros) / 1e6;
      const pull = outcome === undefined ? 0 : outcome === 1 ? skill : -skill;
      const noise = Random.derive(opts.seed, `${input.marketId}|${input.asOfMs}`).normal(0, noiseSd);
      const probability = sigmoid(logit(price) + pull + noise);
      const promptHash = buildForecastPrompt(input).hash;
      const answer = { probability, confidence: 0.5, reasoning: 'backtest oracle', wouldChangeMind: 'n/a' };
      const forecast = { modelId: NOISY_ORACLE_SOURCE, answer, promptHash, promptVersion: PROMPT_VERSION, inputTokens: 0, outputTokens: 0, costMicros: 0n, latencyMs: 0, attempts: 1 };
      return {
        status: 'ok',
        probability,
        confidence: answer.confidence,
        dispersion: 0,
        promptHash,
        forecasts: [forecast],
        failures: [],
        total: { inputTokens: 0, outputTokens: 0, costMicros: 0n },
      };
    },
  };
}

/** Every market's outcome (1 = YES won) from the `resolved` events of a dataset, for `noisyOraclePort`. */
export async function outcomesOf(events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>, yesTokenOf: (marketId: string) => string | undefined): Promise<Map<string, 0 | 1>> {
  const outcomes = new Map<string, 0 | 1>();
  for await (const e of events) {
    if (e.type !== 'resolved') continue;
    const yes = yesTokenOf(e.marketId);
    if (yes !== undefined) outcomes.set(e.marketId, e.winningTokenId === yes ? 1 : 0);
  }
  return outcomes;
}
