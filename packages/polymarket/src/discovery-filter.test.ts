import { describe, expect, it } from 'vitest';
import { fixtureJson } from '../test/load-fixture.js';
import { DiscoveryFilterSettings, discoveryDropReason, filterDiscoveredMarkets, type DiscoveryFilterSettingsInput } from './discovery-filter.js';
import { parseGammaMarket, type GammaMarket } from './parse/gamma.js';

function market(name: string): GammaMarket {
  const result = parseGammaMarket(fixtureJson(name));
  if (!result.ok) throw new Error(result.detail);
  return result.market;
}

const live = market('gamma_market_live.json'); // elections, volume ≈ 8.4M, liquidity ≈ 187k, spread 0.002, ends 2028-11-07
const btc = market('gamma_market_fees_without_schedule.json'); // crypto, volume 12.5, spread 0.01, ends 2026-08-01 19:20Z
const resolved = market('gamma_market_resolved.json');
const NOW_MS = Date.UTC(2026, 7, 1, 12, 0, 0); // 2026-08-01 12:00Z

const settings = (input: DiscoveryFilterSettingsInput = {}) => DiscoveryFilterSettings.parse(input);

describe('DiscoveryFilterSettings', () => {
  it('defaults to keeping every open market that accepts orders', () => {
    expect(settings()).toEqual({ categories: [], tags: [], excludeTags: [], acceptingOrdersOnly: true });
  });

  it('reads amounts from YAML numbers or decimal strings as exact micros, tags lower-cased', () => {
    expect(settings({ minVolumeUsd: 10_000, minLiquidityUsd: '2500.50', maxSpread: 0.03, tags: ['Elections'] })).toMatchObject({
      minVolumeUsd: 10_000_000_000n,
      minLiquidityUsd: 2_500_500_000n,
      maxSpread: 30_000n,
      tags: ['elections'],
    });
  });

  it('refuses unknown keys, bad categories, negative amounts and an inverted expiry range', () => {
    expect(DiscoveryFilterSettings.safeParse({ minVolume: 1 }).success).toBe(false);
    expect(DiscoveryFilterSettings.safeParse({ categories: ['politics'] }).success).toBe(false);
    expect(DiscoveryFilterSettings.safeParse({ minVolumeUsd: -1 }).success).toBe(false);
    expect(DiscoveryFilterSettings.safeParse({ minDaysToExpiry: 30, maxDaysToExpiry: 7 }).success).toBe(false);
  });
});

describe('filterDiscoveredMarkets', () => {
  it('keeps the input order and names the first failed rule for each drop', () => {
    const result = filterDiscoveredMarkets([live, btc, resolved], settings({ minVolumeUsd: 1_000 }), NOW_MS);
    expect(result.kept).toEqual([live]);
    expect(result.dropped.map((d) => [d.market.gammaId, d.reason])).toEqual([
      ['1602291', 'volume_too_low'],
      ['1488210', 'not_accepting_orders'],
    ]);
  });

  it.each<[string, DiscoveryFilterSettingsInput, GammaMarket]>([
    ['liquidity_too_low', { minLiquidityUsd: 200_000 }, live],
    ['volume_24h_too_low', { minVolume24hUsd: 50_000 }, live],
    ['spread_too_wide', { maxSpread: 0.005 }, btc],
    ['expires_too_soon', { minDaysToExpiry: 1 }, btc],
    ['expires_too_late', { maxDaysToExpiry: 365 }, live],
    ['category_not_wanted', { categories: ['crypto', 'sports'] }, live],
    ['tag_not_wanted', { tags: ['primaries'] }, live],
  ])('%s when %o', (reason, input, m) => {
    expect(discoveryDropReason(m, settings(input), NOW_MS)).toBe(reason);
  });

  it('passes markets that clear every rule', () => {
    const strict = settings({ minVolumeUsd: 1_000_000, minLiquidityUsd: '100000', maxSpread: 0.005, minDaysToExpiry: 30, maxDaysToExpiry: 1_000, categories: ['elections'] });
    expect(discoveryDropReason(live, strict, NOW_MS)).toBeNull();
    expect(discoveryDropReason(btc, settings({ maxSpread: 0.01, categories: ['crypto'] }), NOW_MS)).toBeNull();
  });

  it('matches tags by label or slug, and excluded tags win', () => {
    const tagged: GammaMarket = { ...live, tags: ['us election', 'us-presidential-election'] };
    expect(discoveryDropReason(tagged, settings({ tags: ['US-Presidential-Election'] }), NOW_MS)).toBeNull();
    expect(discoveryDropReason(tagged, settings({ excludeTags: ['US Election'] }), NOW_MS)).toBe('tag_excluded');
  });

  it('a missing statistic fails its minimum; closed markets pass only when asked for', () => {
    expect(discoveryDropReason(resolved, settings({ acceptingOrdersOnly: false, minLiquidityUsd: 1 }), NOW_MS)).toBe('liquidity_too_low');
    expect(discoveryDropReason(resolved, settings({ acceptingOrdersOnly: false }), NOW_MS)).toBeNull();
  });
});
