import { countRejections, type GammaMarket, type GammaRejectReason } from '../parse/gamma.js';
import { filterDiscoveredMarkets, type DiscoveryDropReason, type DiscoveryFilterSettings } from '../discovery-filter.js';
import type { GammaClient } from './http.js';

/**
 * Market discovery through Gamma: list the open markets, keep the ones the floor's filters allow (binary,
 * order book on, classified by keywords in the parser), and on every later round tell what is new and what
 * has left the open list. Whether a departed market resolved is a second, targeted Gamma query.
 */

export interface DiscoveryRound {
  /** markets the floor trades, best 24-hour volume first, at most `maxMarkets` */
  readonly chosen: readonly GammaMarket[];
  /** condition ids of every binary market Gamma listed as open (chosen or not) */
  readonly openMarketIds: ReadonlySet<string>;
  readonly rejected: Partial<Record<GammaRejectReason, number>>;
  readonly dropped: Partial<Record<DiscoveryDropReason, number>>;
}

export interface DiscoverOptions {
  readonly gamma: GammaClient;
  readonly settings: DiscoveryFilterSettings;
  readonly nowMs: number;
  readonly maxMarkets: number;
  readonly maxPages?: number;
  readonly signal?: AbortSignal;
}

export async function discoverMarkets(opts: DiscoverOptions): Promise<DiscoveryRound> {
  const batch = await opts.gamma.listMarkets({
    closed: false,
    orderBy: 'volume24hr',
    ...(opts.maxPages === undefined ? {} : { maxPages: opts.maxPages }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const { kept, dropped } = filterDiscoveredMarkets(batch.accepted, opts.settings, opts.nowMs);
  const droppedCounts: Partial<Record<DiscoveryDropReason, number>> = {};
  for (const d of dropped) droppedCounts[d.reason] = (droppedCounts[d.reason] ?? 0) + 1;
  return {
    chosen: byVolumeDescending(kept).slice(0, opts.maxMarkets),
    openMarketIds: new Set(batch.accepted.map((m) => m.info.marketId)),
    rejected: countRejections(batch.rejected),
    dropped: droppedCounts,
  };
}

export interface RediscoveryPlan {
  /** chosen markets not tracked yet: list and subscribe them */
  readonly listed: readonly GammaMarket[];
  /** tracked markets Gamma no longer lists as open: ask whether they resolved */
  readonly departed: readonly string[];
}

/**
 * What changed since the last round. A tracked market that merely stopped passing the filters (volume
 * fell) stays: agents may hold positions in it, and only its close ends the floor's interest.
 */
export function planRediscovery(tracked: Iterable<string>, round: Pick<DiscoveryRound, 'chosen' | 'openMarketIds'>): RediscoveryPlan {
  const trackedIds = new Set(tracked);
  return {
    listed: round.chosen.filter((m) => !trackedIds.has(m.info.marketId)),
    departed: [...trackedIds].filter((id) => !round.openMarketIds.has(id)),
  };
}

/**
 * Gamma's closed-market records of `marketIds` (batched: Gamma's id lists stop working past about 100).
 * A market absent from the answer is not known to be closed, e.g. it fell off the last page of the open
 * listing, and the caller should keep it.
 */
export async function closedMarkets(gamma: GammaClient, marketIds: readonly string[], signal?: AbortSignal): Promise<Map<string, GammaMarket>> {
  const out = new Map<string, GammaMarket>();
  for (let i = 0; i < marketIds.length; i += 100) {
    const batch = await gamma.listMarkets({ closed: true, conditionIds: marketIds.slice(i, i + 100), ...(signal ? { signal } : {}) });
    for (const market of batch.accepted) out.set(market.info.marketId, market);
  }
  return out;
}

function byVolumeDescending(markets: readonly GammaMarket[]): GammaMarket[] {
  const volume = (m: GammaMarket) => m.volume24hMicros ?? -1n;
  return [...markets].sort((a, b) => (volume(a) === volume(b) ? 0 : volume(a) > volume(b) ? -1 : 1));
}
