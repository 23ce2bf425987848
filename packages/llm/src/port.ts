import type { EnsembleConfig } from './config.js';
import { runEnsemble, type EnsembleMember, type EnsembleResult } from './ensemble.js';
import type { ForecastInput } from './forecast.js';

/**
 * The forecast port (DESIGN.md): what the agent runtime, never the strategy, calls to turn a strategy's forecast
 * request into an answer. Live it is the model ensemble (`ensemblePort`); a backtest passes a deterministic stand-in
 * (see @floor/backtest `noisyOraclePort`). Either way the answer has the ensemble's shape, so the code that
 * budgets, records and delivers forecasts is the same for both.
 */
export interface ForecastPort {
  /** names the port in forecast events and stored rows, e.g. `ensemble`, `backtest:noisy-oracle` */
  readonly source: string;
  /** Never rejects for a model failure (those are in the result); a rejection is a bug or an abort. */
  forecast(input: ForecastInput, signal?: AbortSignal): Promise<EnsembleResult>;
}

/** The live port: every configured model asked at once, answers aggregated per `config`. */
export function ensemblePort(members: readonly EnsembleMember[], config: Pick<EnsembleConfig, 'aggregation' | 'minForecasts'>): ForecastPort {
  return {
    source: 'ensemble',
    forecast: (input, signal) => runEnsemble(members, input, config, signal),
  };
}
