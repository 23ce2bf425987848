import type { MarketSelector } from '@floor/config';
import type { MarketInfo } from '@floor/domain';

/** Whether a strategy file's `markets:` selector picks this market. */
export function matchesSelector(selector: MarketSelector, market: MarketInfo): boolean {
  if (selector === 'all') return true;
  if (Array.isArray(selector)) return selector.includes(market.marketId);
  return selector.categories.includes(market.category);
}
