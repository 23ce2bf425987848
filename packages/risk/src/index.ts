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
 * Wiring into the executor (db/src/execution.ts `processIntent`), inside the transaction, before matching:
 *
 *   const limits = resolveRiskLimits(floorConfig.risk, agentSpec.risk);          // once per agent, cached
 *   const r = breakerRestrictions(breakerState, intent.agentId, floorConfig.risk, nowMs);
 *   const decision = evaluateIntent(intent, {
 *     nowMs, killSwitch: { global, agent, market },                              // reasons or null
 *     tradingState: { floor: mostRestrictive(bossFloor, r.floor), agent: mostRestrictive(bossAgent, r.agent) },
 *     sizeMultiplier: r.sizeMultiplier,
 *     market: market && { info: market, resolved }, book: book && { ...book, publishedMs: book.tsPublishedMs },
 *     floor: { bankrollMicros, equityMicros, dayStartEquityMicros: breakerState.floor.dayStartEquityMicros ?? equityMicros },
 *     positionMicros: position.sizeMicros, openPositions, recentOrders,
 *   }, limits);
 *   if (!decision.ok) → the existing denial path (it reads `code` and `message`; store `details` too)
 *   else match `{ ...intent, sizeMicros: decision.sizeMicros }`, then `checkIntent` on the match as today.
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
