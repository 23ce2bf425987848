import { z } from 'zod';
import { formatMicros, type DataSource, type MarketEvent } from '@floor/domain';
import {
  marketListedFrom,
  marketResolvedFromGamma,
  parsePricesHistory,
  type GammaMarket,
  type GammaRejection,
  type PricePoint,
} from '@floor/polymarket';
import { DATASET_FORMAT, type DatasetHeaderWire } from '@floor/sim';
import { mergeByTime } from './merge.js';
import { complementQuotes, syntheticBook, syntheticQuotes } from './synthetic-book.js';

/**
 * Gamma markets + `/prices-history` series → a floor dataset (header and time-ordered events), with a
 * report of what was taken and what was left out and why. Pure: `floor data import` and `floor data
 * fetch` both feed it, one from files, the other from HTTP.
 *
 * Per market, in time order:
 * - `listed` at the market's first price point (or, with no history, the dataset's first point);
 * - two `book` events per price point: a synthetic one-level book for the token the history is for, and
 *   the mirrored book for its complement at 1 − p (see synthetic-book.ts);
 * - `resolved` at its last price point, when Gamma shows it closed with a single winner (1/0 prices).
 *
 * One history per market drives both books. When both tokens' histories are given, the first listed
 * outcome's (YES) is used and the other is reported as `complement_also_given`.
 */

/** The `/prices-history` body: only the envelope is checked here; points are checked one by one. */
export const PricesHistoryBody = z.object({ history: z.array(z.unknown()) });

export interface HistoryInput {
  /** where it came from (a file name, a URL), for the report */
  readonly source: string;
  readonly tokenId: string;
  /** the raw `history` array */
  readonly points: readonly unknown[];
}

export interface BuildDatasetInput {
  readonly name: string;
  /** what produced it, e.g. "floor data import"; the synthetic-book note is appended */
  readonly generator: string;
  readonly createdAtMs: number;
  /** parsed Gamma markets (duplicates by condition id are dropped and counted) */
  readonly markets: readonly GammaMarket[];
  /** rejections from the Gamma parser, carried into the report */
  readonly rejectedMarkets: readonly GammaRejection[];
  readonly histories: readonly HistoryInput[];
  /** size of each synthetic level; default 1,000 shares */
  readonly levelSizeMicros?: bigint;
  /** `source` written on every event; default `rest` (the data came from REST endpoints) */
  readonly source?: DataSource;
}

export type TokenRejectReason = 'unknown_token' | 'complement_also_given' | 'duplicate_history' | 'no_usable_points';
export type PointRejectReason = 'invalid_point' | 'price_out_of_range' | 'duplicate_time';

export interface TokenRejection {
  readonly tokenId: string;
  readonly source: string;
  readonly reason: TokenRejectReason;
  readonly detail: string;
}

export interface BuildReport {
  readonly markets: {
    readonly taken: number;
    readonly rejected: readonly GammaRejection[];
    /** the same condition id seen again (e.g. in two files) */
    readonly duplicates: number;
    /** condition ids of markets taken without any price history (listed only) */
    readonly withoutHistory: readonly string[];
    /** closed markets that get no `resolved` event, with why */
    readonly unresolvedClosed: ReadonlyArray<{ readonly marketId: string; readonly why: string }>;
    readonly warnings: ReadonlyArray<{ readonly marketId: string; readonly warning: string }>;
  };
  readonly tokens: { readonly taken: number; readonly rejected: readonly TokenRejection[] };
  readonly points: {
    readonly taken: number;
    readonly rejected: Partial<Record<PointRejectReason, number>>;
    /** histories whose times were not in order (they were sorted), with how many points were out of place */
    readonly resorted: ReadonlyArray<{ readonly source: string; readonly outOfOrder: number }>;
  };
  readonly events: { readonly listed: number; readonly book: number; readonly resolved: number };
  readonly levelSizeMicros: bigint;
}

export interface BuiltDataset {
  readonly header: DatasetHeaderWire;
  /** time-ordered; every iteration yields the same events again (they are made lazily from the points) */
  readonly events: Iterable<MarketEvent>;
  readonly report: BuildReport;
}

export const DEFAULT_LEVEL_SIZE_MICROS = 1_000_000_000n;

/** One market's plan: its info, the history that drives it (if any) and which token that history is for. */
interface MarketPlan {
  readonly market: GammaMarket;
  history: { readonly tokenId: string; readonly source: string; readonly points: readonly PricePoint[] } | null;
}

export function buildDataset(input: BuildDatasetInput): BuiltDataset {
  const source = input.source ?? 'rest';
  const levelSizeMicros = input.levelSizeMicros ?? DEFAULT_LEVEL_SIZE_MICROS;

  // markets, first occurrence wins
  const plans = new Map<string, MarketPlan>();
  const marketOfToken = new Map<string, MarketPlan>();
  let duplicates = 0;
  for (const market of input.markets) {
    if (plans.has(market.info.marketId)) {
      duplicates += 1;
      continue;
    }
    const plan: MarketPlan = { market, history: null };
    plans.set(market.info.marketId, plan);
    for (const token of market.info.tokens) marketOfToken.set(token.tokenId, plan);
  }

  // histories: YES-token series first, so a market given both uses YES and reports the other
  const tokenRejections: TokenRejection[] = [];
  const pointRejections: Partial<Record<PointRejectReason, number>> = {};
  const resorted: Array<{ source: string; outOfOrder: number }> = [];
  const isFirstToken = (h: HistoryInput) => marketOfToken.get(h.tokenId)?.market.info.tokens[0]?.tokenId === h.tokenId;
  const ordered = [...input.histories].sort((a, b) => Number(isFirstToken(b)) - Number(isFirstToken(a)));
  const seenTokens = new Set<string>();
  for (const history of ordered) {
    const rejectToken = (reason: TokenRejectReason, detail: string) => tokenRejections.push({ tokenId: history.tokenId, source: history.source, reason, detail });
    const plan = marketOfToken.get(history.tokenId);
    if (!plan) {
      rejectToken('unknown_token', 'not a token of any market taken from Gamma');
      continue;
    }
    if (seenTokens.has(history.tokenId)) {
      rejectToken('duplicate_history', 'a history for this token was already taken');
      continue;
    }
    if (plan.history) {
      rejectToken('complement_also_given', `the market's books already come from token ${plan.history.tokenId} (${plan.history.source})`);
      continue;
    }
    const cleaned = cleanPoints(history.points, pointRejections);
    if (cleaned.outOfOrder > 0) resorted.push({ source: history.source, outOfOrder: cleaned.outOfOrder });
    if (cleaned.points.length === 0) {
      rejectToken('no_usable_points', `${history.points.length} points, none usable`);
      continue;
    }
    seenTokens.add(history.tokenId);
    plan.history = { tokenId: history.tokenId, source: history.source, points: cleaned.points };
  }

  const allPlans = [...plans.values()];
  const firstPointMs = allPlans.reduce((min, p) => Math.min(min, p.history?.points[0]?.tsMs ?? Infinity), Infinity);
  const fallbackListedMs = Number.isFinite(firstPointMs) ? firstPointMs : input.createdAtMs;

  const unresolvedClosed: Array<{ marketId: string; why: string }> = [];
  let resolvedCount = 0;
  let pointsTaken = 0;
  for (const plan of allPlans) {
    pointsTaken += plan.history?.points.length ?? 0;
    const { resolution, closed, info } = plan.market;
    if (resolution.state === 'resolved') resolvedCount += 1;
    else if (resolution.state === 'split') unresolvedClosed.push({ marketId: info.marketId, why: 'resolved 50-50: a `resolved` event names one winner, so none is written' });
    else if (closed) unresolvedClosed.push({ marketId: info.marketId, why: 'closed but Gamma shows no settlement prices yet' });
  }

  const lanes = allPlans.map((plan) => () => marketEvents(plan, { source, levelSizeMicros, fallbackListedMs }));
  const header: DatasetHeaderWire = {
    format: DATASET_FORMAT,
    v: 1,
    name: input.name,
    createdAtMs: input.createdAtMs,
    generator:
      `${input.generator}; books are SYNTHETIC, derived from /prices-history: one level each side around the price, ` +
      `spread = 1 tick, ${formatMicros(levelSizeMicros)} shares per level; the complement token mirrors at 1 - p`,
    markets: allPlans.map((p) => p.market.info),
  };

  return {
    header,
    events: { [Symbol.iterator]: () => mergeByTime(lanes.map((lane) => lane())) },
    report: {
      markets: {
        taken: allPlans.length,
        rejected: input.rejectedMarkets,
        duplicates,
        withoutHistory: allPlans.filter((p) => p.history === null).map((p) => p.market.info.marketId),
        unresolvedClosed,
        warnings: allPlans.flatMap((p) => p.market.warnings.map((warning) => ({ marketId: p.market.info.marketId, warning }))),
      },
      tokens: { taken: seenTokens.size, rejected: tokenRejections },
      points: { taken: pointsTaken, rejected: pointRejections, resorted },
      events: { listed: allPlans.length, book: pointsTaken * 2, resolved: resolvedCount },
      levelSizeMicros,
    },
  };
}

interface LaneOptions {
  readonly source: DataSource;
  readonly levelSizeMicros: bigint;
  readonly fallbackListedMs: number;
}

function* marketEvents(plan: MarketPlan, opts: LaneOptions): Generator<MarketEvent> {
  const { info } = plan.market;
  const points = plan.history?.points ?? [];
  const listedMs = points[0]?.tsMs ?? opts.fallbackListedMs;
  yield marketListedFrom(plan.market, { tsEventMs: listedMs, receivedAtMs: listedMs, source: opts.source });

  if (plan.history) {
    const tokenId = plan.history.tokenId;
    const complementId = info.tokens.find((t) => t.tokenId !== tokenId)?.tokenId;
    if (complementId === undefined) throw new Error(`market ${info.marketId} has no complement of token ${tokenId}`);
    for (const point of points) {
      const quotes = syntheticQuotes(point.priceMicros, info.tickSizeMicros);
      const common = { marketId: info.marketId, sizeMicros: opts.levelSizeMicros, tsMs: point.tsMs, source: opts.source };
      yield syntheticBook({ ...common, tokenId, quotes });
      yield syntheticBook({ ...common, tokenId: complementId, quotes: complementQuotes(quotes) });
    }
  }

  const resolvedMs = points[points.length - 1]?.tsMs ?? listedMs;
  const resolved = marketResolvedFromGamma(plan.market, { tsEventMs: resolvedMs, receivedAtMs: resolvedMs, source: opts.source });
  if (resolved) yield resolved;
}

/**
 * Validates points one at a time (one bad point does not sink a series), drops prices outside [0, 1]
 * and repeated timestamps (the first one stays), and sorts by time. Each point goes through the
 * adapter's own `/prices-history` parser, so the wire shape is defined in one place.
 */
function cleanPoints(raw: readonly unknown[], rejected: Partial<Record<PointRejectReason, number>>): { points: PricePoint[]; outOfOrder: number } {
  const count = (reason: PointRejectReason) => (rejected[reason] = (rejected[reason] ?? 0) + 1);
  const valid: PricePoint[] = [];
  let outOfOrder = 0;
  for (const item of raw) {
    const parsed = parsePricesHistory({ history: [item] });
    const point = parsed.ok ? parsed.value[0] : undefined;
    if (!point) {
      count('invalid_point');
      continue;
    }
    if (point.priceMicros < 0n || point.priceMicros > 1_000_000n) {
      count('price_out_of_range');
      continue;
    }
    const previous = valid[valid.length - 1];
    if (previous && point.tsMs < previous.tsMs) outOfOrder += 1;
    valid.push(point);
  }
  // stable sort: among equal times the first in the file stays first, and is the one kept
  valid.sort((a, b) => a.tsMs - b.tsMs);
  const points: PricePoint[] = [];
  for (const point of valid) {
    if (points.length > 0 && points[points.length - 1]?.tsMs === point.tsMs) count('duplicate_time');
    else points.push(point);
  }
  return { points, outOfOrder };
}
