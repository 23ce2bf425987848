import { describe, expect, it } from 'vitest';
import { AGENT_RISK_DEFAULTS, AgentRiskOverride, RiskConfig, resolveRiskLimits, shareOfMicros } from './config.js';

describe('RiskConfig', () => {
  it('fills every default from an empty section', () => {
    const config = RiskConfig.parse({});
    expect(config.agent).toEqual(AGENT_RISK_DEFAULTS);
    expect(config.floor).toEqual({
      maxDeployedShare: 0.4,
      dailyLossLimit: 0.1,
      maxCategoryShare: 0.25,
      maxEventShare: 0.1,
      maxOrdersPerMarketWindow: 30,
      marketRateWindowMs: 60_000,
    });
    expect(config.heat.levels).toEqual([
      { drawdown: 0.1, multiplier: 0.5 },
      { drawdown: 0.15, multiplier: 0.25 },
    ]);
    expect(config.heat.haltDrawdown).toBe(0.2);
    expect(config.breakers).toMatchObject({ maxConsecutiveLosses: 5, dailyDrawdownLimit: 0.15, maxApiErrorRate: 0.1 });
  });

  it('parses dollars exactly and keeps the other defaults of a partly given section', () => {
    const config = RiskConfig.parse({ agent: { maxStakeUsd: '12.345678', minLiquidityUsd: 10 } });
    expect(config.agent.maxStakeUsd).toBe(12_345_678n);
    expect(config.agent.minLiquidityUsd).toBe(10_000_000n);
    expect(config.agent.maxTradeShare).toBe(0.02);
  });

  it('rejects unknown keys, bad amounts and inconsistent bands and heat levels', () => {
    expect(() => RiskConfig.parse({ agent: { maxStake: 10 } })).toThrow();
    expect(() => RiskConfig.parse({ agent: { maxStakeUsd: '1.0000001' } })).toThrow();
    expect(() => RiskConfig.parse({ agent: { maxStakeUsd: -1 } })).toThrow();
    expect(() => RiskConfig.parse({ agent: { minPrice: 0.6, maxPrice: 0.5 } })).toThrow(/minPrice must be below maxPrice/);
    expect(() => RiskConfig.parse({ heat: { levels: [{ drawdown: 0.2, multiplier: 0.5 }, { drawdown: 0.1, multiplier: 0.25 }] } })).toThrow(/ascending/);
    expect(() => RiskConfig.parse({ heat: { haltDrawdown: 0.12 } })).toThrow(/below haltDrawdown/);
  });
});

describe("a strategy file's risk block", () => {
  it('overrides only the keys it names', () => {
    const limits = resolveRiskLimits(RiskConfig.parse({ agent: { maxOpenPositions: 4 } }), AgentRiskOverride.parse({ maxStakeUsd: 20 }));
    expect(limits.agent).toEqual({ ...AGENT_RISK_DEFAULTS, maxOpenPositions: 4, maxStakeUsd: 20_000_000n });
  });

  it('cannot touch floor-wide limits', () => {
    expect(AgentRiskOverride.safeParse({ dailyLossLimit: 0.5 }).success).toBe(false);
    expect(AgentRiskOverride.safeParse({ maxEventShare: 1 }).success).toBe(false);
  });

  it('is checked together with the floor values it is merged over', () => {
    const config = RiskConfig.parse({ agent: { maxPrice: 0.5 } });
    expect(() => resolveRiskLimits(config, AgentRiskOverride.parse({ minPrice: 0.6 }))).toThrow(/minPrice must be below maxPrice/);
  });
});

describe('shareOfMicros', () => {
  it('rounds down, in integer millionths', () => {
    expect(shareOfMicros(10_000_000_000n, 0.02)).toBe(200_000_000n);
    expect(shareOfMicros(999n, 0.1)).toBe(99n);
    expect(shareOfMicros(3n, 1 / 3)).toBe(0n);
  });
});
