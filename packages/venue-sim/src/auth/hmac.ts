import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The L2 request signature, computed exactly as clob-client-v2's `buildPolyHmacSignature`: HMAC-SHA256
 * keyed with the base64(url) secret over `timestamp + method + requestPath + body`, base64url-encoded
 * with its padding kept. `requestPath` is the path WITHOUT the query string (the client signs the
 * endpoint constant and lets axios add the params).
 */
export function polyHmacSignature(secret: string, timestamp: string, method: string, requestPath: string, body: string): string {
  const key = Buffer.from(secret.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const digest = createHmac('sha256', key).update(`${timestamp}${method}${requestPath}${body}`).digest('base64');
  return digest.replace(/\+/g, '-').replace(/\//g, '_');
}

export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
