import { z } from 'zod';

/**
 * Micro-unit amounts cross process boundaries as decimal-integer strings (bigints do not survive JSON).
 * Accepts a bigint too, so in-process values validate against the same schema.
 */
export const MicrosWire = z.union([
  z.bigint(),
  z.string().regex(/^-?\d+$/, 'expected an integer number of micro-units as a string').transform((s) => BigInt(s)),
]);

/** JSON.stringify that writes bigints as decimal strings. */
export function stringifyWire(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
