/**
 * A small error tree where each error says whether retrying could help (STYLE #10).
 * Never classify errors by their message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'STRATEGY_FAULT'
  | 'RISK_DENIED'
  | 'VENUE_TIMEOUT'
  | 'VENUE_REJECTED'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'INVARIANT_BROKEN'
  | 'BAD_MESSAGE';

export abstract class FloorError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly retryable: boolean;
  constructor(message: string, readonly context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConfigError extends FloorError {
  readonly code = 'CONFIG_INVALID' as const;
  readonly retryable = false;
}
export class BadMessageError extends FloorError {
  readonly code = 'BAD_MESSAGE' as const;
  readonly retryable = false;
}
export class DependencyUnavailableError extends FloorError {
  readonly code = 'DEPENDENCY_UNAVAILABLE' as const;
  readonly retryable = true;
}
export class InvariantError extends FloorError {
  readonly code = 'INVARIANT_BROKEN' as const;
  readonly retryable = false;
}
export class StrategyFaultError extends FloorError {
  readonly code = 'STRATEGY_FAULT' as const;
  readonly retryable = false;
}

/** Formats zod issues as "path: message" lines, naming the field that was wrong. */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`).join('; ');
}
