/**
 * Settlement progress of a sandbox trade, as Polymarket reports it: MATCHED (sent to the chain), MINED (in
 * a block, no finality), CONFIRMED (final). The sandbox has no chain, so the steps are timed from the match.
 */
export type SandboxTradeStatus = 'MATCHED' | 'MINED' | 'CONFIRMED';

export interface LifecycleTiming {
  /** time from the match to MINED */
  readonly minedAfterMs: number;
  /** time from the match to CONFIRMED (at least minedAfterMs) */
  readonly confirmedAfterMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleTiming = { minedAfterMs: 2_000, confirmedAfterMs: 5_000 };

export function tradeStatusAt(matchedAtMs: number, nowMs: number, timing: LifecycleTiming): SandboxTradeStatus {
  const age = nowMs - matchedAtMs;
  if (age >= Math.max(timing.confirmedAfterMs, timing.minedAfterMs)) return 'CONFIRMED';
  if (age >= timing.minedAfterMs) return 'MINED';
  return 'MATCHED';
}

/** The statuses a trade passed through between two instants, in order (what to announce on a tick). */
export function statusesBetween(matchedAtMs: number, fromMs: number, toMs: number, timing: LifecycleTiming): SandboxTradeStatus[] {
  const before = tradeStatusAt(matchedAtMs, fromMs, timing);
  const after = tradeStatusAt(matchedAtMs, toMs, timing);
  const order: SandboxTradeStatus[] = ['MATCHED', 'MINED', 'CONFIRMED'];
  return order.slice(order.indexOf(before) + 1, order.indexOf(after) + 1);
}
