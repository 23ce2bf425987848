import type { MarketCategory } from '@floor/domain';

/**
 * Exposure arithmetic over open positions. Capital "deployed" in a position is its cost basis: in a binary
 * market the cost is exactly what the position can lose, so it is the honest measure of capital at risk.
 * (Paper orders are FAK, so there are no resting orders to add; a venue with resting orders would add their
 * notional here.)
 */

/** Where a market sits, for correlation and concentration. */
export interface MarketPlacement {
  readonly marketId: string;
  readonly category: MarketCategory;
  /** Polymarket event id; '' when the market has none */
  readonly eventId: string;
}

/** One open position of any agent, as the executor reads it from `positions` joined with `markets`. */
export interface OpenPosition extends MarketPlacement {
  readonly agentId: string;
  readonly tokenId: string;
  readonly sizeMicros: bigint;
  /** cost basis, micro-USD */
  readonly costMicros: bigint;
}

/** The event a market belongs to; a market without an event id is its own event. */
export function eventKey(m: MarketPlacement): string {
  return m.eventId === '' ? `market:${m.marketId}` : `event:${m.eventId}`;
}

/**
 * Two markets are correlated when they are the same market, belong to the same event (e.g. the outcomes of one
 * election), or share a category other than 'other' (e.g. two crypto-price markets move with the same coin).
 * 'other' is the catch-all bucket and says nothing about how its markets move, so it does not correlate.
 */
export function marketsCorrelated(a: MarketPlacement, b: MarketPlacement): boolean {
  if (a.marketId === b.marketId) return true;
  if (a.eventId !== '' && a.eventId === b.eventId) return true;
  return a.category !== 'other' && a.category === b.category;
}

export interface ExposureSummary {
  readonly agentDeployedMicros: bigint;
  readonly floorDeployedMicros: bigint;
  /** floor-wide cost basis in the target market's category */
  readonly categoryDeployedMicros: bigint;
  /** floor-wide cost basis in the target market's event */
  readonly eventDeployedMicros: bigint;
  /** the agent's open positions (tokens held) */
  readonly agentOpenPositions: number;
  /** the agent's open positions correlated with the target market, not counting the target token itself */
  readonly agentCorrelatedPositions: number;
  /** true when the agent holds none of the target token, so an entry opens a new position */
  readonly opensNewPosition: boolean;
}

/** Sums the exposure an entry by `agentId` into `tokenId` of `market` would add to. */
export function summariseExposure(
  positions: readonly OpenPosition[],
  agentId: string,
  market: MarketPlacement,
  tokenId: string,
): ExposureSummary {
  const targetEvent = eventKey(market);
  let agentDeployedMicros = 0n;
  let floorDeployedMicros = 0n;
  let categoryDeployedMicros = 0n;
  let eventDeployedMicros = 0n;
  let agentOpenPositions = 0;
  let agentCorrelatedPositions = 0;
  let opensNewPosition = true;
  for (const p of positions) {
    if (p.sizeMicros <= 0n) continue;
    floorDeployedMicros += p.costMicros;
    if (p.category === market.category) categoryDeployedMicros += p.costMicros;
    if (eventKey(p) === targetEvent) eventDeployedMicros += p.costMicros;
    if (p.agentId !== agentId) continue;
    agentDeployedMicros += p.costMicros;
    agentOpenPositions += 1;
    if (p.tokenId === tokenId) opensNewPosition = false;
    else if (marketsCorrelated(p, market)) agentCorrelatedPositions += 1;
  }
  return {
    agentDeployedMicros,
    floorDeployedMicros,
    categoryDeployedMicros,
    eventDeployedMicros,
    agentOpenPositions,
    agentCorrelatedPositions,
    opensNewPosition,
  };
}
