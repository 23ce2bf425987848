import { z } from 'zod';
import { describeIssues, NO_FEES, type FeeSchedule, type MarketInfo } from '@floor/domain';
import { classifyMarket } from '../classify.js';
import {
  DecimalMicrosRounded,
  IsoDateMs,
  isRecord,
  jsonEncoded,
  NumberMicros,
  parsed,
  parseWith,
  type ParseResult,
} from './common.js';

/**
 * Gamma (https://gamma-api.polymarket.com) market and event objects → domain `MarketInfo`, plus the
 * statistics discovery filters on and the resolution state.
 *
 * Wire quirks handled here (see the fixtures in test/fixtures/gamma_*.json):
 * - `outcomes`, `outcomePrices`, `clobTokenIds` are JSON text inside the JSON;
 * - `volume` and `liquidity` are decimal strings (with float noise past 6 places), while `volume24hr`,
 *   `bestBid`, `bestAsk`, `spread`, `orderPriceMinTickSize` and `feeSchedule.rate` are numbers;
 * - fields are often absent or `null` on closed and legacy markets;
 * - `active` stays true after a market closes: `closed` is the field that matters.
 *
 * Only binary CLOB markets become `MarketInfo`. Anything else comes back as a `GammaRejection` with a
 * reason code, never a throw, so discovery can report "took N, rejected M (why)".
 */

// ---------------------------------------------------------------------------------------------
// Raw wire schemas (only the fields we read; zod drops the rest)
// ---------------------------------------------------------------------------------------------

const GammaTagRaw = z.object({
  id: z.union([z.string(), z.number()]).nullish(),
  label: z.string().nullish(),
  slug: z.string().nullish(),
});

const GammaEventRefRaw = z.object({
  id: z.string(),
  title: z.string().nullish(),
  slug: z.string().nullish(),
  tags: z.array(GammaTagRaw).nullish(),
});

const GammaFeeScheduleRaw = z.object({
  exponent: z.number().int().positive(),
  rate: z.number().nonnegative(),
  takerOnly: z.boolean(),
  rebateRate: z.number().nullish(),
});

const StringArray = z.array(z.string());

/** The fields of a Gamma market object this adapter reads, typed as they arrive on the wire. */
export const GammaMarketRaw = z.object({
  id: z.string().min(1),
  question: z.string(),
  conditionId: z.string().min(1),
  slug: z.string().nullish(),
  endDate: IsoDateMs.nullish(),
  marketType: z.string().nullish(),
  outcomes: jsonEncoded(StringArray).nullish(),
  outcomePrices: jsonEncoded(StringArray).nullish(),
  clobTokenIds: jsonEncoded(StringArray).nullish(),
  volume: DecimalMicrosRounded.nullish(),
  liquidity: DecimalMicrosRounded.nullish(),
  volume24hr: NumberMicros.nullish(),
  bestBid: NumberMicros.nullish(),
  bestAsk: NumberMicros.nullish(),
  spread: NumberMicros.nullish(),
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  acceptingOrders: z.boolean().nullish(),
  enableOrderBook: z.boolean().nullish(),
  negRisk: z.boolean().nullish(),
  orderPriceMinTickSize: NumberMicros.nullish(),
  orderMinSize: NumberMicros.nullish(),
  feesEnabled: z.boolean().nullish(),
  feeSchedule: GammaFeeScheduleRaw.nullish(),
  umaResolutionStatus: z.string().nullish(),
  category: z.string().nullish(),
  tags: z.array(GammaTagRaw).nullish(),
  events: z.array(GammaEventRefRaw).nullish(),
});
export type GammaMarketRaw = z.output<typeof GammaMarketRaw>;

/** A Gamma event: a group of markets (e.g. one per candidate), each a full market object. */
export const GammaEventRaw = z.object({
  id: z.string().min(1),
  title: z.string().nullish(),
  slug: z.string().nullish(),
  tags: z.array(GammaTagRaw).nullish(),
  markets: z.array(z.unknown()).nullish(),
});

/** `GET /markets/keyset` page: markets are parsed one by one so one bad object cannot sink the page. */
export const GammaKeysetPageRaw = z.object({
  markets: z.array(z.unknown()),
  next_cursor: z.string().nullish(),
});

// ---------------------------------------------------------------------------------------------
// Parsed shapes
// ---------------------------------------------------------------------------------------------

/**
 * Where a market stands in its life, read from Gamma alone.
 * - `open`: not closed.
 * - `closed_pending`: closed, but `outcomePrices` are not settlement prices yet (UMA still deciding,
 *   or a legacy `["0","0"]` market). Check again later or ask the CLOB (`tokens[].winner`).
 * - `resolved`: closed with prices 1/0; the winner pays 1 per share.
 * - `split`: closed 50-50; both tokens pay 0.5.
 */
export type GammaResolution =
  | { readonly state: 'open' }
  | { readonly state: 'closed_pending' }
  | { readonly state: 'resolved'; readonly winningTokenId: string; readonly winningOutcome: string }
  | { readonly state: 'split' };

/** A binary market from Gamma: the domain `MarketInfo` plus what discovery filters on. */
export interface GammaMarket {
  readonly info: MarketInfo;
  /** Gamma's numeric market id (not the condition id, which is `info.marketId`). */
  readonly gammaId: string;
  readonly active: boolean;
  readonly closed: boolean;
  readonly acceptingOrders: boolean;
  /** Lower-cased tag labels and slugs of the market and its event. */
  readonly tags: readonly string[];
  readonly eventTitle: string;
  /** Lifetime volume in USD micros; null when Gamma omits it. */
  readonly volumeMicros: bigint | null;
  readonly volume24hMicros: bigint | null;
  readonly liquidityMicros: bigint | null;
  readonly bestBidMicros: bigint | null;
  readonly bestAskMicros: bigint | null;
  /** Gamma's `spread`, or best ask − best bid when only those are present. */
  readonly spreadMicros: bigint | null;
  /** Last Gamma prices per token, in `info.tokens` order. */
  readonly outcomePricesMicros: readonly [bigint, bigint] | null;
  readonly resolution: GammaResolution;
  readonly umaResolutionStatus: string | null;
  /** Things worth a log line that did not stop the market being usable (e.g. fees on, no schedule). */
  readonly warnings: readonly string[];
}

export type GammaRejectReason =
  | 'invalid_payload'
  | 'not_binary'
  | 'no_order_book'
  | 'no_token_ids'
  | 'no_end_date';

export interface GammaRejection {
  readonly reason: GammaRejectReason;
  readonly detail: string;
  /** Whatever identified the market, when the payload had it. */
  readonly gammaId: string | null;
  readonly marketId: string | null;
  readonly question: string | null;
}

export type GammaMarketResult = { readonly ok: true; readonly market: GammaMarket } | ({ readonly ok: false } & GammaRejection);

/** Event context for markets that arrive inside an event (the event's id, title and tags). */
export interface GammaEventContext {
  readonly eventId: string;
  readonly eventTitle: string;
  readonly eventTags: readonly string[];
}

/** Tick size and minimum order used when Gamma omits them (the CLOB's defaults). */
const DEFAULT_TICK_SIZE_MICROS = 10_000n;
const DEFAULT_MIN_ORDER_SIZE_MICROS = 5_000_000n;
const ONE = 1_000_000n;
const HALF = 500_000n;

// ---------------------------------------------------------------------------------------------
// Parsers
// ---------------------------------------------------------------------------------------------

/**
 * One Gamma market object → a binary `GammaMarket`, or a rejection with a reason.
 * `context` supplies the event when the market came from `/events` (market objects there carry no
 * `events[]` of their own).
 */
export function parseGammaMarket(raw: unknown, context?: GammaEventContext): GammaMarketResult {
  const result = GammaMarketRaw.safeParse(raw);
  if (!result.success) {
    return reject('invalid_payload', describeIssues(result.error.issues), raw);
  }
  const m = result.data;

  if (m.marketType === 'scalar') return reject('not_binary', 'scalar market', m);
  if (m.enableOrderBook !== true) return reject('no_order_book', 'enableOrderBook is not true (AMM-era or off-book market)', m);
  if (!m.outcomes || m.outcomes.length !== 2) {
    return reject('not_binary', `expected 2 outcomes, got ${m.outcomes ? m.outcomes.length : 'none'}`, m);
  }
  if (!m.clobTokenIds || m.clobTokenIds.length === 0) return reject('no_token_ids', 'clobTokenIds is missing or empty', m);
  if (m.clobTokenIds.length !== 2) return reject('not_binary', `expected 2 token ids, got ${m.clobTokenIds.length}`, m);
  if (m.endDate === null || m.endDate === undefined) return reject('no_end_date', 'endDate is missing', m);

  const prices = parseOutcomePrices(m.outcomePrices);
  if (prices === 'invalid') return reject('invalid_payload', `outcomePrices: not two decimals: ${JSON.stringify(m.outcomePrices)}`, m);

  const pairs = yesFirst(
    [
      { tokenId: m.clobTokenIds[0] as string, outcome: m.outcomes[0] as string, priceMicros: prices?.[0] ?? null },
      { tokenId: m.clobTokenIds[1] as string, outcome: m.outcomes[1] as string, priceMicros: prices?.[1] ?? null },
    ],
  );

  const eventRef = m.events?.[0];
  const eventId = context?.eventId ?? eventRef?.id ?? '';
  const eventTitle = context?.eventTitle ?? eventRef?.title ?? '';
  const tags = uniqueLower([...tagWords(m.tags), ...tagWords(eventRef?.tags), ...(context?.eventTags ?? [])]);
  const slug = m.slug ?? '';

  const warnings: string[] = [];
  const fee = feeFrom(m, warnings);

  const info: MarketInfo = {
    marketId: m.conditionId,
    question: m.question,
    slug,
    category: classifyMarket({ question: m.question, slug, tags, eventTitle }),
    eventId,
    endDateMs: m.endDate,
    tickSizeMicros: m.orderPriceMinTickSize ?? DEFAULT_TICK_SIZE_MICROS,
    minOrderSizeMicros: m.orderMinSize ?? DEFAULT_MIN_ORDER_SIZE_MICROS,
    negRisk: m.negRisk ?? false,
    fee: { rateMicros: fee.rateMicros, exponent: fee.exponent, takerOnly: fee.takerOnly },
    tokens: pairs.map(({ tokenId, outcome }) => ({ tokenId, outcome })),
  };

  const bestBidMicros = m.bestBid ?? null;
  const bestAskMicros = m.bestAsk ?? null;
  const closed = m.closed ?? false;
  const outcomePricesMicros =
    pairs[0].priceMicros !== null && pairs[1].priceMicros !== null ? ([pairs[0].priceMicros, pairs[1].priceMicros] as const) : null;

  return {
    ok: true,
    market: {
      info,
      gammaId: m.id,
      active: m.active ?? false,
      closed,
      acceptingOrders: m.acceptingOrders ?? false,
      tags,
      eventTitle,
      volumeMicros: m.volume ?? null,
      volume24hMicros: m.volume24hr ?? null,
      liquidityMicros: m.liquidity ?? null,
      bestBidMicros,
      bestAskMicros,
      spreadMicros: m.spread ?? (bestBidMicros !== null && bestAskMicros !== null ? bestAskMicros - bestBidMicros : null),
      outcomePricesMicros,
      resolution: resolutionFrom(closed, pairs),
      umaResolutionStatus: m.umaResolutionStatus ?? null,
      warnings,
    },
  };
}

export interface GammaBatch {
  readonly accepted: readonly GammaMarket[];
  readonly rejected: readonly GammaRejection[];
}

/** Parses a list of Gamma market objects (one `/markets` page), keeping each rejection's reason. */
export function parseGammaMarkets(raws: readonly unknown[], context?: GammaEventContext): GammaBatch {
  const accepted: GammaMarket[] = [];
  const rejected: GammaRejection[] = [];
  for (const raw of raws) {
    const result = parseGammaMarket(raw, context);
    if (result.ok) {
      accepted.push(result.market);
    } else {
      const { ok: _ok, ...rejection } = result;
      rejected.push(rejection);
    }
  }
  return { accepted, rejected };
}

export interface GammaEvent extends GammaBatch {
  readonly eventId: string;
  readonly title: string;
  readonly slug: string;
}

/**
 * A Gamma event object → its binary markets, each carrying the event's id, title and tags. The event
 * itself failing validation is a `ParseFailure`; its markets failing are rejections inside the batch.
 */
export function parseGammaEvent(raw: unknown): ParseResult<GammaEvent> {
  const result = parseWith(GammaEventRaw, raw, 'gamma_event');
  if (!result.ok) return result;
  const e = result.value;
  const title = e.title ?? '';
  const batch = parseGammaMarkets(e.markets ?? [], { eventId: e.id, eventTitle: title, eventTags: uniqueLower(tagWords(e.tags)) });
  return parsed({ eventId: e.id, title, slug: e.slug ?? '', ...batch });
}

/** A `GET /markets/keyset` page → its markets (parsed one by one) and the cursor for the next page. */
export function parseGammaKeysetPage(raw: unknown): ParseResult<GammaBatch & { readonly nextCursor: string | null }> {
  const result = parseWith(GammaKeysetPageRaw, raw, 'gamma_markets_keyset');
  if (!result.ok) return result;
  return parsed({ ...parseGammaMarkets(result.value.markets), nextCursor: result.value.next_cursor || null });
}

/** "took 40, rejected 3 (not_binary 2, no_order_book 1)": counts of rejections per reason. */
export function countRejections(rejected: readonly GammaRejection[]): Partial<Record<GammaRejectReason, number>> {
  const counts: Partial<Record<GammaRejectReason, number>> = {};
  for (const r of rejected) counts[r.reason] = (counts[r.reason] ?? 0) + 1;
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface TokenPair {
  readonly tokenId: string;
  readonly outcome: string;
  readonly priceMicros: bigint | null;
}

/** `MarketInfo.tokens` puts YES first. Gamma already does for Yes/No markets; this guards a reversed pair. */
function yesFirst(pairs: readonly [TokenPair, TokenPair]): readonly [TokenPair, TokenPair] {
  const [a, b] = pairs;
  return b.outcome.toLowerCase() === 'yes' && a.outcome.toLowerCase() !== 'yes' ? [b, a] : pairs;
}

/** Outcome prices → micros (rounded: legacy markets carry 34-digit fractions). Absent → null. */
function parseOutcomePrices(prices: readonly string[] | null | undefined): readonly [bigint, bigint] | null | 'invalid' {
  if (prices === null || prices === undefined) return null;
  if (prices.length !== 2) return 'invalid';
  const micros = prices.map((p) => DecimalMicrosRounded.safeParse(p));
  const [a, b] = micros;
  if (!a?.success || !b?.success) return 'invalid';
  return [a.data, b.data];
}

/**
 * Settlement prices are exactly 1/0 or 0.5/0.5. Anything else on a closed market (UMA still in its
 * challenge window, legacy 0/0) is pending: never infer a winner from a last traded price.
 */
function resolutionFrom(closed: boolean, pairs: readonly [TokenPair, TokenPair]): GammaResolution {
  if (!closed) return { state: 'open' };
  const [a, b] = pairs;
  if (a.priceMicros === ONE && b.priceMicros === 0n) return { state: 'resolved', winningTokenId: a.tokenId, winningOutcome: a.outcome };
  if (a.priceMicros === 0n && b.priceMicros === ONE) return { state: 'resolved', winningTokenId: b.tokenId, winningOutcome: b.outcome };
  if (a.priceMicros === HALF && b.priceMicros === HALF) return { state: 'split' };
  return { state: 'closed_pending' };
}

/**
 * The market's taker fee. `feesEnabled:false` or no `feeSchedule` means no fee. Fees on without a
 * schedule is charged as zero but flagged: the legacy `takerBaseFee` is not the effective rate, and
 * guessing a category rate would put a number in the ledger nobody can trace.
 */
function feeFrom(m: GammaMarketRaw, warnings: string[]): FeeSchedule {
  if (m.feesEnabled !== true) return NO_FEES;
  if (!m.feeSchedule) {
    warnings.push('feesEnabled is true but feeSchedule is missing; fee taken as zero');
    return NO_FEES;
  }
  const rate = NumberMicros.safeParse(m.feeSchedule.rate);
  if (!rate.success) {
    warnings.push(`feeSchedule.rate unreadable (${m.feeSchedule.rate}); fee taken as zero`);
    return NO_FEES;
  }
  return { rateMicros: rate.data, exponent: m.feeSchedule.exponent, takerOnly: m.feeSchedule.takerOnly };
}

function tagWords(tags: ReadonlyArray<z.output<typeof GammaTagRaw>> | null | undefined): string[] {
  return (tags ?? []).flatMap((t) => [t.label, t.slug].filter((w): w is string => typeof w === 'string' && w.length > 0));
}

function uniqueLower(words: readonly string[]): string[] {
  return [...new Set(words.map((w) => w.toLowerCase()))];
}

function reject(reason: GammaRejectReason, detail: string, source: unknown): { ok: false } & GammaRejection {
  const field = (key: string): string | null => {
    if (!isRecord(source)) return null;
    const value = source[key];
    return typeof value === 'string' && value.length > 0 ? value : null;
  };
  return { ok: false, reason, detail, gammaId: field('id'), marketId: field('conditionId'), question: field('question') };
}
