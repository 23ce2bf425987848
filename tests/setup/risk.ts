import { RiskConfig, type RiskConfigInput } from '@floor/risk';

/**
 * A `risk:` section with every pre-trade limit out of the way, for tests about something else (matching, booking,
 * live orders): the executor still runs the engine, it just never says no. `agent` and `floor` keys given here
 * are merged over the permissive ones, so a test names only the limit it is about.
 */
export function permissiveRisk(over: { agent?: NonNullable<RiskConfigInput['agent']>; floor?: NonNullable<RiskConfigInput['floor']> } = {}): RiskConfig {
  return RiskConfig.parse({
    agent: {
      maxStakeUsd: 1_000_000,
      maxTradeShare: 1,
      maxDeployedShare: 1,
      maxOpenPositions: 10_000,
      maxCorrelatedPositions: 10_000,
      minEdgeBps: -10_000,
      minLiquidityUsd: 0,
      maxSpreadBps: 10_000,
      minPrice: 0.000001,
      maxPrice: 0.999999,
      maxDataAgeMs: 0,
      maxOrdersPerWindow: 1_000_000,
      maxDepthShare: 1,
      ...over.agent,
    },
    floor: { maxDeployedShare: 1, dailyLossLimit: 1, maxCategoryShare: 1, maxEventShare: 1, maxOrdersPerMarketWindow: 1_000_000, ...over.floor },
  });
}

/** A bankroll for tests: large enough that no share of it binds. */
export const TEST_BANKROLL_MICROS = 1_000_000_000_000n;
