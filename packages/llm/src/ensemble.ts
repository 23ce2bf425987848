import { addSpend, LlmError, NO_SPEND, type LlmFailureKind, type Spend } from './errors.js';
import type { Aggregation } from './config.js';
import { buildForecastPrompt, ForecastInput, type ForecastInputWire } from './forecast.js';
import type { ForecastModel, ModelForecast } from './providers/model.js';

/** A model and its weight (used by the `weighted` aggregation only). */
export interface EnsembleMember {
  readonly model: ForecastModel;
  readonly weight: number;
}

/** Why one model contributed nothing. `internal` is a bug of ours, not the provider's. */
export interface ModelFailure {
  readonly modelId: string;
  readonly kind: LlmFailureKind | 'internal';
  readonly retryable: boolean;
  readonly message: string;
  /** what the failed call still cost (a malformed answer is billed) */
  readonly spend: Spend;
}

interface EnsembleCommon {
  readonly promptHash: string;
  readonly forecasts: readonly ModelForecast[];
  readonly failures: readonly ModelFailure[];
  /** over every model, failed ones included */
  readonly total: Spend;
}

export type EnsembleResult =
  | (EnsembleCommon & {
      readonly status: 'ok';
      /** aggregated, uncalibrated probability of YES */
      readonly probability: number;
      /** mean of the models' own confidences */
      readonly confidence: number;
      /** population standard deviation of the models' probabilities: disagreement */
      readonly dispersion: number;
    })
  | (EnsembleCommon & { readonly status: 'insufficient' });

/**
 * Asks every model at once and aggregates the valid answers. Never rejects because a model failed: each
 * failure is reported with its kind; with fewer than `minForecasts` valid answers the status is
 * `insufficient`. `signal` aborts every pending call.
 */
export async function runEnsemble(
  members: readonly EnsembleMember[],
  rawInput: ForecastInputWire | ForecastInput,
  options: { aggregation: Aggregation; minForecasts: number },
  signal?: AbortSignal,
): Promise<EnsembleResult> {
  const input = ForecastInput.parse(rawInput);
  const settled = await Promise.allSettled(members.map((m) => m.model.forecast(input, signal)));

  const forecasts: ModelForecast[] = [];
  const weights: number[] = [];
  const failures: ModelFailure[] = [];
  settled.forEach((outcome, i) => {
    const member = members[i] as EnsembleMember;
    if (outcome.status === 'fulfilled') {
      forecasts.push(outcome.value);
      weights.push(member.weight);
    } else {
      failures.push(describeFailure(member.model.id, outcome.reason));
    }
  });

  let total: Spend = NO_SPEND;
  for (const f of forecasts) total = addSpend(total, f);
  for (const f of failures) total = addSpend(total, f.spend);

  const common: EnsembleCommon = { promptHash: buildForecastPrompt(input).hash, forecasts, failures, total };
  if (forecasts.length < options.minForecasts || forecasts.length === 0) return { ...common, status: 'insufficient' };

  const probabilities = forecasts.map((f) => f.answer.probability);
  return {
    ...common,
    status: 'ok',
    probability: aggregateProbabilities(
      probabilities.map((p, i) => ({ probability: p, weight: weights[i] ?? 0 })),
      options.aggregation,
    ),
    confidence: mean(forecasts.map((f) => f.answer.confidence)),
    dispersion: standardDeviation(probabilities),
  };
}

/** Aggregates probabilities by trimmed mean, median or weighted mean. `values` must not be empty. */
export function aggregateProbabilities(
  values: ReadonlyArray<{ readonly probability: number; readonly weight: number }>,
  aggregation: Aggregation,
): number {
  if (values.length === 0) throw new RangeError('nothing to aggregate');
  const sorted = values.map((v) => v.probability).sort((a, b) => a - b);
  switch (aggregation.method) {
    case 'trimmedMean': {
      const cut = Math.floor(sorted.length * aggregation.trimFraction);
      return mean(sorted.slice(cut, sorted.length - cut));
    }
    case 'median': {
      const mid = Math.floor(sorted.length / 2);
      const upper = sorted[mid] as number;
      return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
    }
    case 'weighted': {
      const totalWeight = values.reduce((s, v) => s + v.weight, 0);
      if (!(totalWeight > 0)) throw new RangeError('weights must sum to a positive number');
      return values.reduce((s, v) => s + v.probability * v.weight, 0) / totalWeight;
    }
  }
}

function describeFailure(modelId: string, reason: unknown): ModelFailure {
  if (reason instanceof LlmError) {
    return { modelId, kind: reason.kind, retryable: reason.retryable, message: reason.message, spend: reason.spend };
  }
  const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return { modelId, kind: 'internal', retryable: false, message, spend: NO_SPEND };
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function standardDeviation(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}
