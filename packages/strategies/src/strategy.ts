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
  /**
   * A forecast the strategy asked for (`Decision.forecastRequests`), answered by the agent's forecast port and
   * delivered through the kernel. Optional: only strategies that ask for forecasts implement it.
   */
  onForecast?(ctx: StrategyContext<P>, state: S, event: ForecastEvent): Decision<S>;
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
  /**
   * Forecasts the strategy wants. The strategy never calls a model: the agent runtime (live) or the backtester
   * takes these from the kernel, asks its forecast port (subject to the daily budget and a per-market cooldown,
   * so a request may go unanswered) and hands any answer back as a `ForecastEvent` to `onForecast`.
   */
  readonly forecastRequests?: readonly ForecastRequest[];
}

/**
 * A request for a probability forecast of one market. `input` is what the models are told, built by the strategy
 * from its context (`forecastInputFromMarket` in @floor/llm), so the prompt, and its hash, follow from the events.
 */
export interface ForecastRequest {
  readonly marketId: string;
  /** a `ForecastInput` of @floor/llm; typed loosely here so the strategy interface does not depend on it */
  readonly input: Readonly<Record<string, unknown>> & { readonly marketId: string; readonly asOfMs: number };
}

/** One aggregated (ensemble) forecast, as the strategy sees it. Probabilities are uncalibrated model output. */
export interface ForecastEvent {
  readonly type: 'forecast';
  readonly v: 1;
  readonly eventId: string;
  readonly marketId: string;
  /** event time the forecast was requested at (its `asOfMs`); the kernel decides at this time */
  readonly tsMs: number;
  /** the request's cause: the market event whose decision asked for it */
  readonly causationId: string;
  /** probability that the market resolves YES, in [0, 1] */
  readonly probability: number;
  readonly confidence: number;
  /** disagreement between the models (population standard deviation of their probabilities) */
  readonly dispersion: number;
  /** which port answered, e.g. `ensemble` or `backtest:noisy-oracle` */
  readonly source: string;
  readonly promptHash: string;
}

/** A strategy with its types erased, as the registry holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStrategy = Strategy<any, any>;
