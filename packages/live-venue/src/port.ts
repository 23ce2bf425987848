import type { Side } from '@floor/domain';
import type { VenueOrder, VenueTrade } from '@floor/polymarket';

/**
 * The live venue as the executor sees it (STYLE #7: a port). One implementation speaks Polymarket's CLOB through
 * @polymarket/clob-client-v2 (`createClobVenue`); tests run it against the sandbox venue on 127.0.0.1.
 *
 * Orders are prepared (signed) before they are submitted, so the venue's order id, the EIP-712 hash of the
 * signed order, is known and stored before any request leaves: an order the executor loses track of mid-submit
 * can always be looked for by that id.
 */
export interface LiveVenue {
  /** the signing wallet's address (public); never the key */
  readonly address: string;
  /** the CLOB base URL */
  readonly host: string;
  /** Makes the venue usable: L2 API credentials from the options, or derived once (L1 signature) and kept in memory. */
  connect(): Promise<void>;
  /**
   * Signs an order deterministically: the same request (same `idempotencyKey`, same fields) always gives the same
   * signed order and therefore the same venue order id, so a resubmission is the order the venue already knows.
   * May read the venue's tick size and version (cached). Throws `LiveOrderInvalidError` for an order the venue
   * would refuse anyway (nothing was sent), `VenueUnavailableError` when a lookup failed.
   */
  prepare(request: LiveOrderRequest): Promise<PreparedOrder>;
  /** Posts a prepared order. Never throws: a timeout or 5xx is `unknown`, never `rejected` (STYLE #7). */
  submit(order: PreparedOrder): Promise<SubmitOutcome>;
  cancel(orderIds: readonly string[]): Promise<CancelOutcome>;
  /** Every open order of the account (all pages). Throws `VenueUnavailableError` on any failure or a malformed answer. */
  openOrders(): Promise<VenueOrder[]>;
  /** The account's trades matched at or after `sinceMs` (all pages), as `openOrders` for failures. */
  trades(sinceMs: number): Promise<VenueTrade[]>;
  /** Keeps the venue's cancel-on-disconnect heartbeat chain alive. Throws `VenueUnavailableError` when it failed. */
  heartbeat(): Promise<void>;
}

export const LIVE_ORDER_TYPES = ['GTC', 'GTD', 'FOK', 'FAK'] as const;
export type LiveOrderType = (typeof LIVE_ORDER_TYPES)[number];

export interface LiveOrderRequest {
  /** what makes the order unique and repeatable: the intent id */
  readonly idempotencyKey: string;
  readonly tokenId: string;
  readonly side: Side;
  /** limit price; BUY rounds down and SELL up to the tick, so rounding never worsens the limit */
  readonly priceMicros: bigint;
  /** shares; rounded down to the venue's 0.01 share step */
  readonly sizeMicros: bigint;
  readonly orderType: LiveOrderType;
  /** GTD only: unix seconds */
  readonly expiresAtSec?: number;
  /** the market's tick (from MarketInfo) */
  readonly tickSizeMicros: bigint;
  /** neg-risk markets are signed for the neg-risk exchange */
  readonly negRisk: boolean;
  /** the V2 order's `timestamp` (ms): the intent's creation time, so a re-signing gives the same order */
  readonly timestampMs: number;
}

export interface PreparedOrder {
  /** the venue's order id: the EIP-712 hash of the signed order */
  readonly orderId: string;
  readonly request: LiveOrderRequest;
  /** price and size as signed (after rounding to the tick and size step) */
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  /** the signed order, as the client posts it; opaque to callers */
  readonly signed: unknown;
}

export type SubmitOutcome =
  /** the venue has the order; `status` is its answer (`live`, `matched`, `delayed`, `unmatched`) */
  | { readonly kind: 'accepted'; readonly orderId: string; readonly status: string; readonly tradeIds: readonly string[] }
  /** a clean refusal (4xx or `success: false`): the order does not exist at the venue */
  | { readonly kind: 'rejected'; readonly message: string; readonly httpStatus: number | null }
  /** no usable answer (timeout, 5xx, transport error): the order may or may not exist; reconciliation decides */
  | { readonly kind: 'unknown'; readonly reason: string };

export interface CancelOutcome {
  readonly canceled: readonly string[];
  /** order id → the venue's reason */
  readonly notCanceled: Readonly<Record<string, string>>;
}

/** The venue could not be reached, or answered with an error or something unreadable. Worth retrying. */
export class VenueUnavailableError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VenueUnavailableError';
  }
}

/** The order cannot be signed as asked (price off the grid, size below the step, …). Nothing was sent. */
export class LiveOrderInvalidError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LiveOrderInvalidError';
  }
}
