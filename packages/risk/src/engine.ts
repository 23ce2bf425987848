import { MICROS_PER_UNIT, notionalMicros, numberToMicros, type BookLevel, type MarketInfo, type OrderIntent } from '@floor/domain';
import { DEFAULT_SIZE_STEP_MICROS, feePerShareMicros } from '@floor/llm/sizing';
import type { RiskCode, RiskDetails } from './codes.js';
import { shareOfMicros, type PreTradeLimits } from './config.js';
import { summariseExposure, type ExposureSummary, type OpenPosition } from './exposure.js';
import { countInWindow, nextSlotMs, type RecentOrder } from './rate-limit.js';
import { describeTradingState, type ScopedTradingState } from './trading-state.js';

/**
 * The pre-trade risk engine (STYLE #3): a pure function from an intent, a view of the world and the limits to
 * Approved (with a size, possibly reduced) or Denied (a value naming the check, a code, a message and the
 * numbers). Nothing here throws for a business reason and nothing reads a clock or a database.
 *
 * Exits are sacred: a SELL that reduces a position passes every policy check. Only a kill switch or a hard
 * halt (trading state `halted`, set by an operator or the Boss) stops it, and no check ever lets a SELL exceed
 * the position (no shorting). Everything else bounds new risk, so it applies to entries (BUYs) only.
 *
 * How it fits with the basic gate: the executor calls `evaluateIntent` before matching, matches the intent at
 * the approved size, then keeps calling `checkIntent` on the matched result as the last gate (cash against the
 * real fill cost). See the package README section in index.ts.
 */

/** What the engine sees. The executor builds it inside the agent's transaction (see index.ts for a recipe). */
export interface PreTradeView {
  readonly nowMs: number;
  /** the reason of each switch that is on; null = off. Any one denies everything, exits included. */
  readonly killSwitch: { readonly global: string | null; readonly agent: string | null; readonly market: string | null };
  /** floor and agent trading state: the Boss's setting combined with the breakers' (`mostRestrictive`) */
  readonly tradingState: { readonly floor: ScopedTradingState; readonly agent: ScopedTradingState };
  /**
   * 0..1: stake multiplier from drawdown heat and reduced sizing after a daily-loss reset (`breakerRestrictions`).
   * It scales the per-order stake caps, so in a half-size regime an order of more than half the usual cap is denied.
   */
  readonly sizeMultiplier: number;
  /** undefined = the market is not in the registry */
  readonly market: { readonly info: MarketInfo; readonly resolved: boolean } | undefined;
  /** latest book of `intent.tokenId`; undefined = none */
  readonly book: { readonly stale: boolean; readonly publishedMs: number; readonly bids: readonly BookLevel[]; readonly asks: readonly BookLevel[] } | undefined;
  readonly floor: {
    /** capital the floor's shares are taken of (the configured bankroll, or equity if you prefer it to float) */
    readonly bankrollMicros: bigint;
    readonly equityMicros: bigint;
    /** equity at the start of the UTC day, or where a manual reset of the daily-loss breaker rebased it */
    readonly dayStartEquityMicros: bigint;
  };
  /** shares of `intent.tokenId` the agent holds */
  readonly positionMicros: bigint;
  /** every open position on the floor, all agents */
  readonly openPositions: readonly OpenPosition[];
  /** orders the gate accepted within the longest rate window, all agents */
  readonly recentOrders: readonly RecentOrder[];
  /**
   * The intent's edge estimate, when its strategy has one: (win probability − limit price) per share, in bps
   * of $1, BEFORE fees. The engine subtracts the market's taker fee at the limit price.
   */
  readonly grossEdgeBps?: number;
}

export interface SizeReduction {
  readonly check: CheckName;
  readonly fromMicros: bigint;
  readonly toMicros: bigint;
  readonly details: RiskDetails;
}

export interface Approved {
  readonly ok: true;
  /** size to send: the intent's, or less when a check reduced it */
  readonly sizeMicros: bigint;
  readonly exit: boolean;
  readonly reductions: readonly SizeReduction[];
}

export interface Denied {
  readonly ok: false;
  readonly check: CheckName;
  readonly code: RiskCode;
  readonly message: string;
  readonly details: RiskDetails;
}

export type PreTradeDecision = Approved | Denied;

/** Every check, in the order the engine runs them: the first failing one names the denial. */
export const CHECK_NAMES = [
  'killSwitch',
  'orderShape',
  'marketListed',
  'hardHalt',
  'noShorting',
  // entries only from here on
  'tradingState',
  'dailyLoss',
  'dataFresh',
  'priceBand',
  'spread',
  'minLiquidity',
  'minEdge',
  'agentRate',
  'marketRate',
  'liquidityCap',
  'maxStake',
  'tradeShare',
  'agentDeployed',
  'floorDeployed',
  'openPositions',
  'correlatedPositions',
  'categoryExposure',
  'eventExposure',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** What one check sees. `sizeMicros` is the size after the reductions of the checks before it. */
interface CheckInput {
  readonly intent: OrderIntent;
  readonly view: PreTradeView;
  readonly limits: PreTradeLimits;
  readonly sizeMicros: bigint;
  readonly market: { readonly info: MarketInfo; readonly resolved: boolean };
  readonly exposure: ExposureSummary;
}

type CheckOutcome = undefined | { readonly deny: RiskCode; readonly message: string; readonly details?: RiskDetails } | { readonly reduceTo: bigint; readonly details: RiskDetails };

interface Check {
  readonly name: CheckName;
  run(input: CheckInput): CheckOutcome;
}

const pass = undefined;
const deny = (code: RiskCode, message: string, details: RiskDetails = {}): CheckOutcome => ({ deny: code, message, details });

/**
 * Decides one intent. `limits` are the agent's (`resolveRiskLimits(floorConfig.risk, agentFile.risk)`).
 */
export function evaluateIntent(intent: OrderIntent, view: PreTradeView, limits: PreTradeLimits): PreTradeDecision {
  // The first three need nothing but the intent: they guard what the rest may assume.
  const early = firstDenial(intent, view);
  if (early) return early;
  const market = view.market as NonNullable<PreTradeView['market']>; // marketListed passed

  if (intent.side === 'SELL') {
    // no shorting: a SELL beyond the position is not an exit, it is an error
    if (intent.sizeMicros > view.positionMicros) {
      return denied('noShorting', 'INSUFFICIENT_POSITION', `sell of ${intent.sizeMicros} exceeds the ${view.positionMicros} held`, {
        sizeMicros: intent.sizeMicros,
        positionMicros: view.positionMicros,
      });
    }
    return { ok: true, sizeMicros: intent.sizeMicros, exit: true, reductions: [] };
  }

  const exposure = summariseExposure(view.openPositions, intent.agentId, market.info, intent.tokenId);
  let sizeMicros = intent.sizeMicros;
  const reductions: SizeReduction[] = [];
  for (const check of ENTRY_CHECKS) {
    const outcome = check.run({ intent, view, limits, sizeMicros, market, exposure });
    if (outcome === undefined) continue;
    if ('deny' in outcome) return denied(check.name, outcome.deny, outcome.message, outcome.details ?? {});
    if (outcome.reduceTo < sizeMicros) {
      reductions.push({ check: check.name, fromMicros: sizeMicros, toMicros: outcome.reduceTo, details: outcome.details });
      sizeMicros = outcome.reduceTo;
    }
  }
  return { ok: true, sizeMicros, exit: false, reductions };
}

function denied(check: CheckName, code: RiskCode, message: string, details: RiskDetails): Denied {
  return { ok: false, check, code, message, details };
}

/** Kill switches, order shape, market, hard halt: these apply to exits too. */
function firstDenial(intent: OrderIntent, view: PreTradeView): Denied | undefined {
  const { killSwitch } = view;
  for (const scope of ['global', 'agent', 'market'] as const) {
    const reason = killSwitch[scope];
    if (reason !== null) return denied('killSwitch', 'KILL_SWITCH', reason || `${scope} kill switch on`, { scope });
  }

  if (intent.limitPriceMicros <= 0n || intent.limitPriceMicros >= MICROS_PER_UNIT) {
    return denied('orderShape', 'INVALID_ORDER', `limit price ${intent.limitPriceMicros} micros is outside (0, 1)`, { limitPriceMicros: intent.limitPriceMicros });
  }
  if (intent.sizeMicros <= 0n) {
    return denied('orderShape', 'INVALID_ORDER', `size ${intent.sizeMicros} micros is not positive`, { sizeMicros: intent.sizeMicros });
  }

  const market = view.market;
  if (!market) return denied('marketListed', 'UNKNOWN_MARKET', `market ${intent.marketId} is not in the registry`, { marketId: intent.marketId });
  if (!market.info.tokens.some((t) => t.tokenId === intent.tokenId)) {
    return denied('marketListed', 'UNKNOWN_MARKET', `token ${intent.tokenId} is not an outcome of market ${intent.marketId}`, { tokenId: intent.tokenId });
  }
  if (market.resolved) return denied('marketListed', 'MARKET_RESOLVED', `market ${intent.marketId} has resolved`, { marketId: intent.marketId });

  for (const scope of ['floor', 'agent'] as const) {
    const state = view.tradingState[scope];
    if (state.state === 'halted') {
      return denied('hardHalt', 'TRADING_HALTED', `${scope} trading is halted${describeTradingState(state)}`, { scope, reason: state.reason });
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------- entry checks

const stakeOf = (input: CheckInput) => notionalMicros(input.intent.limitPriceMicros, input.sizeMicros, 'ceil');
const bpsToMicros = (bps: number) => BigInt(Math.round(bps * 100)); // 1 bp of $1 = 100 micros
const ppm = (fraction: number) => numberToMicros(fraction);

/**
 * A GTC order rests what does not cross (live), so it is not bound by the depth on offer: the liquidity checks
 * are about what an order takes, and bind FAK and FOK orders only. (The paper exchange cancels a GTC's
 * remainder, so there it is at most a partial fill, like an uncapped FAK.)
 */
const rests = (intent: OrderIntent) => intent.orderType === 'GTC';

/** Levels of the side a BUY takes (asks) at or better than the limit. */
function levelsWithinLimit(input: CheckInput): readonly BookLevel[] {
  return (input.view.book?.asks ?? []).filter((l) => l.priceMicros <= input.intent.limitPriceMicros);
}

/** A share of the bankroll as a cap on a sum that `addMicros` would raise to `totalMicros`. */
function capCheck(code: RiskCode, what: string, totalMicros: bigint, capMicros: bigint, details: RiskDetails): CheckOutcome {
  if (totalMicros <= capMicros) return pass;
  return deny(code, `${what}: ${totalMicros} micros would exceed the cap of ${capMicros}`, { ...details, totalMicros, capMicros });
}

const ENTRY_CHECKS: readonly Check[] = [
  {
    name: 'tradingState',
    run: ({ view }) => {
      for (const scope of ['floor', 'agent'] as const) {
        const state = view.tradingState[scope];
        if (state.state === 'reducing') {
          return deny('TRADING_REDUCING', `${scope} is reducing only: exits allowed, no entries${describeTradingState(state)}`, { scope, reason: state.reason });
        }
      }
      return pass;
    },
  },
  {
    // Reaching the limit pauses entries (the breaker latches it until the next UTC day or a manual reset;
    // this check makes the pause immediate, before the breaker has seen the equity).
    name: 'dailyLoss',
    run: ({ view, limits }) => {
      const { dayStartEquityMicros: start, equityMicros } = view.floor;
      if (start <= 0n) return pass;
      const lossMicros = start - equityMicros;
      const limitMicros = shareOfMicros(start, limits.floor.dailyLossLimit);
      if (lossMicros < limitMicros) return pass;
      return deny('DAILY_LOSS_LIMIT', `the floor lost ${lossMicros} micros today, the limit is ${limitMicros}`, {
        lossMicros,
        limitMicros,
        dayStartEquityMicros: start,
        equityMicros,
      });
    },
  },
  {
    name: 'dataFresh',
    run: ({ intent, view, limits }) => {
      const { book } = view;
      if (!book) return deny('NO_BOOK', `no book for token ${intent.tokenId}`, { tokenId: intent.tokenId });
      if (book.stale) return deny('STALE_BOOK', `the feed marks the book of ${intent.tokenId} stale`, { tokenId: intent.tokenId });
      const ageMs = view.nowMs - book.publishedMs;
      const maxMs = limits.agent.maxDataAgeMs;
      if (maxMs > 0 && ageMs > maxMs) return deny('STALE_BOOK', `book of ${intent.tokenId} is ${ageMs} ms old (limit ${maxMs} ms)`, { ageMs, maxMs });
      return pass;
    },
  },
  {
    name: 'priceBand',
    run: ({ intent, limits }) => {
      const minMicros = ppm(limits.agent.minPrice);
      const maxMicros = ppm(limits.agent.maxPrice);
      const price = intent.limitPriceMicros;
      if (price >= minMicros && price <= maxMicros) return pass;
      return deny('PRICE_OUT_OF_BAND', `limit price ${price} micros is outside [${minMicros}, ${maxMicros}]`, { limitPriceMicros: price, minMicros, maxMicros });
    },
  },
  {
    name: 'spread',
    run: ({ view, limits }) => {
      const bid = view.book?.bids[0]?.priceMicros;
      const ask = view.book?.asks[0]?.priceMicros;
      if (bid === undefined || ask === undefined) return deny('SPREAD_TOO_WIDE', 'one-sided book: no spread to judge the price by', { hasBid: bid !== undefined, hasAsk: ask !== undefined });
      const spreadMicros = ask - bid;
      const maxMicros = bpsToMicros(limits.agent.maxSpreadBps);
      if (spreadMicros <= maxMicros) return pass;
      return deny('SPREAD_TOO_WIDE', `spread ${spreadMicros} micros exceeds ${maxMicros}`, { spreadMicros, maxMicros, bidMicros: bid, askMicros: ask });
    },
  },
  {
    // Visible depth = notional of the asks at or better than the limit: what this order could take at all.
    name: 'minLiquidity',
    run: (input) => {
      if (rests(input.intent)) return pass;
      const depthMicros = levelsWithinLimit(input).reduce((sum, l) => sum + notionalMicros(l.priceMicros, l.sizeMicros, 'floor'), 0n);
      const minMicros = input.limits.agent.minLiquidityUsd;
      if (depthMicros >= minMicros) return pass;
      return deny('INSUFFICIENT_LIQUIDITY', `${depthMicros} micros on offer at or better than the limit, need ${minMicros}`, { depthMicros, minMicros });
    },
  },
  {
    name: 'minEdge',
    run: ({ intent, view, limits, market }) => {
      if (view.grossEdgeBps === undefined) return pass;
      const feeMicros = feePerShareMicros(market.info.fee, intent.limitPriceMicros);
      const netEdgeMicros = bpsToMicros(view.grossEdgeBps) - feeMicros;
      const minMicros = bpsToMicros(limits.agent.minEdgeBps);
      if (netEdgeMicros >= minMicros) return pass;
      return deny('EDGE_TOO_SMALL', `edge after fees ${netEdgeMicros} micros per share is below ${minMicros}`, {
        grossEdgeBps: view.grossEdgeBps,
        feePerShareMicros: feeMicros,
        netEdgeMicros,
        minMicros,
      });
    },
  },
  {
    name: 'agentRate',
    run: ({ intent, view, limits }) => {
      const { maxOrdersPerWindow: max, rateWindowMs: windowMs } = limits.agent;
      const mine = (o: RecentOrder) => o.agentId === intent.agentId;
      const count = countInWindow(view.recentOrders, view.nowMs, windowMs, mine);
      if (count < max) return pass;
      const retryAtMs = nextSlotMs(view.recentOrders, view.nowMs, windowMs, max, mine);
      return deny('AGENT_RATE_LIMITED', `${count} orders in the last ${windowMs} ms, the limit is ${max}`, { count, max, windowMs, retryAtMs });
    },
  },
  {
    name: 'marketRate',
    run: ({ intent, view, limits }) => {
      const { maxOrdersPerMarketWindow: max, marketRateWindowMs: windowMs } = limits.floor;
      const here = (o: RecentOrder) => o.marketId === intent.marketId;
      const count = countInWindow(view.recentOrders, view.nowMs, windowMs, here);
      if (count < max) return pass;
      const retryAtMs = nextSlotMs(view.recentOrders, view.nowMs, windowMs, max, here);
      return deny('MARKET_RATE_LIMITED', `${count} orders to market ${intent.marketId} in the last ${windowMs} ms, the limit is ${max}`, {
        count,
        max,
        windowMs,
        retryAtMs,
      });
    },
  },
  {
    // Reduces rather than denies: take at most a share of what is on offer, in whole 0.01-share steps.
    name: 'liquidityCap',
    run: (input) => {
      if (rests(input.intent)) return pass;
      // a share of 1 is "all that is on offer": an order that does not rest takes no more than that anyway, so
      // there is nothing to reduce (and the order keeps the size the agent asked for, as a backtest records it)
      if (input.limits.agent.maxDepthShare >= 1) return pass;
      const depthSharesMicros = levelsWithinLimit(input).reduce((sum, l) => sum + l.sizeMicros, 0n);
      const capMicros = shareOfMicros(depthSharesMicros, input.limits.agent.maxDepthShare);
      if (input.sizeMicros <= capMicros) return pass;
      const reduced = capMicros - (capMicros % DEFAULT_SIZE_STEP_MICROS);
      const minOrder = input.market.info.minOrderSizeMicros;
      const details = { depthSharesMicros, maxDepthShare: input.limits.agent.maxDepthShare, capMicros: reduced, minOrderSizeMicros: minOrder };
      if (reduced <= 0n || reduced < minOrder) {
        return deny('INSUFFICIENT_LIQUIDITY', `the depth cap of ${reduced} micros is below the market minimum of ${minOrder}`, details);
      }
      return { reduceTo: reduced, details };
    },
  },
  {
    name: 'maxStake',
    run: (input) => {
      const capMicros = scaled(input.limits.agent.maxStakeUsd, input.view.sizeMultiplier);
      return capCheck('MAX_STAKE_EXCEEDED', 'stake of the order', stakeOf(input), capMicros, { sizeMultiplier: input.view.sizeMultiplier });
    },
  },
  {
    name: 'tradeShare',
    run: (input) => {
      const { bankrollMicros } = input.view.floor;
      const capMicros = scaled(shareOfMicros(bankrollMicros, input.limits.agent.maxTradeShare), input.view.sizeMultiplier);
      return capCheck('TRADE_SHARE_EXCEEDED', 'stake of the order', stakeOf(input), capMicros, {
        bankrollMicros,
        maxTradeShare: input.limits.agent.maxTradeShare,
        sizeMultiplier: input.view.sizeMultiplier,
      });
    },
  },
  {
    name: 'agentDeployed',
    run: (input) => {
      const { bankrollMicros } = input.view.floor;
      const capMicros = shareOfMicros(bankrollMicros, input.limits.agent.maxDeployedShare);
      const deployed = input.exposure.agentDeployedMicros;
      return capCheck('AGENT_DEPLOYED_LIMIT', "agent's deployed capital", deployed + stakeOf(input), capMicros, { deployedMicros: deployed });
    },
  },
  {
    name: 'floorDeployed',
    run: (input) => {
      const { bankrollMicros } = input.view.floor;
      const capMicros = shareOfMicros(bankrollMicros, input.limits.floor.maxDeployedShare);
      const deployed = input.exposure.floorDeployedMicros;
      return capCheck('FLOOR_DEPLOYED_LIMIT', "floor's deployed capital", deployed + stakeOf(input), capMicros, { deployedMicros: deployed });
    },
  },
  {
    name: 'openPositions',
    run: ({ exposure, limits }) => {
      const max = limits.agent.maxOpenPositions;
      if (!exposure.opensNewPosition || exposure.agentOpenPositions < max) return pass;
      return deny('MAX_OPEN_POSITIONS', `the agent holds ${exposure.agentOpenPositions} positions, the limit is ${max}`, { open: exposure.agentOpenPositions, max });
    },
  },
  {
    name: 'correlatedPositions',
    run: ({ exposure, limits }) => {
      const max = limits.agent.maxCorrelatedPositions;
      if (!exposure.opensNewPosition || exposure.agentCorrelatedPositions < max) return pass;
      return deny('CORRELATED_POSITIONS_LIMIT', `the agent holds ${exposure.agentCorrelatedPositions} correlated positions, the limit is ${max}`, {
        correlated: exposure.agentCorrelatedPositions,
        max,
      });
    },
  },
  {
    name: 'categoryExposure',
    run: (input) => {
      const capMicros = shareOfMicros(input.view.floor.bankrollMicros, input.limits.floor.maxCategoryShare);
      const deployed = input.exposure.categoryDeployedMicros;
      return capCheck('CATEGORY_EXPOSURE_LIMIT', `floor exposure to ${input.market.info.category}`, deployed + stakeOf(input), capMicros, {
        category: input.market.info.category,
        deployedMicros: deployed,
      });
    },
  },
  {
    name: 'eventExposure',
    run: (input) => {
      const capMicros = shareOfMicros(input.view.floor.bankrollMicros, input.limits.floor.maxEventShare);
      const deployed = input.exposure.eventDeployedMicros;
      const event = input.market.info.eventId || input.market.info.marketId;
      return capCheck('EVENT_EXPOSURE_LIMIT', `floor exposure to event ${event}`, deployed + stakeOf(input), capMicros, { event, deployedMicros: deployed });
    },
  },
];

/** ⌊amount × multiplier⌋ with the multiplier clamped to [0, 1]. */
function scaled(amountMicros: bigint, multiplier: number): bigint {
  return shareOfMicros(amountMicros, Math.min(1, Math.max(0, multiplier)));
}
