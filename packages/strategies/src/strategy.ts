import type { z } from 'zod';
import type { AgentOrderEvent, Book, MarketEvent, MarketInfo, OrderType, Side } from '@floor/domain';

/**
 * The one strategy interface (STYLE #1). A strategy is pure: given its state, its context and an event, it
 * returns its new state and zero or more intent drafts. No I/O, no wall clock (time is `ctx.nowMs`, the
 * event's or the kernel clock's). The same object runs in a live agent, in `floor backtest` and in the
 * Boss's test of a clone.
 *
 * State must be plain JSON (it is checkpointed to Postgres): numbers, strings, arrays, objects. Prices in
 * state may be numbers of micro-units (they stay below 2^53); money in intents is bigint.
 */
export interface Strategy<P = unknown, S = unknown> {
  /** registry key, kebab-case */
  readonly name: string;
  readonly interfaceVersion: 1;
  readonly description: string;
  /** parameter schema with bounds and defaults; strategy files are validated against it */
  readonly params: z.ZodType<P>;
  init(params: P): S;
  /**
   * Turns checkpointed JSON back into state. Optional: without it the kernel uses the JSON as is. A strategy
   * whose state shape depends on its params (or changed between versions) checks it here and may return a
   * fresh `init(params)` rather than run on a shape it does not understand.
   */
  restoreState?(raw: unknown, params: P): S;
  onMarketEvent(ctx: StrategyContext<P>, state: S, event: MarketEvent): Decision<S>;
  onOrderEvent?(ctx: StrategyContext<P>, state: S, event: AgentOrderEvent): Decision<S>;
}

/** Read-only view of the world a strategy may look at. */
export interface StrategyContext<P> {
  readonly agentId: string;
  readonly params: P;
  /** event time (live: venue time of the event; backtest: simulated clock) */
  readonly nowMs: number;
  readonly portfolio: PortfolioView;
  market(marketId: string): MarketInfo | undefined;
  book(tokenId: string): Book | undefined;
}

export interface PortfolioView {
  readonly cashMicros: bigint;
  /** capital allotted to this agent (for sizing) */
  readonly capitalMicros: bigint;
  position(tokenId: string): { readonly sizeMicros: bigint; readonly costMicros: bigint; readonly openedAtMs: number } | undefined;
  /** tokens with an intent sent and no outcome yet */
  hasPendingIntent(tokenId: string): boolean;
  readonly openPositionCount: number;
}

/** What a strategy asks for; the kernel turns it into an OrderIntent with an idempotent id. */
export interface IntentDraft {
  readonly marketId: string;
  readonly tokenId: string;
  readonly side: Side;
  readonly limitPriceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly orderType?: OrderType;
  /** why, in a few words, for the audit trail */
  readonly reason: string;
}

export interface Decision<S> {
  readonly state: S;
  readonly intents: readonly IntentDraft[];
}

/** A strategy with its types erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any, any>;
