import { deterministicId, type DataSource, type MarketListed, type MarketResolved, type TradePrinted } from '@floor/domain';
import type { GammaMarket } from './parse/gamma.js';
import type { WsLastTradePrice, WsMarketResolved } from './parse/ws-market.js';

/**
 * Parsed venue messages → domain `MarketEvent`s (book snapshots come from `LocalBooks`). The venue
 * gives trades and resolutions no id of their own, so each event id is a hash of the fields that
 * identify it: a replayed or re-received message gets the same id and deduplicates downstream.
 */

export interface EventStamp {
  /** when we received the message; becomes `tsPublishedMs` (the collector may overwrite it) */
  readonly receivedAtMs: number;
  readonly source?: DataSource;
}

export function tradePrintedFrom(message: WsLastTradePrice, stamp: EventStamp): TradePrinted {
  return {
    v: 1,
    type: 'trade',
    eventId: deterministicId('event', 'trade', message.marketId, message.tokenId, message.priceMicros, message.sizeMicros, message.side, message.timestampMs),
    marketId: message.marketId,
    tokenId: message.tokenId,
    priceMicros: message.priceMicros,
    sizeMicros: message.sizeMicros,
    side: message.side,
    tsEventMs: message.timestampMs,
    tsPublishedMs: stamp.receivedAtMs,
    source: stamp.source ?? 'polymarket',
  };
}

export function marketResolvedFrom(message: WsMarketResolved, stamp: EventStamp): MarketResolved {
  return {
    v: 1,
    type: 'resolved',
    eventId: deterministicId('event', 'resolved', message.marketId, message.winningTokenId),
    marketId: message.marketId,
    winningTokenId: message.winningTokenId,
    tsEventMs: message.timestampMs,
    tsPublishedMs: stamp.receivedAtMs,
    source: stamp.source ?? 'polymarket',
  };
}

/**
 * A Gamma market resolved to one winner, as a `MarketResolved` (for markets that closed while we were
 * not listening). Null unless Gamma shows settlement prices 1/0; a 50-50 split has no single winner
 * and the domain event cannot express it, so the caller must handle `resolution.state === 'split'`.
 */
export function marketResolvedFromGamma(market: GammaMarket, stamp: EventStamp & { readonly tsEventMs: number }): MarketResolved | null {
  if (market.resolution.state !== 'resolved') return null;
  return {
    v: 1,
    type: 'resolved',
    eventId: deterministicId('event', 'resolved', market.info.marketId, market.resolution.winningTokenId),
    marketId: market.info.marketId,
    winningTokenId: market.resolution.winningTokenId,
    tsEventMs: stamp.tsEventMs,
    tsPublishedMs: stamp.receivedAtMs,
    source: stamp.source ?? 'polymarket',
  };
}

/** A discovered market as a `MarketListed`; the id changes when any listed detail changes. */
export function marketListedFrom(market: GammaMarket, stamp: EventStamp & { readonly tsEventMs: number }): MarketListed {
  const info = market.info;
  return {
    v: 1,
    type: 'listed',
    eventId: deterministicId(
      'event',
      'listed',
      info.marketId,
      info.endDateMs,
      info.tickSizeMicros,
      info.minOrderSizeMicros,
      info.fee.rateMicros,
      info.category,
      info.tokens.map((t) => t.tokenId).join(','),
    ),
    marketId: info.marketId,
    market: info,
    tsEventMs: stamp.tsEventMs,
    tsPublishedMs: stamp.receivedAtMs,
    source: stamp.source ?? 'polymarket',
  };
}
