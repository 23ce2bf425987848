/**
 * Trading state of the floor and of each agent (nautilus `TradingState`):
 * - `active`: everything the limits allow;
 * - `reducing`: exits only (a SELL that reduces a position); set by a breaker, the drawdown heat halt or the Boss;
 * - `halted`: nothing at all, exits included; a hard stop for an operator or the Boss.
 */
export type TradingState = 'active' | 'reducing' | 'halted';

export interface ScopedTradingState {
  readonly state: TradingState;
  /** why, for denial messages and the audit log; '' when active */
  readonly reason: string;
}

export const ACTIVE: ScopedTradingState = { state: 'active', reason: '' };

const SEVERITY: Record<TradingState, number> = { active: 0, reducing: 1, halted: 2 };

/** The stricter of the given states (the first one on a tie), e.g. the Boss's setting and the breakers'. */
export function mostRestrictive(...states: readonly ScopedTradingState[]): ScopedTradingState {
  let worst = ACTIVE;
  for (const s of states) if (SEVERITY[s.state] > SEVERITY[worst.state]) worst = s;
  return worst;
}

/** " (reason)" or "" for messages. */
export function describeTradingState(s: ScopedTradingState): string {
  return s.reason ? ` (${s.reason})` : '';
}
