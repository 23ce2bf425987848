/**
 * Why an intent was denied. A closed union: the executor records it, agents switch on it, dashboards count it.
 * The first block is the basic gate's (`checkIntent`); the rest belong to the pre-trade engine (`evaluateIntent`).
 */
export const RISK_CODES = [
  // basic gate
  'KILL_SWITCH',
  'INVALID_ORDER',
  'UNKNOWN_MARKET',
  'MARKET_RESOLVED',
  'INSUFFICIENT_POSITION',
  'NO_BOOK',
  'STALE_BOOK',
  'MAX_STAKE_EXCEEDED',
  'INSUFFICIENT_CASH',
  // pre-trade engine
  'TRADING_HALTED',
  'TRADING_REDUCING',
  'DAILY_LOSS_LIMIT',
  'PRICE_OUT_OF_BAND',
  'SPREAD_TOO_WIDE',
  'INSUFFICIENT_LIQUIDITY',
  'EDGE_TOO_SMALL',
  'AGENT_RATE_LIMITED',
  'MARKET_RATE_LIMITED',
  'TRADE_SHARE_EXCEEDED',
  'AGENT_DEPLOYED_LIMIT',
  'FLOOR_DEPLOYED_LIMIT',
  'MAX_OPEN_POSITIONS',
  'CORRELATED_POSITIONS_LIMIT',
  'CATEGORY_EXPOSURE_LIMIT',
  'EVENT_EXPOSURE_LIMIT',
  // the agent's own limits do not hold together (its `risk:` override merged over the floor's); nothing trades
  'RISK_CONFIG_INVALID',
] as const;

export type RiskCode = (typeof RISK_CODES)[number];

/**
 * Numbers behind a decision, for the audit log and for people. Money stays bigint micros: write it with
 * `stringifyWire` (domain), which turns bigints into decimal strings.
 */
export type RiskDetails = Readonly<Record<string, bigint | number | string | boolean | null>>;
