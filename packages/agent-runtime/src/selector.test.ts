import { describe, expect, it } from 'vitest';
import { MarketInfo } from '@floor/domain';
import { matchesSelector } from './selector.js';

const market = MarketInfo.parse({
  marketId: 'm1',
  question: 'q',
  category: 'weather',
  endDateMs: 1,
  tokens: [
    { tokenId: 'y', outcome: 'Yes' },
    { tokenId: 'n', outcome: 'No' },
  ],
});

describe('matchesSelector', () => {
  it('picks all markets, listed ids, or whole categories', () => {
    expect(matchesSelector('all', market)).toBe(true);
    expect(matchesSelector(['m0', 'm1'], market)).toBe(true);
    expect(matchesSelector(['m0'], market)).toBe(false);
    expect(matchesSelector({ categories: ['weather', 'sports'] }, market)).toBe(true);
    expect(matchesSelector({ categories: ['sports'] }, market)).toBe(false);
  });
});
