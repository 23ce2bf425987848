import { FloorError } from '@floor/domain';

/**
 * The LLM error tree (STYLE #10). Every error names the model it came from and says whether retrying could
 * help; nothing here is classified by message text. `spend` carries what the failed call still cost (a
 * malformed answer is billed like a good one), so the ensemble and the budget count it.
 */

/** Tokens used and what they cost. */
export interface Spend {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** micro-USD, rounded up */
  readonly costMicros: bigint;
}

export const NO_SPEND: Spend = Object.freeze({ inputTokens: 0, outputTokens: 0, costMicros: 0n });

export function addSpend(a: Spend, b: Spend): Spend {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costMicros: a.costMicros + b.costMicros,
  };
}

/** What went wrong, one word each; stable, so it can be a metric label or a `floor status` column. */
export type LlmFailureKind =
  | 'answer_invalid'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'rejected'
  | 'aborted';

export abstract class LlmError extends FloorError {
  abstract readonly kind: LlmFailureKind;
  /** Filled in by the forecast runner before the error leaves `ForecastModel.forecast`. */
  spend: Spend = NO_SPEND;
  constructor(
    readonly modelId: string,
    message: string,
    context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(`${modelId}: ${message}`, { modelId, ...context }, options);
  }
}

/** Why an answer was unusable. */
export type AnswerProblem =
  /** the reply text is not JSON */
  | 'not_json'
  /** JSON, but not a forecast (fails the zod schema) */
  | 'schema'
  /** Anthropic: no call of the forecast tool in the reply */
  | 'no_tool_call'
  /** the model stopped at its output-token limit */
  | 'truncated'
  /** the model refused or sent nothing */
  | 'empty'
  /** the HTTP body is not the provider's response shape */
  | 'bad_envelope';

/**
 * The model answered, twice, with something that is not a valid forecast. Its forecast is dropped; asking a
 * third time is not worth the money, so this is not retryable.
 */
export class LlmAnswerInvalid extends LlmError {
  readonly code = 'BAD_MESSAGE' as const;
  readonly retryable = false;
  readonly kind = 'answer_invalid' as const;
  constructor(
    modelId: string,
    readonly problem: AnswerProblem,
    readonly detail: string,
    readonly attempts: number,
  ) {
    super(modelId, `invalid answer (${problem}) after ${attempts} attempt(s): ${detail}`, { problem, detail, attempts });
  }
}

/** The provider could not answer now: 429, 5xx, timeout or a dropped connection. Worth trying later. */
export class LlmUnavailable extends LlmError {
  readonly code = 'DEPENDENCY_UNAVAILABLE' as const;
  readonly retryable = true;
  constructor(
    modelId: string,
    readonly kind: 'rate_limited' | 'server_error' | 'timeout' | 'connection',
    readonly status: number | undefined,
    /** how long the provider asked us to wait (retry-after / retry-after-ms), when it said */
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(modelId, `${kind}${status === undefined ? '' : ` (HTTP ${status})`}`, { kind, status, retryAfterMs }, options);
  }
}

/**
 * The provider refused the request itself (400, 401, 403, 404, 422 …): a bad key, an unknown model, a
 * parameter the endpoint does not take. Retrying the same request cannot help; fix the configuration.
 */
export class LlmRequestRejected extends LlmError {
  readonly code = 'CONFIG_INVALID' as const;
  readonly retryable = false;
  readonly kind = 'rejected' as const;
  constructor(
    modelId: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(modelId, `request rejected${status === undefined ? '' : ` (HTTP ${status})`}`, { status }, options);
  }
}

/** The caller aborted (its AbortSignal fired). Whether to ask again is the caller's decision, not ours. */
export class LlmAborted extends LlmError {
  readonly code = 'DEPENDENCY_UNAVAILABLE' as const;
  readonly retryable = false;
  readonly kind = 'aborted' as const;
  constructor(modelId: string, options?: { cause?: unknown }) {
    super(modelId, 'aborted by the caller', {}, options);
  }
}
