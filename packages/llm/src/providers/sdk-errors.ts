import { LlmAborted, LlmError, LlmRequestRejected, LlmUnavailable } from '../errors.js';
import { parseRetryAfterMs } from '../retry.js';

/**
 * The error classes both SDKs export (same names, separate classes). Classification is by class and HTTP
 * status only, never by message text (STYLE #10).
 */
export interface SdkErrorClasses {
  readonly APIError: abstract new (...args: never[]) => { readonly status: number | undefined; readonly headers: Headers | undefined };
  readonly APIUserAbortError: abstract new (...args: never[]) => Error;
  readonly APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  readonly APIConnectionError: abstract new (...args: never[]) => Error;
}

/**
 * Maps what an SDK call threw to an `LlmError`. Anything that is not an SDK error (a bug on our side) is
 * returned unchanged: it should surface as what it is, not pose as a provider failure.
 */
export function mapSdkError(modelId: string, err: unknown, sdk: SdkErrorClasses, nowMs: number): unknown {
  if (err instanceof LlmError) return err;
  const options = { cause: err };
  // order matters: the abort and timeout classes are subclasses of APIConnectionError, which is an APIError
  if (err instanceof sdk.APIUserAbortError) return new LlmAborted(modelId, options);
  if (err instanceof sdk.APIConnectionTimeoutError) return new LlmUnavailable(modelId, 'timeout', undefined, undefined, options);
  if (err instanceof sdk.APIConnectionError) return new LlmUnavailable(modelId, 'connection', undefined, undefined, options);
  if (err instanceof sdk.APIError) {
    const status = err.status;
    const retryAfterMs = parseRetryAfterMs(err.headers, nowMs);
    if (status === 429) return new LlmUnavailable(modelId, 'rate_limited', status, retryAfterMs, options);
    if (status !== undefined && status >= 500) return new LlmUnavailable(modelId, 'server_error', status, retryAfterMs, options);
    // 408 request timeout and 409 lock timeout are transient by definition; the SDKs retry them too
    if (status === 408 || status === 409) return new LlmUnavailable(modelId, 'timeout', status, retryAfterMs, options);
    return new LlmRequestRejected(modelId, status, options);
  }
  return err;
}
