import { createHash } from 'node:crypto';
import { formatMicros, MICROS_PER_UNIT, type BookLevel } from '@floor/domain';

/**
 * Micro-units → the decimal text Polymarket puts on the wire ("0.48", "150", "60.1"). Integer math only;
 * `decimalNumber` exists for the few JSON fields the venue sends as numbers (Gamma prices, tick sizes).
 */
export const decimal = (micros: bigint): string => formatMicros(micros);
export const decimalNumber = (micros: bigint): number => Number(formatMicros(micros));

/** Fee rate in micros (0.04 → 40_000) → basis points (400), the unit of `fee_rate_bps`. */
export const rateBps = (rateMicros: bigint): number => Number((rateMicros * 10_000n) / MICROS_PER_UNIT);

export interface WireLevel {
  readonly price: string;
  readonly size: string;
}

/** Best-first domain levels → the wire order: bids ascending, asks descending, i.e. best LAST. */
export function wireSide(levels: readonly BookLevel[]): WireLevel[] {
  return [...levels].reverse().map((l) => ({ price: decimal(l.priceMicros), size: decimal(l.sizeMicros) }));
}

/**
 * The book hash as clob-client-v2 computes it (`generateOrderBookSummaryHash`): SHA-1 of the summary's
 * JSON with `hash` set to "".
 */
export function bookHash(summary: Record<string, unknown>): string {
  return createHash('sha1').update(JSON.stringify({ ...summary, hash: '' })).digest('hex');
}

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);
