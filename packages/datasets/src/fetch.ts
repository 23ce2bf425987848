import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GammaMarket, GammaRejection } from '@floor/polymarket';
import { writeDataset } from '@floor/sim';
import { buildDataset, PricesHistoryBody, type HistoryInput } from './build.js';
import { datasetNameOf, failed, usage, type CommandResult } from './command.js';
import { endpoint, listGammaMarkets } from './gamma.js';
import { HttpFetchError, PoliteHttp } from './http.js';
import { formatBuildReport } from './report.js';

/**
 * `floor data fetch`: downloads Gamma markets (open and/or resolved, paged) and each market's
 * `/prices-history`, and builds a dataset with the same transform as `floor data import`.
 *
 * Polite by construction: one request at a time with a pause between them, 429 `Retry-After` honoured,
 * 5xx retried with backoff (http.ts). One history per market (its first outcome's token): the
 * complement's book is derived from it, so fetching both would only double the requests.
 *
 * Gamma's `/markets` hides closed markets unless asked (`closed=true`), so each state is its own listing.
 * Open markets are taken by 24 h volume, resolved ones most recently ended first (verify live: the
 * `order` field names are Gamma's, not checked against production from here).
 */

export const PRICES_HISTORY_INTERVALS = ['max', 'all', '1m', '1w', '1d', '6h', '1h'] as const;
export type PricesHistoryInterval = (typeof PRICES_HISTORY_INTERVALS)[number];

export interface DataFetchOptions {
  /** Gamma base, e.g. https://gamma-api.polymarket.com (the sandbox's is `<base>/gamma`) */
  readonly gammaUrl: string;
  /** CLOB base, e.g. https://clob.polymarket.com */
  readonly clobUrl: string;
  readonly out: string;
  readonly closed: 'open' | 'resolved' | 'both';
  /** at most this many (binary, order-book) markets of each state asked for */
  readonly limit: number;
  /** `/prices-history` fidelity in minutes; default 60 */
  readonly fidelityMin?: number;
  /** `/prices-history` interval; default `max` */
  readonly interval?: PricesHistoryInterval;
  readonly name?: string;
  /** pause between requests; default 250 ms */
  readonly delayMs?: number;
  /** retries of a request refused with 429 / 5xx or lost to the network; default 5 */
  readonly maxRetries?: number;
  readonly levelSizeMicros?: bigint;
  readonly signal?: AbortSignal;
  /** progress lines (retries, pages), e.g. to stderr */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

export async function runDataFetch(opts: DataFetchOptions): Promise<CommandResult> {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) return usage('--limit must be a positive integer');
  if (opts.fidelityMin !== undefined && !(opts.fidelityMin > 0)) return usage('--fidelity must be a positive number of minutes');
  if (opts.interval !== undefined && !PRICES_HISTORY_INTERVALS.includes(opts.interval)) {
    return usage(`--interval must be one of ${PRICES_HISTORY_INTERVALS.join(', ')}`);
  }
  const interval = opts.interval ?? 'max';
  const fidelityMin = opts.fidelityMin ?? 60;
  const http = new PoliteHttp({
    ...(opts.delayMs !== undefined ? { delayMs: opts.delayMs } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });

  const markets: GammaMarket[] = [];
  const rejectedMarkets: GammaRejection[] = [];
  const histories: HistoryInput[] = [];
  const historyFailures: string[] = [];
  try {
    const states = opts.closed === 'both' ? (['open', 'resolved'] as const) : [opts.closed];
    for (const state of states) {
      const batch = await listGammaMarkets(http, opts.gammaUrl, state, opts.limit, opts.log);
      markets.push(...batch.accepted);
      rejectedMarkets.push(...batch.rejected);
    }
    for (const [index, market] of markets.entries()) {
      if (opts.signal?.aborted) break;
      const tokenId = market.info.tokens[0]?.tokenId;
      if (tokenId === undefined) continue;
      const url = endpoint(opts.clobUrl, '/prices-history', { market: tokenId, interval, fidelity: fidelityMin });
      try {
        const body = PricesHistoryBody.safeParse(await http.getJson(url));
        if (body.success) histories.push({ source: `GET /prices-history?market=${tokenId}`, tokenId, points: body.data.history });
        else historyFailures.push(`token ${tokenId}: answer is not {history:[…]}`);
      } catch (err) {
        // one market's history missing (e.g. 404 for a token without a book) does not stop the others
        if (!(err instanceof HttpFetchError) || err.status === null || err.status === 429 || err.status >= 500) throw err;
        historyFailures.push(`token ${tokenId}: ${err.message}`);
      }
      if ((index + 1) % 25 === 0) opts.log?.(`fetched ${index + 1}/${markets.length} price histories`);
    }
  } catch (err) {
    if (err instanceof HttpFetchError) return failed(`floor data fetch: ${err.message}`);
    throw err;
  }
  if (opts.signal?.aborted) return failed('floor data fetch: interrupted; nothing written');
  if (markets.length === 0) return failed(`floor data fetch: Gamma listed no usable markets (${rejectedMarkets.length} rejected)`);

  const built = buildDataset({
    name: opts.name ?? datasetNameOf(opts.out),
    generator: `floor data fetch (gamma ${opts.gammaUrl}, clob ${opts.clobUrl}, markets ${opts.closed}, interval ${interval}, fidelity ${fidelityMin} min)`,
    createdAtMs: (opts.now ?? Date.now)(),
    markets,
    rejectedMarkets,
    histories,
    ...(opts.levelSizeMicros !== undefined ? { levelSizeMicros: opts.levelSizeMicros } : {}),
  });
  try {
    await mkdir(dirname(opts.out), { recursive: true });
    await writeDataset(opts.out, built.header, built.events);
  } catch (err) {
    return failed(`${opts.out}: cannot write the dataset: ${err instanceof Error ? err.message : String(err)}`);
  }
  const lines = [`requests: ${http.stats.requests} (${http.stats.retries} retried)`];
  if (historyFailures.length > 0) lines.push(`price histories not fetched: ${historyFailures.length}`, ...historyFailures.map((f) => `  - ${f}`));
  return { exitCode: 0, stdout: `${formatBuildReport(opts.out, built.report)}${lines.join('\n')}\n` };
}
