import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { bestAsk, bestBid, MICROS_PER_UNIT, type BookLevel, type MarketEvent, type MarketInfo, type Side } from '@floor/domain';
import { orderHash, recoverOrderSigner, sameAddress } from './auth/eip712.js';
import { limitFromAmounts, priceOnGrid } from './engine/order-amounts.js';
import { TokenBook, type MakerFill, type RejectReason, type TakerFill, type VenueOrderType } from './engine/token-book.js';
import { DEFAULT_LIFECYCLE, statusesBetween, tradeStatusAt, type LifecycleTiming, type SandboxTradeStatus } from './engine/trade-lifecycle.js';
import { bookHash, decimal, rateBps, unixSeconds, wireSide } from './wire/format.js';
import { eventIdOf, gammaEvent, gammaMarket, type GammaMarketWire } from './wire/gamma.js';

/**
 * The sandbox venue's state and rules, independent of HTTP: markets fed by market events, API
 * credentials, orders, trades, heartbeats. The server (./server) translates Polymarket's protocol into
 * calls on this class and forwards what it emits to WebSocket subscribers.
 *
 * Every timestamp comes from `clock` (wall time by default; tests may inject one); timed work (trade
 * lifecycle, GTD expiry, cancel-on-disconnect) happens in `tick()`, which the server calls on an interval.
 */

export interface SandboxVenueOptions {
  /** chain the orders must be signed for (137 Polygon, 80002 Amoy) */
  readonly chainId?: number;
  readonly clock?: () => number;
  readonly lifecycle?: LifecycleTiming;
  /** cancel a heartbeating owner's orders when no heartbeat arrived for this long (Polymarket: 10 s) */
  readonly heartbeatTimeoutMs?: number;
  /** seeds API-key derivation, so `derive-api-key` answers the same across restarts with the same secret */
  readonly serverSecret?: string;
}

export type MarketState = 'pending' | 'open' | 'resolved';

interface VenueMarket {
  readonly info: MarketInfo;
  readonly gammaId: string;
  state: MarketState;
  tickSizeMicros: bigint;
  winningTokenId: string | null;
  closedAtMs: number | null;
  volumeMicros: bigint;
}

interface TokenState {
  readonly marketId: string;
  readonly outcome: string;
  readonly book: TokenBook;
  /** the public book last announced on the market channel, best first */
  published: { bids: BookLevel[]; asks: BookLevel[] } | null;
  lastTradePriceMicros: bigint | null;
  /** (unix seconds, mid) points for /prices-history */
  readonly history: Array<{ t: number; p: bigint }>;
}

export interface ApiCredentials {
  readonly apiKey: string;
  readonly secret: string;
  readonly passphrase: string;
  readonly address: string;
  readonly nonce: bigint;
}

export type OrderStatus = 'LIVE' | 'MATCHED' | 'CANCELED';

export interface VenueOrder {
  readonly orderId: string;
  readonly owner: string;
  readonly makerAddress: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly outcome: string;
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly originalSizeMicros: bigint;
  matchedSizeMicros: bigint;
  status: OrderStatus;
  readonly orderType: VenueOrderType;
  readonly createdAtMs: number;
  /** unix seconds as signed; "0" = none */
  readonly expiration: string;
  readonly tradeIds: string[];
}

interface TradeSide {
  readonly owner: string;
  readonly orderId: string;
  readonly address: string;
  readonly side: Side;
}

export interface VenueTrade {
  readonly tradeId: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly outcome: string;
  /** the taker's side */
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly feeRateBps: number;
  readonly matchedAtMs: number;
  readonly transactionHash: string;
  /** null = the crowd (dataset liquidity) */
  readonly taker: TradeSide | null;
  readonly maker: TradeSide | null;
  announced: SandboxTradeStatus;
}

/** What the venue asks the server to deliver. `message` is already in Polymarket's wire shape. */
export type VenueEmission =
  | { readonly channel: 'market'; readonly tokenId: string; readonly custom: boolean; readonly message: Record<string, unknown> }
  | { readonly channel: 'user'; readonly owner: string; readonly marketId: string; readonly message: Record<string, unknown> };

/** `POST /order` body as clob-client-v2's `orderToJsonV2` builds it. */
export const PostOrderBody = z.object({
  order: z.object({
    salt: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String),
    maker: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    signer: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    taker: z.string().optional(),
    tokenId: z.string().regex(/^\d+$/),
    makerAmount: z.string().regex(/^\d+$/),
    takerAmount: z.string().regex(/^\d+$/),
    side: z.enum(['BUY', 'SELL']),
    signatureType: z.number().int().min(0).max(3),
    timestamp: z.string().regex(/^\d+$/),
    expiration: z.string().regex(/^\d+$/).default('0'),
    metadata: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
    builder: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
    signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  }),
  owner: z.string().min(1),
  orderType: z.enum(['GTC', 'GTD', 'FOK', 'FAK']),
  deferExec: z.boolean().default(false),
  postOnly: z.boolean().default(false),
});
export type PostOrderBody = z.output<typeof PostOrderBody>;

export type PlaceOrderResult =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: number; readonly error: string };

export interface CancelResult {
  readonly canceled: string[];
  readonly not_canceled: Record<string, string>;
}

export interface OrderFilter {
  readonly id?: string | undefined;
  readonly market?: string | undefined;
  readonly asset_id?: string | undefined;
}

export interface TradeFilter extends OrderFilter {
  readonly maker_address?: string | undefined;
  /** unix seconds */
  readonly before?: number | undefined;
  readonly after?: number | undefined;
}

const REJECT_MESSAGES: Record<RejectReason, string> = {
  fok_unfilled: "order couldn't be fully filled. FOK orders are fully filled or killed.",
  fak_unmatched: 'no orders found to match with FAK order. FAK orders are partially filled or killed if no match is found.',
  post_only_crosses: 'invalid post-only order: order crosses book',
  not_positive: 'invalid order: amounts must be positive',
};

/** Polymarket switches a 0.01 market to 0.001 when its price leaves [0.04, 0.96]. */
const FINE_TICK_MICROS = 1_000n;
const COARSE_TICK_MICROS = 10_000n;
const TICK_SWITCH_HIGH = 960_000n;
const TICK_SWITCH_LOW = 40_000n;
/** GTD orders must outlive this buffer (Polymarket enforces about a minute). */
const GTD_MIN_LIFETIME_MS = 60_000;

export class SandboxVenue {
  readonly chainId: number;
  private readonly clock: () => number;
  private readonly lifecycle: LifecycleTiming;
  private readonly heartbeatTimeoutMs: number;
  private readonly serverSecret: string;

  private readonly markets = new Map<string, VenueMarket>();
  private readonly tokens = new Map<string, TokenState>();
  private readonly credentials = new Map<string, ApiCredentials>();
  private readonly orders = new Map<string, VenueOrder>();
  private readonly trades: VenueTrade[] = [];
  private readonly heartbeats = new Map<string, { id: string; lastMs: number }>();
  private readonly listeners = new Set<(e: VenueEmission) => void>();
  private lastTickMs: number;

  constructor(opts: SandboxVenueOptions = {}) {
    this.chainId = opts.chainId ?? 137;
    this.clock = opts.clock ?? Date.now;
    this.lifecycle = opts.lifecycle ?? DEFAULT_LIFECYCLE;
    this.heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 10_000;
    this.serverSecret = opts.serverSecret ?? randomBytes(32).toString('hex');
    this.lastTickMs = this.clock();
  }

  now(): number {
    return this.clock();
  }

  /** Registers a listener for market- and user-channel messages; returns the unsubscribe function. */
  onEmission(listener: (e: VenueEmission) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Market data in
  // ---------------------------------------------------------------------------------------------

  /** Makes markets known (a dataset header). They stay hidden until listed or first quoted. */
  addMarkets(infos: readonly MarketInfo[]): void {
    for (const info of infos) {
      if (this.markets.has(info.marketId)) continue;
      this.markets.set(info.marketId, {
        info,
        gammaId: String(500_000 + this.markets.size),
        state: 'pending',
        tickSizeMicros: info.tickSizeMicros,
        winningTokenId: null,
        closedAtMs: null,
        volumeMicros: 0n,
      });
      for (const token of info.tokens) {
        this.tokens.set(token.tokenId, {
          marketId: info.marketId,
          outcome: token.outcome,
          book: new TokenBook(token.tokenId),
          published: null,
          lastTradePriceMicros: null,
          history: [],
        });
      }
    }
  }

  /** Applies one market event from the dataset or the simulator. */
  applyEvent(event: MarketEvent): void {
    switch (event.type) {
      case 'listed':
        this.addMarkets([event.market]);
        this.open(event.market.marketId);
        return;
      case 'book': {
        const token = this.tokens.get(event.tokenId);
        if (!token) return;
        this.open(token.marketId);
        const fills = token.book.replaceCrowd(event.bids, event.asks);
        this.recordCrowdMakerFills(event.tokenId, fills);
        this.publishBook(event.tokenId);
        return;
      }
      case 'trade': {
        const token = this.tokens.get(event.tokenId);
        if (!token || this.markets.get(token.marketId)?.state !== 'open') return;
        const fills = token.book.applyCrowdTrade(event.side, event.priceMicros, event.sizeMicros);
        this.noteTrade(event.tokenId, event.side, event.priceMicros, event.sizeMicros);
        this.recordCrowdMakerFills(event.tokenId, fills);
        if (fills.length > 0) this.publishBook(event.tokenId);
        return;
      }
      case 'resolved':
        this.resolve(event.marketId, event.winningTokenId);
        return;
    }
  }

  private open(marketId: string): void {
    const market = this.markets.get(marketId);
    if (market && market.state === 'pending') market.state = 'open';
  }

  /** Closes a market: every resting order is cancelled and `market_resolved` goes out. */
  resolve(marketId: string, winningTokenId: string): void {
    const market = this.markets.get(marketId);
    if (!market || market.state === 'resolved') return;
    market.state = 'resolved';
    market.winningTokenId = winningTokenId;
    market.closedAtMs = this.now();
    for (const token of market.info.tokens) {
      const state = this.tokens.get(token.tokenId);
      for (const resting of state?.book.clearResting() ?? []) this.markCanceled(resting.orderId);
      this.publishBook(token.tokenId);
    }
    const winner = market.info.tokens.find((t) => t.tokenId === winningTokenId);
    for (const token of market.info.tokens) {
      this.emitMarket(token.tokenId, true, {
        event_type: 'market_resolved',
        id: market.gammaId,
        market: marketId,
        assets_ids: market.info.tokens.map((t) => t.tokenId),
        winning_asset_id: winningTokenId,
        winning_outcome: winner?.outcome ?? '',
        timestamp: String(this.now()),
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Public market data out
  // ---------------------------------------------------------------------------------------------

  marketInfo(marketId: string): MarketInfo | undefined {
    return this.markets.get(marketId)?.info;
  }

  marketIdOfToken(tokenId: string): string | undefined {
    return this.tokens.get(tokenId)?.marketId;
  }

  tickSizeOf(tokenId: string): bigint | undefined {
    const marketId = this.tokens.get(tokenId)?.marketId;
    return marketId === undefined ? undefined : this.markets.get(marketId)?.tickSizeMicros;
  }

  /** `GET /book` body, or undefined for an unknown token. */
  bookSummary(tokenId: string): Record<string, unknown> | undefined {
    const token = this.tokens.get(tokenId);
    const market = token && this.markets.get(token.marketId);
    if (!token || !market) return undefined;
    return this.summaryOf(tokenId, token, market, token.book.publicBook());
  }

  midpointMicros(tokenId: string): bigint | undefined {
    const book = this.tokens.get(tokenId)?.book.publicBook();
    if (!book) return undefined;
    const b = book.bids[0]?.priceMicros;
    const a = book.asks[0]?.priceMicros;
    return b !== undefined && a !== undefined ? (a + b) / 2n : undefined;
  }

  publicBook(tokenId: string): { bids: BookLevel[]; asks: BookLevel[] } | undefined {
    return this.tokens.get(tokenId)?.book.publicBook();
  }

  /** Mid-price history points `{t: unix s, p}`, optionally one per `fidelityMinutes` bucket (the last). */
  priceHistory(tokenId: string, startSec: number, endSec: number, fidelityMinutes: number): Array<{ t: number; p: number }> | undefined {
    const token = this.tokens.get(tokenId);
    if (!token) return undefined;
    const bucketSec = Math.max(1, Math.round(fidelityMinutes * 60));
    const byBucket = new Map<number, { t: number; p: bigint }>();
    for (const point of token.history) {
      if (point.t < startSec || point.t > endSec) continue;
      byBucket.set(Math.floor(point.t / bucketSec), point);
    }
    return [...byBucket.values()].map((pt) => ({ t: pt.t, p: Number(decimal(pt.p)) }));
  }

  /** Gamma market objects of listed markets (open and resolved), in listing order. */
  gammaMarkets(): GammaMarketWire[] {
    const out: GammaMarketWire[] = [];
    for (const market of this.markets.values()) {
      if (market.state === 'pending') continue;
      out.push(gammaMarket(this.gammaView(market), market.info.question));
    }
    return out;
  }

  /** Gamma event objects grouping the listed markets by event id. */
  gammaEvents(): Array<ReturnType<typeof gammaEvent>> {
    const groups = new Map<string, { title: string; markets: GammaMarketWire[] }>();
    for (const market of this.markets.values()) {
      if (market.state === 'pending') continue;
      const eventId = eventIdOf(market.info);
      const group = groups.get(eventId) ?? { title: market.info.question, markets: [] };
      group.markets.push(gammaMarket(this.gammaView(market), group.title));
      groups.set(eventId, group);
    }
    return [...groups.entries()].map(([id, g]) => gammaEvent(id, g.title, g.markets));
  }

  /** `GET /clob-markets/{condition_id}`: the compact market details clob-client-v2 caches. */
  clobMarketDetails(marketId: string): Record<string, unknown> | undefined {
    const market = this.markets.get(marketId);
    if (!market) return undefined;
    const { info } = market;
    return {
      c: info.marketId,
      t: info.tokens.map((t) => ({ t: t.tokenId, o: t.outcome })),
      mts: Number(decimal(market.tickSizeMicros)),
      nr: info.negRisk,
      fd: { r: Number(decimal(info.fee.rateMicros)), e: info.fee.exponent, to: info.fee.takerOnly },
      mbf: 0,
      tbf: rateBps(info.fee.rateMicros),
      mos: Number(decimal(info.minOrderSizeMicros)),
      ao: market.state === 'open',
      r: null,
    };
  }

  /** `GET /markets/{condition_id}`: the CLOB market object (tokens carry `winner` after resolution). */
  clobMarket(marketId: string): Record<string, unknown> | undefined {
    const market = this.markets.get(marketId);
    if (!market) return undefined;
    const { info } = market;
    return {
      condition_id: info.marketId,
      question_id: info.marketId,
      question: info.question,
      market_slug: info.slug,
      end_date_iso: new Date(info.endDateMs).toISOString(),
      tokens: info.tokens.map((t) => ({
        token_id: t.tokenId,
        outcome: t.outcome,
        price: market.winningTokenId === null ? Number(decimal(this.midpointMicros(t.tokenId) ?? 0n)) : market.winningTokenId === t.tokenId ? 1 : 0,
        winner: market.winningTokenId === t.tokenId,
      })),
      minimum_order_size: Number(decimal(info.minOrderSizeMicros)),
      minimum_tick_size: Number(decimal(market.tickSizeMicros)),
      neg_risk: info.negRisk,
      active: market.state !== 'pending',
      closed: market.state === 'resolved',
      accepting_orders: market.state === 'open',
      enable_order_book: true,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // API credentials (L1)
  // ---------------------------------------------------------------------------------------------

  /** Creates credentials for (address, nonce); null when they already exist (Polymarket refuses too). */
  createApiKey(address: string, nonce: bigint): ApiCredentials | null {
    if (this.findCredentials(address, nonce)) return null;
    const seed = createHmac('sha256', this.serverSecret).update(`${address.toLowerCase()}|${nonce}`).digest();
    const hex = seed.toString('hex');
    const creds: ApiCredentials = {
      apiKey: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
      secret: createHash('sha256').update(seed).update('secret').digest('base64url') + '=',
      passphrase: createHash('sha256').update(seed).update('passphrase').digest('hex'),
      address,
      nonce,
    };
    this.credentials.set(creds.apiKey, creds);
    return creds;
  }

  deriveApiKey(address: string, nonce: bigint): ApiCredentials | null {
    return this.findCredentials(address, nonce) ?? null;
  }

  credentialsOf(apiKey: string): ApiCredentials | undefined {
    return this.credentials.get(apiKey);
  }

  apiKeysOf(address: string): string[] {
    return [...this.credentials.values()].filter((c) => sameAddress(c.address, address)).map((c) => c.apiKey);
  }

  deleteApiKey(apiKey: string): void {
    this.credentials.delete(apiKey);
  }

  private findCredentials(address: string, nonce: bigint): ApiCredentials | undefined {
    return [...this.credentials.values()].find((c) => sameAddress(c.address, address) && c.nonce === nonce);
  }

  // ---------------------------------------------------------------------------------------------
  // Orders (L2)
  // ---------------------------------------------------------------------------------------------

  /**
   * `POST /order`: checks the owner, recovers the EIP-712 signer of the V2 order, validates price, size
   * and expiry against the market, then matches. Rejections carry Polymarket's `{error}` texts.
   */
  placeOrder(creds: ApiCredentials, body: PostOrderBody): PlaceOrderResult {
    const reject = (error: string, status = 400): PlaceOrderResult => ({ ok: false, status, error });
    const { order } = body;
    if (body.owner !== creds.apiKey) return reject('the order owner has to be the owner of the API KEY');
    const tokenId = order.tokenId;
    const token = this.tokens.get(tokenId);
    const market = token && this.markets.get(token.marketId);
    if (!token || !market) return reject(`the orderbook ${tokenId} does not exist`);

    const { signature, expiration: _expiration, taker: _taker, ...signed } = order;
    const recovered = recoverOrderSigner(this.chainId, market.info.negRisk, signed, signature);
    if (recovered === null || !sameAddress(recovered, order.signer)) return reject('invalid signature');
    if (order.signatureType === 3) return reject('invalid signature: POLY_1271 orders are not supported by the sandbox');
    if (order.signatureType === 0 && !sameAddress(order.maker, order.signer)) return reject('invalid signature');
    if (!sameAddress(order.signer, creds.address)) return reject('the order signer address has to be the address of the API KEY');

    const orderId = orderHash(this.chainId, market.info.negRisk, signed);
    if (this.orders.has(orderId)) return reject('order already exists');
    if (market.state !== 'open') return reject(`the market ${market.info.marketId} is not accepting orders`);

    const limit = limitFromAmounts(order.side, BigInt(order.makerAmount), BigInt(order.takerAmount));
    if (!limit) return reject('invalid order amounts');
    const rests = body.orderType === 'GTC' || body.orderType === 'GTD';
    if (rests && !priceOnGrid(limit.priceMicros, market.tickSizeMicros)) {
      return reject(`order ${orderId} is invalid. Price (${decimal(limit.priceMicros)}), min: ${decimal(market.tickSizeMicros)} - max: ${decimal(MICROS_PER_UNIT - market.tickSizeMicros)}`);
    }
    if (rests && limit.sizeMicros < market.info.minOrderSizeMicros) {
      return reject(`order ${orderId} is invalid. Size (${decimal(limit.sizeMicros)}) lower than the minimum: ${decimal(market.info.minOrderSizeMicros)}`);
    }
    const expiresAtMs = Number(order.expiration) * 1000;
    if (body.orderType === 'GTD' && expiresAtMs < this.now() + GTD_MIN_LIFETIME_MS) {
      return reject(`order ${orderId} is invalid. Expiration must be at least a minute in the future`);
    }
    if (body.postOnly && !rests) return reject('invalid post-only order: only GTC and GTD orders can be post-only');

    const result = token.book.submit(
      {
        orderId,
        owner: creds.apiKey,
        side: order.side,
        priceMicros: limit.priceMicros,
        sizeMicros: limit.sizeMicros,
        orderType: body.orderType,
        postOnly: body.postOnly,
        expiresAtMs: body.orderType === 'GTD' ? expiresAtMs : null,
      },
      market.info.fee,
    );
    if (!result.accepted) return reject(REJECT_MESSAGES[result.reason]);

    const record: VenueOrder = {
      orderId,
      owner: creds.apiKey,
      makerAddress: order.maker,
      marketId: market.info.marketId,
      tokenId,
      outcome: token.outcome,
      side: order.side,
      priceMicros: limit.priceMicros,
      originalSizeMicros: limit.sizeMicros,
      matchedSizeMicros: result.filledSizeMicros,
      status: result.rested ? 'LIVE' : 'MATCHED',
      orderType: body.orderType,
      createdAtMs: this.now(),
      expiration: order.expiration,
      tradeIds: [],
    };
    // a FAK's unfilled rest is cancelled, but the order itself still reports as matched
    this.orders.set(orderId, record);
    this.emitOrder(record, 'PLACEMENT');

    const trades = this.recordTakerFills(record, result.fills);
    for (const fill of result.makerFills) this.applyMakerFill(fill);
    this.publishBook(tokenId);

    const spentMicros = result.fills.reduce((sum, f) => sum + (f.priceMicros * f.sizeMicros) / MICROS_PER_UNIT, 0n);
    const [making, taking] = order.side === 'BUY' ? [spentMicros, result.filledSizeMicros] : [result.filledSizeMicros, spentMicros];
    return {
      ok: true,
      body: {
        success: true,
        errorMsg: '',
        orderID: orderId,
        status: result.rested ? 'live' : 'matched',
        takingAmount: trades.length > 0 ? decimal(taking) : '',
        makingAmount: trades.length > 0 ? decimal(making) : '',
        transactionsHashes: [],
        tradeIDs: trades.map((t) => t.tradeId),
      },
    };
  }

  /** Cancels the owner's orders by id; ids that are not the owner's live orders land in `not_canceled`. */
  cancelOrders(owner: string, orderIds: readonly string[]): CancelResult {
    const result: CancelResult = { canceled: [], not_canceled: {} };
    for (const orderId of orderIds) {
      const order = this.orders.get(orderId);
      if (!order || order.owner !== owner) {
        result.not_canceled[orderId] = 'order not found';
      } else if (order.status !== 'LIVE') {
        result.not_canceled[orderId] = order.status === 'CANCELED' ? 'order already canceled' : 'order already matched';
      } else {
        this.tokens.get(order.tokenId)?.book.cancel(orderId);
        this.markCanceled(orderId);
        this.publishBook(order.tokenId);
        result.canceled.push(orderId);
      }
    }
    return result;
  }

  cancelAll(owner: string, filter: OrderFilter = {}): CancelResult {
    return this.cancelOrders(owner, this.openOrders(owner, filter).map((o) => o.orderId));
  }

  openOrders(owner: string, filter: OrderFilter = {}): VenueOrder[] {
    return [...this.orders.values()].filter(
      (o) =>
        o.owner === owner &&
        o.status === 'LIVE' &&
        (filter.id === undefined || o.orderId === filter.id) &&
        (filter.market === undefined || o.marketId === filter.market) &&
        (filter.asset_id === undefined || o.tokenId === filter.asset_id),
    );
  }

  order(owner: string, orderId: string): VenueOrder | undefined {
    const order = this.orders.get(orderId);
    return order && order.owner === owner ? order : undefined;
  }

  /** The owner's trades (as taker or maker), newest first, each seen from the owner's side. */
  tradesOf(owner: string, filter: TradeFilter = {}): Array<Record<string, unknown>> {
    const now = this.now();
    return this.trades
      .filter((t) => t.taker?.owner === owner || t.maker?.owner === owner)
      .filter(
        (t) =>
          (filter.id === undefined || t.tradeId === filter.id) &&
          (filter.market === undefined || t.marketId === filter.market) &&
          (filter.asset_id === undefined || t.tokenId === filter.asset_id) &&
          (filter.maker_address === undefined || [t.taker?.address, t.maker?.address].some((a) => a !== undefined && sameAddress(a, filter.maker_address ?? ''))) &&
          (filter.before === undefined || unixSeconds(t.matchedAtMs) < filter.before) &&
          (filter.after === undefined || unixSeconds(t.matchedAtMs) > filter.after),
      )
      .reverse()
      .map((t) => this.tradeWire(t, owner, tradeStatusAt(t.matchedAtMs, now, this.lifecycle)));
  }

  /**
   * `POST /v1/heartbeats`. An empty id starts a chain; afterwards each beat must carry the id the previous
   * answer returned. Once a chain runs, silence longer than the timeout cancels the owner's orders.
   */
  heartbeat(owner: string, heartbeatId: string): { ok: true; heartbeatId: string } | { ok: false; heartbeatId: string } {
    const current = this.heartbeats.get(owner);
    if (current && heartbeatId !== '' && heartbeatId !== current.id) return { ok: false, heartbeatId: current.id };
    const next = { id: randomUUID(), lastMs: this.now() };
    this.heartbeats.set(owner, next);
    return { ok: true, heartbeatId: next.id };
  }

  /** Timed work: trade status steps, GTD expiry, cancel-on-disconnect. */
  tick(): void {
    const now = this.now();
    for (const trade of this.trades) {
      for (const status of statusesBetween(trade.matchedAtMs, this.lastTickMs, now, this.lifecycle)) {
        if (trade.announced === status) continue;
        trade.announced = status;
        this.emitTrade(trade, status);
      }
    }
    for (const [tokenId, token] of this.tokens) {
      const expired = token.book.expire(now);
      for (const o of expired) this.markCanceled(o.orderId);
      if (expired.length > 0) this.publishBook(tokenId);
    }
    for (const [owner, beat] of this.heartbeats) {
      if (now - beat.lastMs <= this.heartbeatTimeoutMs) continue;
      this.heartbeats.delete(owner);
      this.cancelAll(owner);
    }
    this.lastTickMs = now;
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: fills, trades, announcements
  // ---------------------------------------------------------------------------------------------

  private recordTakerFills(taker: VenueOrder, fills: readonly TakerFill[]): VenueTrade[] {
    const created: VenueTrade[] = [];
    for (const fill of fills) {
      const makerOrder = fill.maker.kind === 'order' ? this.orders.get(fill.maker.orderId) : undefined;
      const trade = this.newTrade(taker.tokenId, taker.side, fill.priceMicros, fill.sizeMicros, {
        taker: { owner: taker.owner, orderId: taker.orderId, address: taker.makerAddress, side: taker.side },
        maker: makerOrder ? { owner: makerOrder.owner, orderId: makerOrder.orderId, address: makerOrder.makerAddress, side: makerOrder.side } : null,
      });
      taker.tradeIds.push(trade.tradeId);
      makerOrder?.tradeIds.push(trade.tradeId);
      created.push(trade);
    }
    return created;
  }

  /** Resting user orders filled by the crowd: the crowd is the taker, on the other side. */
  private recordCrowdMakerFills(tokenId: string, fills: readonly MakerFill[]): void {
    for (const fill of fills) {
      const order = this.orders.get(fill.orderId);
      if (!order) continue;
      const trade = this.newTrade(tokenId, fill.side === 'BUY' ? 'SELL' : 'BUY', fill.priceMicros, fill.sizeMicros, {
        taker: null,
        maker: { owner: order.owner, orderId: order.orderId, address: order.makerAddress, side: order.side },
      });
      order.tradeIds.push(trade.tradeId);
      this.applyMakerFill(fill);
    }
  }

  private applyMakerFill(fill: MakerFill): void {
    const order = this.orders.get(fill.orderId);
    if (!order) return;
    order.matchedSizeMicros += fill.sizeMicros;
    if (fill.completed) order.status = 'MATCHED';
    this.emitOrder(order, 'UPDATE');
  }

  private newTrade(tokenId: string, takerSide: Side, priceMicros: bigint, sizeMicros: bigint, sides: Pick<VenueTrade, 'taker' | 'maker'>): VenueTrade {
    const token = this.tokens.get(tokenId);
    const market = token && this.markets.get(token.marketId);
    if (!token || !market) throw new Error(`trade on unknown token ${tokenId}`);
    const tradeId = randomUUID();
    const trade: VenueTrade = {
      tradeId,
      marketId: token.marketId,
      tokenId,
      outcome: token.outcome,
      side: takerSide,
      priceMicros,
      sizeMicros,
      feeRateBps: rateBps(market.info.fee.rateMicros),
      matchedAtMs: this.now(),
      transactionHash: `0x${createHash('sha256').update(tradeId).digest('hex')}`,
      ...sides,
      announced: 'MATCHED',
    };
    this.trades.push(trade);
    this.noteTrade(tokenId, takerSide, priceMicros, sizeMicros);
    this.emitTrade(trade, 'MATCHED');
    return trade;
  }

  /** Last trade price, volume and the market channel's `last_trade_price`. */
  private noteTrade(tokenId: string, side: Side, priceMicros: bigint, sizeMicros: bigint): void {
    const token = this.tokens.get(tokenId);
    const market = token && this.markets.get(token.marketId);
    if (!token || !market) return;
    token.lastTradePriceMicros = priceMicros;
    market.volumeMicros += (priceMicros * sizeMicros) / MICROS_PER_UNIT;
    this.emitMarket(tokenId, false, {
      event_type: 'last_trade_price',
      asset_id: tokenId,
      market: token.marketId,
      price: decimal(priceMicros),
      side,
      size: decimal(sizeMicros),
      fee_rate_bps: String(rateBps(market.info.fee.rateMicros)),
      timestamp: String(this.now()),
    });
  }

  private markCanceled(orderId: string): void {
    const order = this.orders.get(orderId);
    if (!order || order.status !== 'LIVE') return;
    order.status = 'CANCELED';
    this.emitOrder(order, 'CANCELLATION');
  }

  /**
   * Announces how the public book changed since the last announcement: a `book` the first time, then
   * `price_change` entries (size "0" removes a level), each with the new hash and best bid/ask. Also
   * switches the market to the fine tick when the price leaves [0.04, 0.96].
   */
  private publishBook(tokenId: string): void {
    const token = this.tokens.get(tokenId);
    const market = token && this.markets.get(token.marketId);
    if (!token || !market || market.state === 'pending') return;
    const book = token.book.publicBook();
    const summary = this.summaryOf(tokenId, token, market, book);
    const previous = token.published;
    token.published = book;
    this.recordMid(token, book);
    if (previous === null) {
      this.emitMarket(tokenId, false, { event_type: 'book', ...summaryForWs(summary) });
    } else {
      const changes = [...levelChanges('BUY', previous.bids, book.bids), ...levelChanges('SELL', previous.asks, book.asks)];
      if (changes.length > 0) {
        const best = (levels: BookLevel[]) => (levels[0] ? decimal(levels[0].priceMicros) : '');
        this.emitMarket(tokenId, false, {
          event_type: 'price_change',
          market: token.marketId,
          timestamp: String(this.now()),
          price_changes: changes.map((c) => ({
            asset_id: tokenId,
            price: decimal(c.priceMicros),
            size: decimal(c.sizeMicros),
            side: c.side,
            hash: summary['hash'],
            best_bid: best(book.bids),
            best_ask: best(book.asks),
          })),
        });
      }
    }
    this.maybeSwitchTick(market, { tokenId, bids: book.bids, asks: book.asks });
  }

  private maybeSwitchTick(market: VenueMarket, book: { tokenId: string; bids: BookLevel[]; asks: BookLevel[] }): void {
    if (market.tickSizeMicros !== COARSE_TICK_MICROS || market.state !== 'open') return;
    const bid = bestBid(book);
    const ask = bestAsk(book);
    const extreme = (bid !== undefined && bid > TICK_SWITCH_HIGH) || (ask !== undefined && ask < TICK_SWITCH_LOW);
    if (!extreme) return;
    market.tickSizeMicros = FINE_TICK_MICROS;
    for (const t of market.info.tokens) {
      this.emitMarket(t.tokenId, false, {
        event_type: 'tick_size_change',
        asset_id: t.tokenId,
        market: market.info.marketId,
        old_tick_size: decimal(COARSE_TICK_MICROS),
        new_tick_size: decimal(FINE_TICK_MICROS),
        timestamp: String(this.now()),
      });
      // subscribers drop their book on a tick change; hand them a fresh one at once
      const summary = this.bookSummary(t.tokenId);
      if (summary) this.emitMarket(t.tokenId, false, { event_type: 'book', ...summaryForWs(summary) });
    }
  }

  private recordMid(token: TokenState, book: { bids: BookLevel[]; asks: BookLevel[] }): void {
    const b = book.bids[0]?.priceMicros;
    const a = book.asks[0]?.priceMicros;
    if (b === undefined || a === undefined) return;
    const point = { t: unixSeconds(this.now()), p: (a + b) / 2n };
    const last = token.history[token.history.length - 1];
    if (last && last.t === point.t) last.p = point.p;
    else if (!last || last.p !== point.p) token.history.push(point);
  }

  private summaryOf(tokenId: string, token: TokenState, market: VenueMarket, book: { bids: BookLevel[]; asks: BookLevel[] }): Record<string, unknown> {
    const summary = {
      market: token.marketId,
      asset_id: tokenId,
      timestamp: String(this.now()),
      hash: '',
      bids: wireSide(book.bids),
      asks: wireSide(book.asks),
      min_order_size: decimal(market.info.minOrderSizeMicros),
      tick_size: decimal(market.tickSizeMicros),
      neg_risk: market.info.negRisk,
      last_trade_price: token.lastTradePriceMicros === null ? '' : decimal(token.lastTradePriceMicros),
    };
    return { ...summary, hash: bookHash(summary) };
  }

  private gammaView(market: VenueMarket) {
    const yes = market.info.tokens[0];
    const yesToken = yes ? this.tokens.get(yes.tokenId) : undefined;
    return {
      info: market.info,
      gammaId: market.gammaId,
      closed: market.state === 'resolved',
      acceptingOrders: market.state === 'open',
      winningTokenId: market.winningTokenId,
      tickSizeMicros: market.tickSizeMicros,
      yesBook: yesToken?.book.publicBook() ?? null,
      lastTradePriceMicros: yesToken?.lastTradePriceMicros ?? null,
      volumeMicros: market.volumeMicros,
      closedAtMs: market.closedAtMs,
    };
  }

  private emitMarket(tokenId: string, custom: boolean, message: Record<string, unknown>): void {
    for (const listener of this.listeners) listener({ channel: 'market', tokenId, custom, message });
  }

  private emitOrder(order: VenueOrder, kind: 'PLACEMENT' | 'UPDATE' | 'CANCELLATION'): void {
    const message = { event_type: 'order', type: kind, ...orderWire(order), order_owner: order.owner, timestamp: String(this.now()) };
    for (const listener of this.listeners) listener({ channel: 'user', owner: order.owner, marketId: order.marketId, message });
  }

  private emitTrade(trade: VenueTrade, status: SandboxTradeStatus): void {
    const owners = new Set([trade.taker?.owner, trade.maker?.owner].filter((o): o is string => o !== undefined));
    for (const owner of owners) {
      const message = { event_type: 'trade', type: 'TRADE', ...this.tradeWire(trade, owner, status), timestamp: String(this.now()) };
      for (const listener of this.listeners) listener({ channel: 'user', owner, marketId: trade.marketId, message });
    }
  }

  /** A trade as the owner sees it (`/data/trades` row and user-channel `trade` body). */
  private tradeWire(trade: VenueTrade, owner: string, status: SandboxTradeStatus): Record<string, unknown> {
    const asTaker = trade.taker?.owner === owner;
    const matchSec = String(unixSeconds(trade.matchedAtMs));
    const mined = status !== 'MATCHED';
    return {
      id: trade.tradeId,
      taker_order_id: trade.taker?.orderId ?? `crowd-${trade.tradeId}`,
      market: trade.marketId,
      asset_id: trade.tokenId,
      side: trade.side,
      size: decimal(trade.sizeMicros),
      fee_rate_bps: String(asTaker ? trade.feeRateBps : 0),
      price: decimal(trade.priceMicros),
      status,
      match_time: matchSec,
      matchtime: matchSec,
      last_update: String(unixSeconds(this.now())),
      outcome: trade.outcome,
      bucket_index: 0,
      owner,
      trade_owner: owner,
      maker_address: asTaker ? (trade.taker?.address ?? '') : (trade.maker?.address ?? ''),
      maker_orders: [
        {
          order_id: trade.maker?.orderId ?? `crowd-${trade.tradeId}`,
          owner: trade.maker?.owner ?? 'crowd',
          maker_address: trade.maker?.address ?? '0x0000000000000000000000000000000000000000',
          matched_amount: decimal(trade.sizeMicros),
          price: decimal(trade.priceMicros),
          fee_rate_bps: '0',
          asset_id: trade.tokenId,
          outcome: trade.outcome,
          side: trade.side === 'BUY' ? 'SELL' : 'BUY',
        },
      ],
      ...(mined ? { transaction_hash: trade.transactionHash } : {}),
      trader_side: asTaker ? 'TAKER' : 'MAKER',
    };
  }
}

/** An order as `/data/orders` lists it (and the body of a user-channel `order` message). */
export function orderWire(order: VenueOrder): Record<string, unknown> {
  return {
    id: order.orderId,
    status: order.status,
    owner: order.owner,
    maker_address: order.makerAddress,
    market: order.marketId,
    asset_id: order.tokenId,
    side: order.side,
    original_size: decimal(order.originalSizeMicros),
    size_matched: decimal(order.matchedSizeMicros),
    price: decimal(order.priceMicros),
    associate_trades: [...order.tradeIds],
    outcome: order.outcome,
    created_at: unixSeconds(order.createdAtMs),
    expiration: order.expiration,
    order_type: order.orderType,
  };
}

/** The WebSocket `book` carries the REST summary's fields minus `min_order_size` and `neg_risk`. */
function summaryForWs(summary: Record<string, unknown>): Record<string, unknown> {
  const { min_order_size: _min, neg_risk: _neg, ...rest } = summary;
  return rest;
}

interface LevelChange {
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
}

/** Level replacements turning `before` into `after` (size 0 = the level is gone). */
function levelChanges(side: Side, before: readonly BookLevel[], after: readonly BookLevel[]): LevelChange[] {
  const old = new Map(before.map((l) => [l.priceMicros, l.sizeMicros]));
  const changes: LevelChange[] = [];
  for (const l of after) if (old.get(l.priceMicros) !== l.sizeMicros) changes.push({ side, priceMicros: l.priceMicros, sizeMicros: l.sizeMicros });
  const now = new Set(after.map((l) => l.priceMicros));
  for (const l of before) if (!now.has(l.priceMicros)) changes.push({ side, priceMicros: l.priceMicros, sizeMicros: 0n });
  return changes;
}

