import { Wallet } from 'ethers';
import { z } from 'zod';
import { ApiError, ClobClient, OrderType, Side as ClobSide, type ApiKeyCreds, type SignedOrder } from '@polymarket/clob-client-v2';
import { parseOpenOrdersPage, parseOrderPostResponse, parseTradesPage, type VenueOrder, type VenueTrade } from '@floor/polymarket';
import { microsToNumber, priceOnTick, saltFor, sealOrder, SignedOrderV2, sizeOnStep, tickSizeOf } from './order-signing.js';
import {
  LiveOrderInvalidError,
  VenueUnavailableError,
  type CancelOutcome,
  type LiveOrderRequest,
  type LiveVenue,
  type PreparedOrder,
  type SubmitOutcome,
} from './port.js';

export interface ClobVenueOptions {
  readonly host: string;
  readonly chainId: number;
  /** hex private key of the signing wallet: from the environment, held only by the ethers Wallet */
  readonly privateKey: string;
  /** 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE */
  readonly signatureType: 0 | 1 | 2;
  /** the address holding the funds; default the wallet */
  readonly funder?: string | undefined;
  /** L2 credentials from the environment; when absent they are derived once in `connect()` */
  readonly creds?: { readonly key: string; readonly secret: string; readonly passphrase: string } | undefined;
  /** a submit without an answer after this long is `unknown` */
  readonly submitTimeoutMs: number;
}

/** What the venue's `createOrDeriveApiKey` must give back before we hold it. */
const ApiCreds = z.object({ key: z.string().min(1), secret: z.string().min(1), passphrase: z.string().min(1) });
const HeartbeatAnswer = z.object({ heartbeat_id: z.string().min(1) });
const HeartbeatRefusal = z.object({ heartbeat_id: z.string().min(1) });
const CancelAnswer = z.object({ canceled: z.array(z.string()).default([]), not_canceled: z.record(z.string(), z.string()).default({}) });

/**
 * `LiveVenue` over Polymarket's CLOB with the official @polymarket/clob-client-v2 and an ethers v5 Wallet (the
 * client detects ethers v6 wallets as viem clients and fails). The client runs with `throwOnError`, so every
 * failure arrives as an exception we classify here; callers see the port's outcomes and errors only.
 *
 * Secrets: the private key lives in the Wallet, the L2 credentials in the client; neither is a field, a log
 * binding or part of any error message this module builds.
 */
export function createClobVenue(opts: ClobVenueOptions): LiveVenue {
  const wallet = new Wallet(opts.privateKey);
  const base = {
    host: opts.host,
    chain: opts.chainId,
    signer: wallet,
    signatureType: opts.signatureType,
    ...(opts.funder ? { funderAddress: opts.funder } : {}),
    throwOnError: true,
  };
  let client: ClobClient | undefined = opts.creds ? new ClobClient({ ...base, creds: { ...opts.creds } }) : undefined;
  let heartbeatId = '';

  function connected(): ClobClient {
    if (!client) throw new VenueUnavailableError('the venue is not connected yet (no L2 credentials)');
    return client;
  }

  async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new VenueUnavailableError(`${what} failed: ${describeError(err)}`, { cause: err });
    }
  }

  async function prepare(request: LiveOrderRequest): Promise<PreparedOrder> {
    const tickSize = tickSizeOf(request.tickSizeMicros);
    if (!tickSize) throw new LiveOrderInvalidError(`tick size ${request.tickSizeMicros} micros is not one Polymarket uses`);
    const priceMicros = priceOnTick(request.priceMicros, request.tickSizeMicros, request.side);
    const sizeMicros = sizeOnStep(request.sizeMicros);
    if (priceMicros <= 0n || priceMicros >= 1_000_000n) throw new LiveOrderInvalidError(`limit ${request.priceMicros} micros is off the tick grid's range`);
    if (sizeMicros <= 0n) throw new LiveOrderInvalidError(`size ${request.sizeMicros} micros is below the 0.01 share step`);
    if (request.orderType === 'GTD' && request.expiresAtSec === undefined) throw new LiveOrderInvalidError('a GTD order needs an expiry');

    const venue = connected();
    const side = request.side === 'BUY' ? ClobSide.BUY : ClobSide.SELL;
    const price = microsToNumber(priceMicros);
    const options = { tickSize, negRisk: request.negRisk, version: 2 as const };
    let built: SignedOrder;
    try {
      built =
        request.orderType === 'FOK' || request.orderType === 'FAK'
          ? // marketable orders: a BUY names the collateral to spend, a SELL the shares (the venue's precision rules)
            await venue.createMarketOrder(
              {
                tokenID: request.tokenId,
                side,
                price,
                amount: side === ClobSide.BUY ? microsToNumber((priceMicros * sizeMicros) / 1_000_000n) : microsToNumber(sizeMicros),
                orderType: request.orderType === 'FOK' ? OrderType.FOK : OrderType.FAK,
              },
              options,
            )
          : await venue.createOrder(
              {
                tokenID: request.tokenId,
                side,
                price,
                size: microsToNumber(sizeMicros),
                ...(request.orderType === 'GTD' && request.expiresAtSec !== undefined ? { expiration: request.expiresAtSec } : {}),
              },
              options,
            );
    } catch (err) {
      // the client throws ApiError for a failed lookup (tick size, market info) and plain Errors for bad input
      if (err instanceof ApiError) throw new VenueUnavailableError(`order lookup failed: ${describeError(err)}`, { cause: err });
      throw new LiveOrderInvalidError(`order refused by the client: ${describeError(err)}`, { cause: err });
    }
    const parsed = SignedOrderV2.safeParse(built);
    if (!parsed.success) throw new LiveOrderInvalidError(`the client built an order we cannot seal: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const sealed = await sealOrder(wallet, parsed.data, {
      salt: saltFor(request.idempotencyKey),
      timestampMs: request.timestampMs,
      chainId: opts.chainId,
      negRisk: request.negRisk,
    });
    return { orderId: sealed.orderId, request, priceMicros, sizeMicros, signed: sealed.order };
  }

  async function submit(order: PreparedOrder): Promise<SubmitOutcome> {
    const venue = connected();
    const orderType = OrderType[order.request.orderType];
    let answer: unknown;
    try {
      answer = await withTimeout(venue.postOrder(order.signed as SignedOrder, orderType), opts.submitTimeoutMs);
    } catch (err) {
      return classifySubmitFailure(err, opts.submitTimeoutMs);
    }
    const parsed = parseOrderPostResponse(answer);
    if (!parsed.ok) return { kind: 'unknown', reason: `unreadable answer to POST /order: ${parsed.detail}` };
    const r = parsed.value;
    if (!r.accepted) return { kind: 'rejected', message: r.errorMessage ?? 'refused without a message', httpStatus: 200 };
    if (r.orderId !== null && r.orderId.toLowerCase() !== order.orderId.toLowerCase()) {
      // our hash and the venue's disagree: the venue has *an* order, but we cannot name it; let reconciliation look
      return { kind: 'unknown', reason: `venue answered with order id ${r.orderId}, expected ${order.orderId}` };
    }
    return { kind: 'accepted', orderId: order.orderId, status: r.status ?? 'live', tradeIds: r.tradeIds };
  }

  return {
    address: wallet.address,
    host: opts.host,
    async connect() {
      if (client) return;
      const l1 = new ClobClient(base);
      // derive first (no side effect), create only when the wallet has no key yet. The client's own
      // createOrDeriveApiKey creates first, and with throwOnError the "already exists" refusal would end it there.
      const creds = await call('obtaining L2 API credentials', async () => {
        try {
          return await l1.deriveApiKey();
        } catch (err) {
          if (err instanceof ApiError && typeof err.status === 'number' && err.status >= 400 && err.status < 500) return l1.createApiKey();
          throw err;
        }
      });
      const checked = ApiCreds.safeParse(creds);
      if (!checked.success) throw new VenueUnavailableError('the venue returned no usable L2 API credentials');
      const held: ApiKeyCreds = checked.data;
      client = new ClobClient({ ...base, creds: held });
    },
    prepare,
    submit,
    async cancel(orderIds) {
      if (orderIds.length === 0) return { canceled: [], notCanceled: {} };
      const venue = connected();
      const raw = await call('cancelling orders', () => venue.cancelOrders([...orderIds]));
      const parsed = CancelAnswer.safeParse(raw);
      if (!parsed.success) throw new VenueUnavailableError('unreadable answer to DELETE /orders');
      return { canceled: parsed.data.canceled, notCanceled: parsed.data.not_canceled } satisfies CancelOutcome;
    },
    async openOrders(): Promise<VenueOrder[]> {
      const venue = connected();
      const raw = await call('reading open orders', () => venue.getOpenOrders());
      const page = parseOpenOrdersPage(raw);
      if (!page.ok) throw new VenueUnavailableError(`unreadable open orders: ${page.detail}`);
      return [...page.value.items];
    },
    async trades(sinceMs: number): Promise<VenueTrade[]> {
      const venue = connected();
      const after = Math.max(0, Math.floor(sinceMs / 1000) - 1);
      const raw = await call('reading trades', () => venue.getTrades({ after: String(after) }));
      // the client concatenates the pages; the parser reads one page
      const page = parseTradesPage({ data: raw, next_cursor: 'LTE=' });
      if (!page.ok) throw new VenueUnavailableError(`unreadable trades: ${page.detail}`);
      return [...page.value.items];
    },
    async heartbeat() {
      const venue = connected();
      try {
        const answer = HeartbeatAnswer.parse(await venue.postHeartbeat(heartbeatId));
        heartbeatId = answer.heartbeat_id;
      } catch (err) {
        // a broken chain (our id is stale, e.g. after a restart): the venue names the current id; chain onto it
        const refusal = err instanceof ApiError && err.status === 400 ? HeartbeatRefusal.safeParse(err.data) : undefined;
        if (refusal?.success) {
          heartbeatId = refusal.data.heartbeat_id;
          const answer = HeartbeatAnswer.parse(await call('heartbeat', () => venue.postHeartbeat(heartbeatId)));
          heartbeatId = answer.heartbeat_id;
          return;
        }
        throw new VenueUnavailableError(`heartbeat failed: ${describeError(err)}`, { cause: err });
      }
    },
  };
}

class SubmitTimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SubmitTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * STYLE #7: only a clean refusal is `rejected`. A timeout, a 5xx, a transport error or anything unexpected leaves
 * the order `unknown`. "order already exists" is a 4xx, but it is evidence the venue *has* the order.
 */
function classifySubmitFailure(err: unknown, timeoutMs: number): SubmitOutcome {
  if (err instanceof SubmitTimeoutError) return { kind: 'unknown', reason: `submit timed out: no answer within ${timeoutMs} ms` };
  if (err instanceof ApiError) {
    const status = typeof err.status === 'number' ? err.status : null;
    if (status === null) return { kind: 'unknown', reason: `submit failed in transport: ${err.message}` };
    if (status >= 500) return { kind: 'unknown', reason: `venue answered ${status}: ${err.message}` };
    if (/already exists/i.test(err.message)) return { kind: 'unknown', reason: `venue says the order already exists (${status})` };
    return { kind: 'rejected', message: err.message, httpStatus: status };
  }
  return { kind: 'unknown', reason: `submit failed: ${describeError(err)}` };
}

/** An error's message without request details (headers carry L2 credentials: never echo a request object). */
function describeError(err: unknown): string {
  if (err instanceof ApiError) return typeof err.status === 'number' ? `${err.status} ${err.message}` : err.message;
  return err instanceof Error ? err.message : String(err);
}
