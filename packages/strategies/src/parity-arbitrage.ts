import { z } from 'zod';
import {
  formatMicros,
  MICROS_PER_UNIT,
  minBig,
  notionalMicros,
  takerFeeMicros,
  type BookLevel,
  type BookSnapshot,
  type FeeSchedule,
  type PriceMicros,
  type SharesMicros,
  type UsdMicros,
} from '@floor/domain';
import { bookFor, isNearEnd, kernelBuyReserveMicros, largestLotSize, outcomeTokenIds, stakeUsdParam, updateStaleTokens, usdMicros } from './entries.js';
import type { Decision, IntentDraft, Strategy, StrategyContext } from './strategy.js';

const DAY_MS = 24 * 3_600_000;

export const ParityArbitrageParams = z
  .object({
    stakeUsd: stakeUsdParam(50, 'USD to spend on one entry, both legs and their fees together (capped by cash)'),
    maxMarketCostUsd: z
      .number()
      .min(1)
      .max(1_000_000)
      .default(500)
      .describe('most USD of cost to hold in one market (both legs); entries repeat while the edge lasts, up to this'),
    minEdgeMicros: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(5_000)
      .describe('least profit per pair of shares after fees, in micro-USD (5_000 = half a cent), as a margin for error'),
    noEntryBeforeEndMs: z
      .number()
      .int()
      .min(0)
      .max(30 * DAY_MS)
      .default(0)
      .describe('open nothing this many milliseconds before the market end date (0 = until the end date)'),
  })
  .strict();
export type ParityArbitrageParams = z.output<typeof ParityArbitrageParams>;

interface MarketState {
  readonly staleTokenIds: readonly string[];
  readonly resolved: boolean;
}

export interface ParityArbitrageState {
  readonly markets: Readonly<Record<string, MarketState>>;
}

const EMPTY_MARKET: MarketState = { staleTokenIds: [], resolved: false };

/** What buying `sizeMicros` of both legs at the given asks costs, fees included, rounded against us. */
export function pairCostMicros(askYes: PriceMicros, askNo: PriceMicros, sizeMicros: SharesMicros, fee: FeeSchedule): UsdMicros {
  return (
    notionalMicros(askYes, sizeMicros, 'ceil') +
    notionalMicros(askNo, sizeMicros, 'ceil') +
    takerFeeMicros(fee, askYes, sizeMicros) +
    takerFeeMicros(fee, askNo, sizeMicros)
  );
}

/**
 * The largest pair size, equal on both legs and in whole lots, that fits in the depth at both best asks, costs
 * at most `budgetMicros` with fees, and leaves both legs inside `cashMicros` as the kernel reserves cash (so it
 * never shrinks the second leg and leaves half a pair unhedged).
 */
export function pairSizeMicros(
  askYes: PriceMicros,
  askNo: PriceMicros,
  depthMicros: SharesMicros,
  budgetMicros: UsdMicros,
  cashMicros: UsdMicros,
  fee: FeeSchedule,
): SharesMicros {
  const pairPriceMicros = askYes + askNo;
  if (budgetMicros <= 0n || pairPriceMicros <= 0n || depthMicros <= 0n) return 0n;
  return largestLotSize(
    minBig(depthMicros, (budgetMicros * MICROS_PER_UNIT) / pairPriceMicros),
    (size) =>
      pairCostMicros(askYes, askNo, size, fee) <= budgetMicros &&
      kernelBuyReserveMicros(askYes, size, fee) + kernelBuyReserveMicros(askNo, size, fee) <= cashMicros,
  );
}

/**
 * True when `sizeMicros` pairs pay out (1 per pair) more than they cost plus the margin:
 * cost + minEdge × size < size, i.e. askYes + askNo + fees per pair + minEdge < 1, in exact integers.
 */
export function isParityProfitable(costMicros: UsdMicros, sizeMicros: SharesMicros, minEdgeMicros: bigint): boolean {
  return costMicros * MICROS_PER_UNIT + minEdgeMicros * sizeMicros < sizeMicros * MICROS_PER_UNIT;
}

/**
 * Buys YES and NO in equal size when both best asks plus both taker fees plus a margin cost less than the
 * 1 the pair pays at resolution. Holds to resolution (the executor settles); no exits. Adds more on later
 * books while the edge lasts, up to `maxMarketCostUsd` per market.
 */
export const parityArbitrage: Strategy<ParityArbitrageParams, ParityArbitrageState> = {
  name: 'parity-arbitrage',
  interfaceVersion: 1,
  description: 'Buys both outcomes of a binary market when their asks plus fees sum below 1; holds to resolution.',
  params: ParityArbitrageParams,
  init: () => ({ markets: {} }),
  onMarketEvent(ctx, state, event) {
    switch (event.type) {
      case 'book':
        return onBook(ctx, state, event);
      case 'resolved': {
        const market = state.markets[event.marketId] ?? EMPTY_MARKET;
        return { state: withMarket(state, event.marketId, { ...market, resolved: true }), intents: [] };
      }
      case 'trade':
      case 'listed':
        return { state, intents: [] };
    }
  },
};

function onBook(
  ctx: StrategyContext<ParityArbitrageParams>,
  state: ParityArbitrageState,
  event: BookSnapshot,
): Decision<ParityArbitrageState> {
  const market = ctx.market(event.marketId);
  const prior = state.markets[event.marketId] ?? EMPTY_MARKET;
  if (market === undefined || prior.resolved) return { state, intents: [] };
  const next: MarketState = { ...prior, staleTokenIds: updateStaleTokens(prior.staleTokenIds, event) };
  const newState = withMarket(state, market.marketId, next);
  const params = ctx.params;

  const { yes, no } = outcomeTokenIds(market);
  if (next.staleTokenIds.length > 0) return { state: newState, intents: [] };
  if (isNearEnd(market, ctx.nowMs, params.noEntryBeforeEndMs)) return { state: newState, intents: [] };
  // a leg still in flight means the last pair is not settled yet: wait rather than risk stacking one leg
  if (ctx.portfolio.hasPendingIntent(yes) || ctx.portfolio.hasPendingIntent(no)) return { state: newState, intents: [] };

  const bestYes = bookFor(ctx, event, yes)?.asks[0];
  const bestNo = bookFor(ctx, event, no)?.asks[0];
  if (bestYes === undefined || bestNo === undefined) return { state: newState, intents: [] };

  const heldCostMicros = (ctx.portfolio.position(yes)?.costMicros ?? 0n) + (ctx.portfolio.position(no)?.costMicros ?? 0n);
  const budgetMicros = minBig(usdMicros(params.stakeUsd), usdMicros(params.maxMarketCostUsd) - heldCostMicros);
  const sizeMicros = pairSizeMicros(
    bestYes.priceMicros,
    bestNo.priceMicros,
    minBig(bestYes.sizeMicros, bestNo.sizeMicros),
    budgetMicros,
    ctx.portfolio.cashMicros,
    market.fee,
  );
  if (sizeMicros <= 0n || sizeMicros < market.minOrderSizeMicros) return { state: newState, intents: [] };

  const costMicros = pairCostMicros(bestYes.priceMicros, bestNo.priceMicros, sizeMicros, market.fee);
  if (!isParityProfitable(costMicros, sizeMicros, BigInt(params.minEdgeMicros))) return { state: newState, intents: [] };

  const reason = `parity asks=${formatMicros(bestYes.priceMicros + bestNo.priceMicros)} cost=${formatMicros(costMicros)} pays=${formatMicros(sizeMicros)}`;
  return { state: newState, intents: [buyLeg(market.marketId, yes, bestYes, sizeMicros, reason), buyLeg(market.marketId, no, bestNo, sizeMicros, reason)] };
}

function buyLeg(marketId: string, tokenId: string, best: BookLevel, sizeMicros: SharesMicros, reason: string): IntentDraft {
  return { marketId, tokenId, side: 'BUY', limitPriceMicros: best.priceMicros, sizeMicros, orderType: 'FAK', reason };
}

function withMarket(state: ParityArbitrageState, marketId: string, market: MarketState): ParityArbitrageState {
  return { markets: { ...state.markets, [marketId]: market } };
}
