import { divRound, MICROS_PER_UNIT, type PriceMicros, type SharesMicros, type Side } from '@floor/domain';

/**
 * A signed CLOB order states amounts, not a price: a BUY gives `makerAmount` collateral for `takerAmount`
 * shares, a SELL gives `makerAmount` shares for `takerAmount` collateral (both in 6-decimal base units,
 * i.e. micro-units). This turns them into the limit price and share size the matching engine works in.
 *
 * When the ratio is not a whole micro (possible for market orders), the limit is rounded in the
 * trader's favour of safety: a BUY never pays more, a SELL never receives less, than it signed for.
 */
export function limitFromAmounts(side: Side, makerAmount: bigint, takerAmount: bigint): { priceMicros: PriceMicros; sizeMicros: SharesMicros } | null {
  if (makerAmount <= 0n || takerAmount <= 0n) return null;
  return side === 'BUY'
    ? { priceMicros: divRound(makerAmount * MICROS_PER_UNIT, takerAmount, 'floor'), sizeMicros: takerAmount }
    : { priceMicros: divRound(takerAmount * MICROS_PER_UNIT, makerAmount, 'ceil'), sizeMicros: makerAmount };
}

/** A price is on the grid and inside [tick, 1 − tick], the CLOB's valid range. */
export function priceOnGrid(priceMicros: PriceMicros, tickSizeMicros: PriceMicros): boolean {
  return priceMicros % tickSizeMicros === 0n && priceMicros >= tickSizeMicros && priceMicros <= MICROS_PER_UNIT - tickSizeMicros;
}
