import type { IncomingHttpHeaders } from 'node:http';
import { recoverClobAuthSigner, sameAddress } from '../auth/eip712.js';
import { polyHmacSignature, signaturesEqual } from '../auth/hmac.js';
import type { ApiCredentials, SandboxVenue } from '../venue.js';

/**
 * Header authentication as the CLOB does it.
 * - L1 (`POLY_ADDRESS, POLY_SIGNATURE, POLY_TIMESTAMP, POLY_NONCE`): an EIP-712 `ClobAuth` signature by
 *   the address, recovered and compared.
 * - L2 (`POLY_ADDRESS, POLY_SIGNATURE, POLY_TIMESTAMP, POLY_API_KEY, POLY_PASSPHRASE`): the API key must
 *   exist, belong to the address and match the passphrase, and the HMAC over
 *   `timestamp + method + path + body` must match.
 * Both refuse timestamps further than `maxSkewSeconds` from the venue clock. Failures are 401 with
 * Polymarket's texts.
 */

export type AuthResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: 401; readonly error: string };

const L1_ERROR = 'Invalid L1 Request headers';
const L2_ERROR = 'Unauthorized/Invalid api key';
const DEFAULT_MAX_SKEW_SECONDS = 300;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function freshTimestamp(timestamp: string | undefined, nowMs: number, maxSkewSeconds: number): boolean {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) - nowMs / 1000) <= maxSkewSeconds;
}

export function checkL1(venue: SandboxVenue, headers: IncomingHttpHeaders, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS): AuthResult<{ address: string; nonce: bigint }> {
  const address = header(headers, 'POLY_ADDRESS');
  const signature = header(headers, 'POLY_SIGNATURE');
  const timestamp = header(headers, 'POLY_TIMESTAMP');
  const nonceText = header(headers, 'POLY_NONCE') ?? '0';
  const fail = { ok: false, status: 401, error: L1_ERROR } as const;
  if (!address || !signature || !/^\d{1,30}$/.test(nonceText) || !freshTimestamp(timestamp, venue.now(), maxSkewSeconds)) return fail;
  const nonce = BigInt(nonceText);
  const recovered = recoverClobAuthSigner(venue.chainId, { address, timestamp: timestamp as string, nonce }, signature);
  if (recovered === null || !sameAddress(recovered, address)) return fail;
  return { ok: true, value: { address, nonce } };
}

export function checkL2(
  venue: SandboxVenue,
  request: { headers: IncomingHttpHeaders; method: string; path: string; body: string },
  maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS,
): AuthResult<ApiCredentials> {
  const fail = { ok: false, status: 401, error: L2_ERROR } as const;
  const apiKey = header(request.headers, 'POLY_API_KEY');
  const address = header(request.headers, 'POLY_ADDRESS');
  const signature = header(request.headers, 'POLY_SIGNATURE');
  const timestamp = header(request.headers, 'POLY_TIMESTAMP');
  const passphrase = header(request.headers, 'POLY_PASSPHRASE');
  if (!apiKey || !address || !signature || !passphrase || !freshTimestamp(timestamp, venue.now(), maxSkewSeconds)) return fail;
  const creds = venue.credentialsOf(apiKey);
  if (!creds || creds.passphrase !== passphrase || !sameAddress(creds.address, address)) return fail;
  const expected = polyHmacSignature(creds.secret, timestamp as string, request.method, request.path, request.body);
  return signaturesEqual(expected, signature) ? { ok: true, value: creds } : fail;
}

/** User-channel subscribe auth: the three credentials in the message body. */
export function checkWsAuth(venue: SandboxVenue, auth: { apiKey: string; secret: string; passphrase: string }): ApiCredentials | null {
  const creds = venue.credentialsOf(auth.apiKey);
  return creds && creds.secret === auth.secret && creds.passphrase === auth.passphrase ? creds : null;
}
