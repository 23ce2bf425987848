import { parseGammaMarkets, type GammaMarket, type GammaRejection } from '@floor/polymarket';
import { HttpFetchError, type PoliteHttp } from './http.js';

/** Gamma `/markets` listings shared by `floor data fetch` and `floor data record`. */

/** Gamma's page size: `limit` is capped at 100 on some routes. */
const GAMMA_PAGE = 100;
/** Gamma refuses offsets past 10,000. */
const GAMMA_MAX_OFFSET = 10_000;
/** condition ids per `/markets?condition_ids=` request (the URL stays well under Gamma's ~8 KB). */
const CONDITION_IDS_PER_REQUEST = 50;

export interface GammaListing {
  readonly accepted: GammaMarket[];
  readonly rejected: GammaRejection[];
}

/**
 * Pages Gamma `/markets` for one state until `limit` binary markets are accepted or the listing ends.
 * Open markets come by 24 h volume, resolved ones most recently ended first.
 */
export async function listGammaMarkets(
  http: PoliteHttp,
  gammaUrl: string,
  state: 'open' | 'resolved',
  limit: number,
  log?: (line: string) => void,
): Promise<GammaListing> {
  const accepted: GammaMarket[] = [];
  const rejected: GammaRejection[] = [];
  const seen = new Set<string>();
  const order = state === 'open' ? { order: 'volume24hr', ascending: false } : { order: 'endDate', ascending: false };
  for (let offset = 0; offset <= GAMMA_MAX_OFFSET && accepted.length < limit; offset += GAMMA_PAGE) {
    const url = endpoint(gammaUrl, '/markets', { closed: state === 'resolved', limit: GAMMA_PAGE, offset, ...order });
    const page = await http.getJson(url);
    if (!Array.isArray(page)) throw new HttpFetchError(url, 200, 'answer is not a JSON array of markets');
    const batch = parseGammaMarkets(page);
    let fresh = 0;
    for (const market of batch.accepted) {
      if (seen.has(market.info.marketId)) continue;
      seen.add(market.info.marketId);
      fresh += 1;
      if (accepted.length < limit) accepted.push(market);
    }
    rejected.push(...batch.rejected);
    log?.(`gamma ${state}: offset ${offset}, ${page.length} markets, ${accepted.length}/${limit} taken`);
    // a short page is the last one; a page of nothing new means the server ignores `offset`
    if (page.length < GAMMA_PAGE || (fresh === 0 && batch.accepted.length > 0)) break;
  }
  return { accepted, rejected };
}

export function endpoint(base: string, path: string, query: Record<string, string | number | boolean>): string {
  const url = new URL(`${base.replace(/\/+$/, '')}${path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  return url.toString();
}

/**
 * The given markets by condition id (open ones: Gamma hides closed markets unless asked), and the ids
 * Gamma did not return.
 */
export async function gammaMarketsByConditionId(http: PoliteHttp, gammaUrl: string, conditionIds: readonly string[]): Promise<GammaListing & { missing: string[] }> {
  const accepted: GammaMarket[] = [];
  const rejected: GammaRejection[] = [];
  for (let i = 0; i < conditionIds.length; i += CONDITION_IDS_PER_REQUEST) {
    const chunk = conditionIds.slice(i, i + CONDITION_IDS_PER_REQUEST);
    const url = endpoint(gammaUrl, '/markets', { condition_ids: chunk.join(','), limit: GAMMA_PAGE });
    const page = await http.getJson(url);
    if (!Array.isArray(page)) throw new HttpFetchError(url, 200, 'answer is not a JSON array of markets');
    const batch = parseGammaMarkets(page);
    accepted.push(...batch.accepted);
    rejected.push(...batch.rejected);
  }
  const found = new Set(accepted.map((m) => m.info.marketId));
  const rejectedIds = new Set(rejected.map((r) => r.marketId));
  return { accepted, rejected, missing: conditionIds.filter((id) => !found.has(id) && !rejectedIds.has(id)) };
}
