import { MICROS_PER_UNIT, type BookLevel, type MarketInfo } from '@floor/domain';
import { decimal, decimalNumber } from './format.js';

/**
 * Gamma market and event objects as https://gamma-api.polymarket.com sends them: `outcomes`,
 * `outcomePrices` and `clobTokenIds` are JSON text inside the JSON, `volume`/`liquidity` decimal
 * strings, prices and ticks JSON numbers (see packages/polymarket/test/fixtures/gamma_*.json).
 */

export interface GammaMarketView {
  readonly info: MarketInfo;
  readonly gammaId: string;
  readonly closed: boolean;
  readonly acceptingOrders: boolean;
  readonly winningTokenId: string | null;
  readonly tickSizeMicros: bigint;
  /** YES token book, best first */
  readonly yesBook: { readonly bids: readonly BookLevel[]; readonly asks: readonly BookLevel[] } | null;
  readonly lastTradePriceMicros: bigint | null;
  readonly volumeMicros: bigint;
  readonly closedAtMs: number | null;
}

function outcomePrices(view: GammaMarketView): [string, string] {
  const [yes, no] = view.info.tokens;
  if (view.winningTokenId !== null) return view.winningTokenId === yes?.tokenId ? ['1', '0'] : view.winningTokenId === no?.tokenId ? ['0', '1'] : ['0', '0'];
  const bid = view.yesBook?.bids[0]?.priceMicros;
  const ask = view.yesBook?.asks[0]?.priceMicros;
  const yesPrice = bid !== undefined && ask !== undefined ? (bid + ask) / 2n : (view.lastTradePriceMicros ?? MICROS_PER_UNIT / 2n);
  return [decimal(yesPrice), decimal(MICROS_PER_UNIT - yesPrice)];
}

function liquidityMicros(view: GammaMarketView): bigint {
  let total = 0n;
  for (const l of [...(view.yesBook?.bids ?? []), ...(view.yesBook?.asks ?? [])]) total += (l.priceMicros * l.sizeMicros) / MICROS_PER_UNIT;
  return total;
}

export function gammaMarket(view: GammaMarketView, eventTitle: string) {
  const { info } = view;
  const bestBid = view.yesBook?.bids[0]?.priceMicros;
  const bestAsk = view.yesBook?.asks[0]?.priceMicros;
  const feesEnabled = info.fee.rateMicros > 0n;
  return {
    id: view.gammaId,
    question: info.question,
    conditionId: info.marketId,
    slug: info.slug,
    endDate: new Date(info.endDateMs).toISOString(),
    endDateIso: new Date(info.endDateMs).toISOString().slice(0, 10),
    category: info.category,
    outcomes: JSON.stringify(info.tokens.map((t) => t.outcome)),
    outcomePrices: JSON.stringify(outcomePrices(view)),
    clobTokenIds: JSON.stringify(info.tokens.map((t) => t.tokenId)),
    volume: decimal(view.volumeMicros),
    volumeNum: decimalNumber(view.volumeMicros),
    liquidity: decimal(liquidityMicros(view)),
    liquidityNum: decimalNumber(liquidityMicros(view)),
    ...(bestBid !== undefined ? { bestBid: decimalNumber(bestBid) } : {}),
    ...(bestAsk !== undefined ? { bestAsk: decimalNumber(bestAsk) } : {}),
    ...(bestBid !== undefined && bestAsk !== undefined ? { spread: decimalNumber(bestAsk - bestBid) } : {}),
    ...(view.lastTradePriceMicros !== null ? { lastTradePrice: decimalNumber(view.lastTradePriceMicros) } : {}),
    active: true,
    closed: view.closed,
    archived: false,
    acceptingOrders: view.acceptingOrders,
    enableOrderBook: true,
    negRisk: info.negRisk,
    orderPriceMinTickSize: decimalNumber(view.tickSizeMicros),
    orderMinSize: decimalNumber(info.minOrderSizeMicros),
    feesEnabled,
    feeSchedule: feesEnabled ? { exponent: info.fee.exponent, rate: decimalNumber(info.fee.rateMicros), takerOnly: info.fee.takerOnly, rebateRate: null } : null,
    umaResolutionStatuses: JSON.stringify(view.closed ? ['resolved'] : []),
    ...(view.closed ? { umaResolutionStatus: 'resolved', automaticallyResolved: true } : {}),
    ...(view.closedAtMs !== null ? { closedTime: new Date(view.closedAtMs).toISOString() } : {}),
    events: [{ id: eventIdOf(info), title: eventTitle, slug: eventIdOf(info) }],
  };
}

export type GammaMarketWire = ReturnType<typeof gammaMarket>;

export function eventIdOf(info: MarketInfo): string {
  return info.eventId !== '' ? info.eventId : info.marketId;
}

/** A Gamma event: its markets as full market objects (without their own `events[]`). */
export function gammaEvent(eventId: string, title: string, markets: readonly GammaMarketWire[]) {
  return {
    id: eventId,
    slug: eventId,
    title,
    active: true,
    closed: markets.every((m) => m.closed),
    negRisk: markets.some((m) => m.negRisk),
    markets: markets.map(({ events: _events, ...rest }) => rest),
  };
}
