import { z } from 'zod';
import type { ApiCredentials, PostOrderBody, SandboxVenue } from '../venue.js';
import { orderWire, PostOrderBody as PostOrderBodySchema } from '../venue.js';
import { decimal } from '../wire/format.js';
import type { GammaMarketWire } from '../wire/gamma.js';
import type { EndpointFamily } from './faults.js';

/**
 * Polymarket's HTTP surface, one route per endpoint the floor (or clob-client-v2) uses. Handlers
 * validate input with zod, call the venue, and answer in Polymarket's shapes and error texts.
 * Gamma lives under `/gamma` (its `/markets` would clash with the CLOB's); everything else is the CLOB.
 */

export type RouteAuth = 'none' | 'l1' | 'l2';

export interface RouteContext {
  readonly venue: SandboxVenue;
  readonly url: URL;
  readonly json: unknown;
  /** regex capture groups of the path */
  readonly params: readonly string[];
  /** set on L2 routes */
  readonly creds: ApiCredentials | null;
  /** set on L1 routes */
  readonly l1: { readonly address: string; readonly nonce: bigint } | null;
}

export interface RouteResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string | RegExp;
  readonly family: EndpointFamily;
  readonly auth: RouteAuth;
  readonly handle: (ctx: RouteContext) => RouteResponse;
}

const ok = (body: unknown): RouteResponse => ({ status: 200, body });
const error = (status: number, message: string): RouteResponse => ({ status, body: { error: message } });

const END_CURSOR = 'LTE=';
const INVALID_TOKEN = 'Invalid token id';
const NO_BOOK = 'No orderbook exists for the requested token id';

/** L2 `creds` of a route that declared `auth: 'l2'` (the server guarantees it). */
function ownerOf(ctx: RouteContext): string {
  if (!ctx.creds) throw new Error('L2 route without credentials');
  return ctx.creds.apiKey;
}

function query(ctx: RouteContext, name: string): string | undefined {
  const value = ctx.url.searchParams.get(name);
  return value === null || value === '' ? undefined : value;
}

/** A repeatable or comma-separated query parameter (`id=1&id=2`, `condition_ids=a,b`). */
function queryList(ctx: RouteContext, name: string): string[] | undefined {
  const values = ctx.url.searchParams.getAll(name).flatMap((v) => v.split(',')).filter((v) => v !== '');
  return values.length > 0 ? values : undefined;
}

function pageOf<T>(items: readonly T[], ctx: RouteContext): T[] {
  const limit = Math.min(Math.max(Number(query(ctx, 'limit') ?? 100) || 100, 1), 500);
  const offset = Math.max(Number(query(ctx, 'offset') ?? 0) || 0, 0);
  return items.slice(offset, offset + limit);
}

/** Gamma's `closed` filter: absent means `closed=false` (Gamma applies it implicitly). */
function closedFilter(ctx: RouteContext): boolean {
  return query(ctx, 'closed') === 'true';
}

function filterGammaMarkets(ctx: RouteContext, markets: readonly GammaMarketWire[]): GammaMarketWire[] {
  const ids = queryList(ctx, 'id');
  const slugs = queryList(ctx, 'slug');
  const conditionIds = queryList(ctx, 'condition_ids');
  const tokenIds = queryList(ctx, 'clob_token_ids');
  const closed = closedFilter(ctx);
  return markets.filter(
    (m) =>
      m.closed === closed &&
      (!ids || ids.includes(m.id)) &&
      (!slugs || slugs.includes(m.slug)) &&
      (!conditionIds || conditionIds.includes(m.conditionId)) &&
      (!tokenIds || (JSON.parse(m.clobTokenIds) as string[]).some((t) => tokenIds.includes(t))),
  );
}

const TokenParam = z.object({ token_id: z.string().regex(/^\d+$/) });
const BooksBody = z.array(TokenParam).max(500);
const HistoryQuery = z.object({
  market: z.string().regex(/^\d+$/),
  startTs: z.coerce.number().int().nonnegative().optional(),
  endTs: z.coerce.number().int().nonnegative().optional(),
  interval: z.enum(['max', 'all', '1m', '1w', '1d', '6h', '1h']).optional(),
  fidelity: z.coerce.number().positive().optional(),
});
const INTERVAL_SECONDS: Record<string, number> = { '1h': 3_600, '6h': 21_600, '1d': 86_400, '1w': 604_800, '1m': 2_592_000 };
const CancelBody = z.object({ orderID: z.string().min(1) });
const CancelManyBody = z.array(z.string().min(1)).max(3_000);
const CancelMarketBody = z.object({ market: z.string().optional(), asset_id: z.string().optional() });
const HeartbeatBody = z.object({ heartbeat_id: z.string().nullish() });
const MAX_BATCH_ORDERS = 15;

function tokenQuery(ctx: RouteContext): string | undefined {
  const parsed = TokenParam.safeParse({ token_id: ctx.url.searchParams.get('token_id') });
  return parsed.success ? parsed.data.token_id : undefined;
}

/** Routes answering per token: 400 for a missing/garbled id, 404 for an unknown one. */
function perToken(answer: (tokenId: string, ctx: RouteContext) => unknown | undefined) {
  return (ctx: RouteContext): RouteResponse => {
    const tokenId = tokenQuery(ctx);
    if (tokenId === undefined) return error(400, INVALID_TOKEN);
    const body = answer(tokenId, ctx);
    return body === undefined ? error(404, NO_BOOK) : ok(body);
  };
}

function placeOne(ctx: RouteContext, raw: unknown): RouteResponse {
  const parsed = PostOrderBodySchema.safeParse(raw);
  if (!parsed.success || !ctx.creds) return error(400, 'Invalid order payload');
  const result = ctx.venue.placeOrder(ctx.creds, parsed.data satisfies PostOrderBody);
  return result.ok ? ok(result.body) : error(result.status, result.error);
}

export const ROUTES: readonly Route[] = [
  // ---- Gamma ------------------------------------------------------------------------------
  { method: 'GET', path: '/gamma/markets', family: 'gamma', auth: 'none', handle: (ctx) => ok(pageOf(filterGammaMarkets(ctx, ctx.venue.gammaMarkets()), ctx)) },
  {
    method: 'GET',
    path: /^\/gamma\/markets\/(\d+)$/,
    family: 'gamma',
    auth: 'none',
    handle: (ctx) => {
      const market = ctx.venue.gammaMarkets().find((m) => m.id === ctx.params[0]);
      return market ? ok(market) : error(404, 'market not found');
    },
  },
  {
    method: 'GET',
    path: '/gamma/events',
    family: 'gamma',
    auth: 'none',
    handle: (ctx) => {
      const closed = closedFilter(ctx);
      const ids = queryList(ctx, 'id');
      return ok(pageOf(ctx.venue.gammaEvents().filter((e) => e.closed === closed && (!ids || ids.includes(e.id))), ctx));
    },
  },

  // ---- CLOB public --------------------------------------------------------------------------
  { method: 'GET', path: '/', family: 'meta', auth: 'none', handle: () => ok('OK') },
  { method: 'GET', path: '/ok', family: 'meta', auth: 'none', handle: () => ok('OK') },
  { method: 'GET', path: '/time', family: 'meta', auth: 'none', handle: (ctx) => ok(Math.floor(ctx.venue.now() / 1000)) },
  { method: 'GET', path: '/version', family: 'meta', auth: 'none', handle: () => ok({ version: 2 }) },
  { method: 'GET', path: '/book', family: 'market-data', auth: 'none', handle: perToken((id, ctx) => ctx.venue.bookSummary(id)) },
  {
    method: 'POST',
    path: '/books',
    family: 'market-data',
    auth: 'none',
    handle: (ctx) => {
      const parsed = BooksBody.safeParse(ctx.json);
      if (!parsed.success) return error(400, 'Invalid payload');
      return ok(parsed.data.map((p) => ctx.venue.bookSummary(p.token_id)).filter((b) => b !== undefined));
    },
  },
  {
    method: 'GET',
    path: '/midpoint',
    family: 'market-data',
    auth: 'none',
    handle: perToken((id, ctx) => {
      const mid = ctx.venue.midpointMicros(id);
      return mid === undefined ? undefined : { mid: decimal(mid) };
    }),
  },
  {
    method: 'GET',
    path: '/spread',
    family: 'market-data',
    auth: 'none',
    handle: perToken((id, ctx) => {
      const book = ctx.venue.publicBook(id);
      const bid = book?.bids[0]?.priceMicros;
      const ask = book?.asks[0]?.priceMicros;
      return bid === undefined || ask === undefined ? undefined : { spread: decimal(ask - bid) };
    }),
  },
  {
    method: 'GET',
    path: '/prices-history',
    family: 'market-data',
    auth: 'none',
    handle: (ctx) => {
      const parsed = HistoryQuery.safeParse(Object.fromEntries(ctx.url.searchParams));
      if (!parsed.success) return error(400, 'Invalid query params');
      const q = parsed.data;
      const nowSec = Math.floor(ctx.venue.now() / 1000);
      const intervalSec = q.interval ? INTERVAL_SECONDS[q.interval] : undefined;
      if (q.interval === undefined && (q.startTs === undefined || q.endTs === undefined)) {
        return error(400, 'requires either interval or both startTs and endTs');
      }
      const start = q.startTs ?? (intervalSec === undefined ? 0 : nowSec - intervalSec);
      const end = q.endTs ?? nowSec;
      const history = ctx.venue.priceHistory(q.market, start, end, q.fidelity ?? 1);
      return history === undefined ? error(404, NO_BOOK) : ok({ history });
    },
  },
  {
    method: 'GET',
    path: '/tick-size',
    family: 'market-data',
    auth: 'none',
    handle: perToken((id, ctx) => {
      const tick = ctx.venue.tickSizeOf(id);
      return tick === undefined ? undefined : { minimum_tick_size: Number(decimal(tick)) };
    }),
  },
  {
    method: 'GET',
    path: '/neg-risk',
    family: 'market-data',
    auth: 'none',
    handle: perToken((id, ctx) => {
      const marketId = ctx.venue.marketIdOfToken(id);
      const info = marketId === undefined ? undefined : ctx.venue.marketInfo(marketId);
      return info === undefined ? undefined : { neg_risk: info.negRisk };
    }),
  },
  {
    method: 'GET',
    path: '/fee-rate',
    family: 'market-data',
    auth: 'none',
    handle: perToken((id, ctx) => {
      const marketId = ctx.venue.marketIdOfToken(id);
      const info = marketId === undefined ? undefined : ctx.venue.marketInfo(marketId);
      return info === undefined ? undefined : { base_fee: Number((info.fee.rateMicros * 10_000n) / 1_000_000n) };
    }),
  },
  {
    method: 'GET',
    path: /^\/clob-markets\/(0x[0-9a-fA-F]+)$/,
    family: 'market-data',
    auth: 'none',
    handle: (ctx) => {
      const details = ctx.venue.clobMarketDetails(ctx.params[0] ?? '');
      return details ? ok(details) : error(404, 'market not found');
    },
  },
  {
    method: 'GET',
    path: /^\/markets\/(0x[0-9a-fA-F]+)$/,
    family: 'market-data',
    auth: 'none',
    handle: (ctx) => {
      const market = ctx.venue.clobMarket(ctx.params[0] ?? '');
      return market ? ok(market) : error(404, 'market not found');
    },
  },
  {
    method: 'GET',
    path: /^\/markets-by-token\/(\d+)$/,
    family: 'market-data',
    auth: 'none',
    handle: (ctx) => {
      const marketId = ctx.venue.marketIdOfToken(ctx.params[0] ?? '');
      const market = marketId === undefined ? undefined : ctx.venue.clobMarket(marketId);
      return market ? ok(market) : error(404, 'market not found');
    },
  },

  // ---- L1: API credentials ------------------------------------------------------------------
  {
    method: 'POST',
    path: '/auth/api-key',
    family: 'auth',
    auth: 'l1',
    handle: (ctx) => {
      if (!ctx.l1) return error(401, 'Invalid L1 Request headers');
      const creds = ctx.venue.createApiKey(ctx.l1.address, ctx.l1.nonce);
      return creds ? ok({ apiKey: creds.apiKey, secret: creds.secret, passphrase: creds.passphrase }) : error(400, 'Could not create api key');
    },
  },
  {
    method: 'GET',
    path: '/auth/derive-api-key',
    family: 'auth',
    auth: 'l1',
    handle: (ctx) => {
      if (!ctx.l1) return error(401, 'Invalid L1 Request headers');
      const creds = ctx.venue.deriveApiKey(ctx.l1.address, ctx.l1.nonce);
      return creds ? ok({ apiKey: creds.apiKey, secret: creds.secret, passphrase: creds.passphrase }) : error(400, 'Could not derive api key!');
    },
  },
  { method: 'GET', path: '/auth/api-keys', family: 'auth', auth: 'l2', handle: (ctx) => ok({ apiKeys: ctx.creds ? ctx.venue.apiKeysOf(ctx.creds.address) : [] }) },
  {
    method: 'DELETE',
    path: '/auth/api-key',
    family: 'auth',
    auth: 'l2',
    handle: (ctx) => {
      ctx.venue.deleteApiKey(ownerOf(ctx));
      return ok('OK');
    },
  },

  // ---- L2: orders -------------------------------------------------------------------------
  { method: 'POST', path: '/order', family: 'orders', auth: 'l2', handle: (ctx) => placeOne(ctx, ctx.json) },
  {
    method: 'POST',
    path: '/orders',
    family: 'orders',
    auth: 'l2',
    handle: (ctx) => {
      if (!Array.isArray(ctx.json) || ctx.json.length === 0) return error(400, 'Invalid order payload');
      if (ctx.json.length > MAX_BATCH_ORDERS) return error(400, `Too many orders in payload, max allowed: ${MAX_BATCH_ORDERS}`);
      // each element answers on its own, failures included, like the venue's batch endpoint
      return ok(ctx.json.map((raw) => {
        const one = placeOne(ctx, raw);
        return one.status === 200 ? one.body : { success: false, errorMsg: (one.body as { error: string }).error, orderID: '', status: '', takingAmount: '', makingAmount: '' };
      }));
    },
  },
  {
    method: 'DELETE',
    path: '/order',
    family: 'cancels',
    auth: 'l2',
    handle: (ctx) => {
      const parsed = CancelBody.safeParse(ctx.json);
      return parsed.success ? ok(ctx.venue.cancelOrders(ownerOf(ctx), [parsed.data.orderID])) : error(400, 'Invalid order payload');
    },
  },
  {
    method: 'DELETE',
    path: '/orders',
    family: 'cancels',
    auth: 'l2',
    handle: (ctx) => {
      const parsed = CancelManyBody.safeParse(ctx.json);
      return parsed.success ? ok(ctx.venue.cancelOrders(ownerOf(ctx), parsed.data)) : error(400, 'Invalid order payload');
    },
  },
  { method: 'DELETE', path: '/cancel-all', family: 'cancels', auth: 'l2', handle: (ctx) => ok(ctx.venue.cancelAll(ownerOf(ctx))) },
  {
    method: 'DELETE',
    path: '/cancel-market-orders',
    family: 'cancels',
    auth: 'l2',
    handle: (ctx) => {
      const parsed = CancelMarketBody.safeParse(ctx.json ?? {});
      if (!parsed.success) return error(400, 'Invalid order payload');
      return ok(ctx.venue.cancelAll(ownerOf(ctx), { market: parsed.data.market, asset_id: parsed.data.asset_id }));
    },
  },
  {
    method: 'GET',
    path: '/data/orders',
    family: 'account',
    auth: 'l2',
    handle: (ctx) => {
      const data = ctx.venue
        .openOrders(ownerOf(ctx), { id: query(ctx, 'id'), market: query(ctx, 'market'), asset_id: query(ctx, 'asset_id') })
        .map(orderWire);
      // one page holds everything: the sandbox never has more open orders than a page
      return ok({ limit: data.length, count: data.length, next_cursor: END_CURSOR, data });
    },
  },
  {
    method: 'GET',
    path: /^\/data\/order\/(0x[0-9a-fA-F]+)$/,
    family: 'account',
    auth: 'l2',
    handle: (ctx) => {
      const order = ctx.venue.order(ownerOf(ctx), ctx.params[0] ?? '');
      return order ? ok(orderWire(order)) : error(404, 'order not found');
    },
  },
  {
    method: 'GET',
    path: '/data/trades',
    family: 'account',
    auth: 'l2',
    handle: (ctx) => {
      const num = (name: string) => {
        const v = query(ctx, name);
        return v === undefined || !/^\d+$/.test(v) ? undefined : Number(v);
      };
      const data = ctx.venue.tradesOf(ownerOf(ctx), {
        id: query(ctx, 'id'),
        market: query(ctx, 'market'),
        asset_id: query(ctx, 'asset_id'),
        maker_address: query(ctx, 'maker_address'),
        before: num('before'),
        after: num('after'),
      });
      return ok({ limit: data.length, count: data.length, next_cursor: END_CURSOR, data });
    },
  },
  {
    method: 'POST',
    path: '/v1/heartbeats',
    family: 'heartbeat',
    auth: 'l2',
    handle: (ctx) => {
      const parsed = HeartbeatBody.safeParse(ctx.json ?? {});
      if (!parsed.success) return error(400, 'Invalid heartbeat payload');
      const beat = ctx.venue.heartbeat(ownerOf(ctx), parsed.data.heartbeat_id ?? '');
      return beat.ok
        ? ok({ heartbeat_id: beat.heartbeatId, error_msg: '' })
        : { status: 400, body: { error: 'Invalid Heartbeat ID', heartbeat_id: beat.heartbeatId } };
    },
  },
];

/** The route for a method and path, with the path's capture groups. */
export function findRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, params: [] };
    } else {
      const match = route.path.exec(path);
      if (match) return { route, params: match.slice(1) };
    }
  }
  return undefined;
}
