import type { BookLevel, MarketInfo, OrderIntent } from '@floor/domain';
import { RiskConfig, resolveRiskLimits, type PreTradeLimits } from './config.js';
import type { PreTradeView } from './engine.js';
import type { OpenPosition } from './exposure.js';
import { ACTIVE } from './trading-state.js';

/** Builders for the risk tests: a world in which the baseline entry passes every check with room to spare. */

export const USD = 1_000_000n;
export const NOW_MS = 1_750_000_000_000;

export const market = (over: Partial<MarketInfo> = {}): MarketInfo => ({
  marketId: 'm1',
  question: 'Will it?',
  slug: 'will-it',
  category: 'crypto',
  eventId: 'ev1',
  endDateMs: NOW_MS + 3 * 24 * 3_600_000,
  tickSizeMicros: 10_000n,
  minOrderSizeMicros: 5_000_000n,
  negRisk: false,
  fee: { rateMicros: 0n, exponent: 1, takerOnly: true },
  tokens: [
    { tokenId: 'yes', outcome: 'Yes' },
    { tokenId: 'no', outcome: 'No' },
  ],
  ...over,
});

/** A BUY of 100 shares at 0.50: a $50 stake. */
export const intent = (over: Partial<OrderIntent> = {}): OrderIntent => ({
  type: 'intent',
  v: 1,
  intentId: 'int_abc',
  agentId: 'momo',
  marketId: 'm1',
  tokenId: 'yes',
  side: 'BUY',
  orderType: 'FAK',
  limitPriceMicros: 500_000n,
  sizeMicros: 100n * USD,
  reason: 'test',
  causationId: 'evt_1',
  tsEventMs: NOW_MS,
  tsCreatedMs: NOW_MS,
  live: false,
  ...over,
});

export const level = (priceMicros: bigint, sizeMicros: bigint): BookLevel => ({ priceMicros, sizeMicros });

/** bid 0.49 × 1000, ask 0.50 × 1000: a one-cent spread and $500 on offer at the baseline limit. */
export const book = (over: Partial<NonNullable<PreTradeView['book']>> = {}): NonNullable<PreTradeView['book']> => ({
  stale: false,
  publishedMs: NOW_MS - 1_000,
  bids: [level(490_000n, 1_000n * USD)],
  asks: [level(500_000n, 1_000n * USD)],
  ...over,
});

/** A $10,000 floor, flat on the day, nothing open. */
export const view = (over: Partial<PreTradeView> = {}): PreTradeView => ({
  nowMs: NOW_MS,
  killSwitch: { global: null, agent: null, market: null },
  tradingState: { floor: ACTIVE, agent: ACTIVE },
  sizeMultiplier: 1,
  market: { info: market(), resolved: false },
  book: book(),
  floor: { bankrollMicros: 10_000n * USD, equityMicros: 10_000n * USD, dayStartEquityMicros: 10_000n * USD },
  positionMicros: 0n,
  openPositions: [],
  recentOrders: [],
  ...over,
});

/** The default limits: $100 per order, 2 % / 10 % / 40 % of the bankroll, 25 % category, 10 % event. */
export const limits = (agent: Parameters<typeof resolveRiskLimits>[1] = {}): PreTradeLimits => resolveRiskLimits(RiskConfig.parse({}), agent);

let positionSeq = 0;
/** An open position; a fresh market (category 'other', no event) unless told otherwise. */
export const position = (over: Partial<OpenPosition> = {}): OpenPosition => {
  positionSeq += 1;
  return {
    agentId: 'momo',
    marketId: `px${positionSeq}`,
    tokenId: `px${positionSeq}-yes`,
    category: 'other',
    eventId: '',
    sizeMicros: 10n * USD,
    costMicros: 5n * USD,
    ...over,
  };
};
