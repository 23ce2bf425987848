import { z } from 'zod';
import { ConfigError, formatMicros, numberToMicros, parseMicros } from '@floor/domain';

/**
 * The `risk:` section of config/floor.yaml, and the `risk:` block a strategy file may add.
 *
 * Limits are split by who they protect. `agent` limits bound one agent; a strategy file's `risk:` block is
 * merged over them key by key (`resolveRiskLimits`). `floor` limits bound the floor as a whole, and so do
 * `heat` and `breakers`: an agent file cannot loosen them (its schema does not know those keys, so trying is
 * a config error rather than a silent no-op).
 *
 * Shares are fractions written as numbers (0.02 = 2 %). Money is written in dollars and parsed exactly into
 * micro-USD (bigint). A share of money is computed in integer millionths (`shareOfMicros`), never in floats.
 */

/**
 * Dollars as a number or decimal string, parsed exactly into micro-USD. Same rules as `UsdAmount` in
 * @floor/config; redefined here because @floor/config will import this schema (no import cycle).
 */
const UsdAmount = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const micros = parseMicros(typeof v === 'number' ? String(v) : v);
    if (micros < 0n) throw new RangeError('negative');
    return micros;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a non-negative dollar amount: ${(err as Error).message}` });
    return z.NEVER;
  }
});

const Share = z.number().min(0).max(1);
const Price = z.number().gt(0).lt(1);
const Count = z.number().int().nonnegative();
const Ms = z.number().int().nonnegative();

// ------------------------------------------------------------------------------------------------ agent limits

/** Agent-scoped limit fields, without defaults: the strategy-file override is this shape, every key optional. */
const agentLimitFields = {
  maxStakeUsd: UsdAmount.describe('largest notional (limit price × size) of one entry order, USD. Default 100'),
  maxTradeShare: Share.describe('largest notional of one entry as a share of the floor bankroll. Default 0.02'),
  maxDeployedShare: Share.describe(
    "largest cost basis of this agent's open positions, as a share of the floor bankroll. Default 0.10",
  ),
  maxOpenPositions: Count.describe('most open positions (tokens held) the agent may have; 0 = no entries. Default 10'),
  maxCorrelatedPositions: Count.describe(
    'most open positions the agent may hold in markets correlated with the one it enters (same event id, or same category other than "other"). Default 3',
  ),
  minEdgeBps: z
    .number()
    .describe('least edge after taker fees, in bps of $1 per share; checked only when the intent carries an edge estimate. Default 50'),
  minLiquidityUsd: UsdAmount.describe(
    'least notional on the opposite side of the book at or better than the limit price, USD. Default 25',
  ),
  maxSpreadBps: z.number().int().nonnegative().describe('widest best ask − best bid, in bps of $1 (100 bps = 1 cent). Default 500'),
  minPrice: Price.describe('lowest limit price an entry may have (no micro-probability markets). Default 0.02'),
  maxPrice: Price.describe('highest limit price an entry may have. Default 0.98'),
  maxDataAgeMs: Ms.describe(
    "oldest book an entry may trade on, ms since it was published; 0 = trust the feed's stale flag only (a quiet book is not a stale one). Default 0",
  ),
  maxOrdersPerWindow: Count.describe('most entry orders the agent may send per rate window. Default 20'),
  rateWindowMs: z.number().int().positive().describe('length of the sliding rate window, ms. Default 60000'),
  maxDepthShare: z
    .number()
    .gt(0)
    .max(1)
    .describe(
      'an entry takes at most this share of the visible depth at or better than its limit; a larger one is reduced, not denied (1 = no cap). Default 0.25',
    ),
} as const;

const AgentRiskFields = z.object(agentLimitFields).strict();
export type AgentRiskLimits = z.output<typeof AgentRiskFields>;

/** Defaults of the agent-scoped limits (the issue's numbers where it gives them). */
export const AGENT_RISK_DEFAULTS: AgentRiskLimits = {
  maxStakeUsd: 100_000_000n,
  maxTradeShare: 0.02,
  maxDeployedShare: 0.1,
  maxOpenPositions: 10,
  maxCorrelatedPositions: 3,
  minEdgeBps: 50,
  minLiquidityUsd: 25_000_000n,
  maxSpreadBps: 500,
  minPrice: 0.02,
  maxPrice: 0.98,
  maxDataAgeMs: 0,
  maxOrdersPerWindow: 20,
  rateWindowMs: 60_000,
  maxDepthShare: 0.25,
};

const priceBandIsOrdered = (l: { minPrice?: number | undefined; maxPrice?: number | undefined }) =>
  l.minPrice === undefined || l.maxPrice === undefined || l.minPrice < l.maxPrice;
const PRICE_BAND_MESSAGE = 'minPrice must be below maxPrice';

/** The `risk:` block of a strategy file: any agent-scoped key, merged over the floor's `risk.agent`. */
export const AgentRiskOverride = z.object(agentLimitFields).partial().strict().refine(priceBandIsOrdered, { message: PRICE_BAND_MESSAGE, path: ['minPrice'] });
export type AgentRiskOverride = z.output<typeof AgentRiskOverride>;

/** Agent-scoped limits with every default filled. */
export const AgentRiskLimits = AgentRiskOverride.transform((given): AgentRiskLimits => ({ ...AGENT_RISK_DEFAULTS, ...definedOnly(given) }));

// ------------------------------------------------------------------------------------------------ floor limits

export const FloorRiskLimits = z
  .object({
    maxDeployedShare: Share.default(0.4).describe('largest cost basis of all open positions, as a share of the bankroll. Default 0.40'),
    dailyLossLimit: z
      .number()
      .gt(0)
      .max(1)
      .default(0.1)
      .describe(
        'reaching this loss against the UTC day-start equity pauses entries floor-wide until the next UTC day or a manual reset. Default 0.10',
      ),
    maxCategoryShare: Share.default(0.25).describe('largest cost basis floor-wide in one market category, as a share of the bankroll. Default 0.25'),
    maxEventShare: Share.default(0.1).describe(
      'largest cost basis floor-wide in one event (a market without an event id is its own event), as a share of the bankroll. Default 0.10',
    ),
    maxOrdersPerMarketWindow: Count.default(30).describe('most entry orders all agents together may send to one market per rate window. Default 30'),
    marketRateWindowMs: z.number().int().positive().default(60_000).describe('length of the per-market sliding rate window, ms. Default 60000'),
  })
  .strict();
export type FloorRiskLimits = z.output<typeof FloorRiskLimits>;

// ------------------------------------------------------------------------------------------------ sizing, heat

export const SizingConfig = z
  .object({
    kellyFraction: z.number().gt(0).max(1).default(0.25).describe('share of the full-Kelly stake an entry takes before multipliers. Default 0.25'),
    minConfidence: Share.default(0.5).describe('forecast confidence below which nothing is staked; above it the stake scales by the confidence. Default 0.5'),
    fullSizeWithinMs: z
      .number()
      .int()
      .positive()
      .default(7 * 24 * 3_600_000)
      .describe('markets resolving within this time get the full stake; later ones get fullSizeWithinMs / time to resolution of it. Default 7 days'),
    minTimeMultiplier: Share.default(0.25).describe('the time-to-resolution multiplier never goes below this. Default 0.25'),
  })
  .strict();
export type SizingConfig = z.output<typeof SizingConfig>;

export const HeatLevel = z
  .object({
    drawdown: z.number().gt(0).lt(1).describe('drawdown from the high-water mark at which this level starts, as a fraction'),
    multiplier: z.number().gt(0).max(1).describe('stake multiplier from this drawdown on'),
  })
  .strict();
export type HeatLevel = z.output<typeof HeatLevel>;

/** Drawdown heat, the same levels for the floor and for each agent. */
export const HeatConfig = z
  .object({
    levels: z
      .array(HeatLevel)
      .default([
        { drawdown: 0.1, multiplier: 0.5 },
        { drawdown: 0.15, multiplier: 0.25 },
      ])
      .describe('ascending drawdown levels and their stake multipliers. Default 10 % → 0.5, 15 % → 0.25'),
    haltDrawdown: z
      .number()
      .gt(0)
      .max(1)
      .default(0.2)
      .describe('drawdown at which new entries stop until a manual reset (which moves the high-water mark to current equity). Default 0.20'),
  })
  .strict()
  .refine((h) => h.levels.every((l, i) => i === 0 || l.drawdown > (h.levels[i - 1]?.drawdown ?? 0)), {
    message: 'heat levels must have strictly ascending drawdowns',
    path: ['levels'],
  })
  .refine((h) => h.levels.every((l) => l.drawdown < h.haltDrawdown), {
    message: 'every heat level must start below haltDrawdown',
    path: ['haltDrawdown'],
  });
export type HeatConfig = z.output<typeof HeatConfig>;

// ------------------------------------------------------------------------------------------------ breakers

export const BreakersConfig = z
  .object({
    maxConsecutiveLosses: z.number().int().positive().default(5).describe('this many losing closed trades in a row pause the agent. Default 5'),
    dailyDrawdownLimit: z
      .number()
      .gt(0)
      .max(1)
      .default(0.15)
      .describe("a fall of this share from the UTC day's equity peak pauses the floor until the next UTC day or a manual reset. Default 0.15"),
    reducedSizeMultiplier: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('stake multiplier after the daily loss limit is reset (by hand or by the new day). Default 0.5'),
    reducedSizingMs: Ms.default(24 * 3_600_000).describe('how long reduced sizing lasts after that reset, ms. Default 24 h'),
    maxApiErrorRate: Share.default(0.1).describe('exchange API error share over the window above which new orders pause. Default 0.10'),
    apiWindowMs: z.number().int().positive().default(60_000).describe('sliding window of the API error rate, ms. Default 60000'),
    apiMinSamples: z.number().int().positive().default(20).describe('calls the window needs before the error rate counts. Default 20'),
    apiCooldownMs: Ms.default(60_000).describe('a tripped API breaker stays tripped at least this long, ms. Default 60000'),
  })
  .strict();
export type BreakersConfig = z.output<typeof BreakersConfig>;

// ------------------------------------------------------------------------------------------------ the section

/** The `risk:` section of config/floor.yaml. Every key has a default, so `risk: {}` (or no section) is valid. */
export const RiskConfig = z
  .object({
    agent: AgentRiskLimits.prefault({}).describe("every agent's limits; a strategy file's `risk:` block overrides keys of this"),
    floor: FloorRiskLimits.prefault({}).describe('limits of the floor as a whole'),
    sizing: SizingConfig.prefault({}).describe('fractional Kelly and its multipliers'),
    heat: HeatConfig.prefault({}).describe('drawdown heat levels, for the floor and for each agent'),
    breakers: BreakersConfig.prefault({}).describe('circuit breakers'),
  })
  .strict();
export type RiskConfig = z.output<typeof RiskConfig>;
export type RiskConfigInput = z.input<typeof RiskConfig>;

/** What the pre-trade engine enforces for one agent: the floor's limits and the agent's merged ones. */
export interface PreTradeLimits {
  readonly agent: AgentRiskLimits;
  readonly floor: FloorRiskLimits;
}

/**
 * The limits of one agent: the floor's `risk.agent` with the strategy file's `risk:` block merged over it
 * key by key. Throws a ConfigError if the merge breaks a cross-field rule (the override alone may be fine).
 */
export function resolveRiskLimits(config: RiskConfig, override?: AgentRiskOverride): PreTradeLimits {
  const agent = { ...config.agent, ...definedOnly(override ?? {}) };
  if (!priceBandIsOrdered(agent)) {
    throw new ConfigError(`risk: ${PRICE_BAND_MESSAGE} (minPrice ${agent.minPrice}, maxPrice ${agent.maxPrice} after the merge)`);
  }
  return { agent, floor: config.floor };
}

/**
 * An override as JSON that `AgentRiskOverride` parses back to the same value: money in dollars as decimal strings
 * (the way a strategy file writes it), not micros. The Boss stores this in `agents.risk` for the executor.
 */
export function riskOverrideToJson(override: AgentRiskOverride): Record<string, number | string> {
  return Object.fromEntries(Object.entries(definedOnly(override)).map(([key, v]) => [key, typeof v === 'bigint' ? formatMicros(v) : v]));
}

/** ⌊amount × share⌋, with the share taken to the nearest millionth first: integer money, no float products. */
export function shareOfMicros(amountMicros: bigint, share: number): bigint {
  return (amountMicros * numberToMicros(share)) / 1_000_000n;
}

/** The keys whose value is not undefined (so a spread never overwrites a default with `undefined`). */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
