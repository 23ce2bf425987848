/**
 * @floor/risk: pure pre-trade risk (STYLE #3). No I/O: callers build the view, the package decides.
 *
 * - `checkIntent`: the basic gate on a matched order (validity, market, position, book, stake, cash).
 * - `evaluateIntent`: the pre-trade engine (kill switches, trading state, capital and exposure limits, rate
 *   limits, liquidity, spread, edge), Approved with a size (possibly reduced) or Denied with its numbers.
 * - `sizeEntry`, `heatOf`: fractional Kelly with confidence, heat and time multipliers, capped by the limits.
 * - `stepBreakers`, `breakerRestrictions`: circuit breakers as a state machine of events.
 * - `RiskConfig`: the `risk:` section of floor.yaml; `AgentRiskOverride`: a strategy file's `risk:` block.
 *
 * Wiring into the executor (db/src/execution.ts `processIntent` and `decidePreTrade`, db/src/risk-view.ts): inside
 * the agent's transaction, before matching, the executor builds the `PreTradeView` (positions, recent entries and
 * equity from Postgres; kill switches, the Boss's published trading states and size multiplier, and marks from
 * Redis), decides with `resolveRiskLimits(floorConfig.risk, agents.risk)`, matches the approved (possibly
 * reduced) size, then runs `checkIntent` on the match as the last gate (cash against the real cost). The live
 * path (`openLiveOrder`) runs the same two gates on the order as signed.
 */
export * from './codes.js';
export * from './check-intent.js';
export * from './config.js';
export * from './trading-state.js';
export * from './exposure.js';
export * from './rate-limit.js';
export * from './engine.js';
export * from './sizing.js';
export * from './breakers.js';
