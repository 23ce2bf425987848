import { z } from 'zod';
import { MarketCategory, numberToMicros, parseMicros } from '@floor/domain';
import type { GammaMarket } from './parse/gamma.js';

/**
 * Which discovered markets the floor trades. Pure: parsed Gamma markets and settings in, kept and
 * dropped (with the first failing rule) out. The settings live in config/floor.yaml under
 * `polymarket.discovery`; `DiscoveryFilterSettings` is the schema to validate them with.
 */

const DAY_MS = 86_400_000;

/**
 * A USD or price amount as written in YAML: a number (`10000`, `0.05`) or a decimal string
 * (`"10000.50"`), converted to exact micro-units.
 */
const DecimalAmount = z
  .union([z.number().finite().nonnegative(), z.string().regex(/^\d*\.?\d+$/, 'expected a non-negative decimal')])
  .transform((value, ctx) => {
    try {
      return typeof value === 'number' ? numberToMicros(value) : parseMicros(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  });

const lowerCaseList = z.array(z.string().min(1).transform((s) => s.toLowerCase()));

export const DiscoveryFilterSettings = z
  .object({
    minVolumeUsd: DecimalAmount.optional().describe('Minimum lifetime volume in USD (Gamma `volume`). Unset: no minimum.'),
    minVolume24hUsd: DecimalAmount.optional().describe('Minimum 24-hour volume in USD (Gamma `volume24hr`). Unset: no minimum.'),
    minLiquidityUsd: DecimalAmount.optional().describe('Minimum order-book liquidity in USD (Gamma `liquidity`). Unset: no minimum.'),
    maxSpread: DecimalAmount.optional().describe(
      'Maximum bid-ask spread as a price (0.05 = 5 cents per share). Markets without a spread are dropped when set.',
    ),
    minDaysToExpiry: z.number().nonnegative().optional().describe('Drop markets ending sooner than this many days from now.'),
    maxDaysToExpiry: z.number().positive().optional().describe('Drop markets ending later than this many days from now.'),
    categories: z.array(MarketCategory).default([]).describe('Keep only these categories; empty keeps all.'),
    tags: lowerCaseList.default([]).describe('Keep only markets with at least one of these tags (label or slug, any case); empty keeps all.'),
    excludeTags: lowerCaseList.default([]).describe('Drop markets with any of these tags (label or slug, any case).'),
    acceptingOrdersOnly: z.boolean().default(true).describe('Drop closed markets and markets not accepting orders.'),
  })
  .strict()
  .refine((s) => s.minDaysToExpiry === undefined || s.maxDaysToExpiry === undefined || s.minDaysToExpiry <= s.maxDaysToExpiry, {
    message: 'minDaysToExpiry must not exceed maxDaysToExpiry',
    path: ['minDaysToExpiry'],
  });
export type DiscoveryFilterSettings = z.output<typeof DiscoveryFilterSettings>;
export type DiscoveryFilterSettingsInput = z.input<typeof DiscoveryFilterSettings>;

export type DiscoveryDropReason =
  | 'not_accepting_orders'
  | 'volume_too_low'
  | 'volume_24h_too_low'
  | 'liquidity_too_low'
  | 'spread_too_wide'
  | 'expires_too_soon'
  | 'expires_too_late'
  | 'category_not_wanted'
  | 'tag_not_wanted'
  | 'tag_excluded';

export interface DiscoveryDrop {
  readonly market: GammaMarket;
  readonly reason: DiscoveryDropReason;
}

export interface DiscoveryFilterResult {
  readonly kept: readonly GammaMarket[];
  readonly dropped: readonly DiscoveryDrop[];
}

/** The first rule a market fails, or null when it passes them all. Rules run in the order listed. */
export function discoveryDropReason(market: GammaMarket, settings: DiscoveryFilterSettings, nowMs: number): DiscoveryDropReason | null {
  if (settings.acceptingOrdersOnly && (market.closed || !market.acceptingOrders)) return 'not_accepting_orders';

  if (below(market.volumeMicros, settings.minVolumeUsd)) return 'volume_too_low';
  if (below(market.volume24hMicros, settings.minVolume24hUsd)) return 'volume_24h_too_low';
  if (below(market.liquidityMicros, settings.minLiquidityUsd)) return 'liquidity_too_low';
  if (settings.maxSpread !== undefined && (market.spreadMicros === null || market.spreadMicros > settings.maxSpread)) {
    return 'spread_too_wide';
  }

  const daysToExpiry = (market.info.endDateMs - nowMs) / DAY_MS;
  if (settings.minDaysToExpiry !== undefined && daysToExpiry < settings.minDaysToExpiry) return 'expires_too_soon';
  if (settings.maxDaysToExpiry !== undefined && daysToExpiry > settings.maxDaysToExpiry) return 'expires_too_late';

  if (settings.categories.length > 0 && !settings.categories.includes(market.info.category)) return 'category_not_wanted';
  if (settings.tags.length > 0 && !settings.tags.some((t) => market.tags.includes(t))) return 'tag_not_wanted';
  if (settings.excludeTags.some((t) => market.tags.includes(t))) return 'tag_excluded';
  return null;
}

/** Splits markets into kept and dropped, keeping the input order. */
export function filterDiscoveredMarkets(
  markets: readonly GammaMarket[],
  settings: DiscoveryFilterSettings,
  nowMs: number,
): DiscoveryFilterResult {
  const kept: GammaMarket[] = [];
  const dropped: DiscoveryDrop[] = [];
  for (const market of markets) {
    const reason = discoveryDropReason(market, settings, nowMs);
    if (reason === null) kept.push(market);
    else dropped.push({ market, reason });
  }
  return { kept, dropped };
}

/** A missing statistic fails a minimum: we cannot show the market clears it. */
function below(value: bigint | null, minimum: bigint | undefined): boolean {
  return minimum !== undefined && (value === null || value < minimum);
}
