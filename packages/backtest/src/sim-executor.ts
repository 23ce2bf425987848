import {
  EMPTY_POSITION,
  type Book,
  type FillApplied,
  type FillKind,
  type MarketInfo,
  type OrderIntent,
  type OrderOutcome,
  type OrderStatus,
  type OrderType,
  type PositionState,
  type Side,
} from '@floor/domain';
import {
  bookMatch,
  bookSettlement,
  clientOrderIdFor,
  matchAgainstBook,
  matchCashDeltaMicros,
  orderOutcomeEventId,
  unfilledReason,
} from '@floor/paper';

/**
 * The executor's part in a backtest, in memory: the same paper matching (`matchAgainstBook` against the latest
 * book, the market's fee schedule) and the same booking (`bookMatch`, `bookSettlement` from @floor/paper, which the
 * Postgres executor also calls), so cash, cost basis, realized PnL and fees come out identical to the micro. The
 * fill seq increases in booking order, as Postgres's does under the executor's agent lock.
 *
 * What it leaves out, on purpose: the kill switch and the per-order stake limit (floor operations, not strategy
 * behaviour) and latency (an intent executes against the book of the event that caused it). It keeps the
 * checks that protect the ledger: no sale beyond the position, no spend beyond the cash, nothing on a resolved
 * market.
 */

/** One booked fill as the backtest reports it. */
export interface BacktestTrade {
  readonly seq: number;
  readonly fillId: string;
  readonly kind: FillKind;
  /** the intent the fill executes; null for a settlement */
  readonly intentId: string | null;
  readonly tsMs: number;
  readonly marketId: string;
  readonly tokenId: string;
  /** the token's outcome label (Yes / No) */
  readonly outcome: string;
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly feeMicros: bigint;
  readonly cashDeltaMicros: bigint;
  readonly realizedPnlMicros: bigint;
  /** the intent's reason; `settlement` for a payout at resolution */
  readonly reason: string;
}

/** One decided intent as the backtest reports it: the `orders` row the executor would write for it. */
export interface BacktestOrder {
  readonly intentId: string;
  readonly clientOrderId: string;
  /** when it was decided (event time) */
  readonly tsMs: number;
  readonly marketId: string;
  readonly tokenId: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly limitPriceMicros: bigint;
  readonly sizeMicros: bigint;
  readonly status: OrderStatus;
  readonly filledSizeMicros: bigint;
  /** why it did not fill completely ('' when it did); for a denial `CODE: message`, as the executor writes it */
  readonly reason: string;
  /** the strategy's reason for the intent */
  readonly intentReason: string;
  /** the event the intent was decided on (a market event's id, or a fill's or outcome's) */
  readonly causationId: string;
}

export interface HeldPosition extends PositionState {
  readonly marketId: string;
}

export interface ExecutionResult {
  readonly fills: readonly FillApplied[];
  readonly outcome: OrderOutcome;
}

export interface SimExecutor {
  /** Decides one intent against `book` (undefined = no book): fills, then the terminal outcome. */
  execute(intent: OrderIntent, market: MarketInfo | undefined, book: Book | undefined, nowMs: number): ExecutionResult;
  /** Pays out every open position of the market: winner at 1, loser at 0, no fee. */
  settle(market: MarketInfo, winningTokenId: string, nowMs: number): FillApplied[];
  readonly cashMicros: bigint;
  readonly feesMicros: bigint;
  readonly realizedPnlMicros: bigint;
  positions(): ReadonlyMap<string, HeldPosition>;
  trades(): readonly BacktestTrade[];
  /** every intent decided, in decision order */
  orders(): readonly BacktestOrder[];
  orderCounts(): Readonly<Record<OrderStatus, number>>;
}

export function createSimExecutor(agentId: string, capitalMicros: bigint): SimExecutor {
  let cashMicros = capitalMicros;
  let feesMicros = 0n;
  let realizedPnlMicros = 0n;
  let seq = 0n;
  const positions = new Map<string, HeldPosition>();
  const resolved = new Set<string>();
  const trades: BacktestTrade[] = [];
  const orders: BacktestOrder[] = [];
  const orderCounts: Record<OrderStatus, number> = { filled: 0, partially_filled: 0, unfilled: 0, denied: 0, rejected: 0 };
  const outcomeLabels = new Map<string, string>();

  function post(args: {
    fillId: string;
    kind: FillKind;
    intent: OrderIntent | undefined;
    marketId: string;
    tokenId: string;
    side: Side;
    priceMicros: bigint;
    sizeMicros: bigint;
    feeMicros: bigint;
    position: PositionState;
    cashDeltaMicros: bigint;
    realizedMicros: bigint;
    nowMs: number;
  }): FillApplied {
    seq += 1n;
    cashMicros += args.cashDeltaMicros;
    feesMicros += args.feeMicros;
    realizedPnlMicros += args.realizedMicros;
    if (args.position.sizeMicros === 0n) positions.delete(args.tokenId);
    else positions.set(args.tokenId, { marketId: args.marketId, ...args.position });
    trades.push({
      seq: Number(seq),
      fillId: args.fillId,
      kind: args.kind,
      intentId: args.intent?.intentId ?? null,
      tsMs: args.nowMs,
      marketId: args.marketId,
      tokenId: args.tokenId,
      outcome: outcomeLabels.get(args.tokenId) ?? '',
      side: args.side,
      priceMicros: args.priceMicros,
      sizeMicros: args.sizeMicros,
      feeMicros: args.feeMicros,
      cashDeltaMicros: args.cashDeltaMicros,
      realizedPnlMicros: args.realizedMicros,
      reason: args.intent?.reason ?? 'settlement',
    });
    return {
      type: 'fill',
      v: 1,
      fillId: args.fillId,
      fillSeq: seq,
      kind: args.kind,
      agentId,
      intentId: args.intent?.intentId ?? null,
      clientOrderId: args.intent ? clientOrderIdFor(args.intent.intentId) : null,
      marketId: args.marketId,
      tokenId: args.tokenId,
      side: args.side,
      priceMicros: args.priceMicros,
      sizeMicros: args.sizeMicros,
      feeMicros: args.feeMicros,
      cashDeltaMicros: args.cashDeltaMicros,
      realizedPnlMicros: args.realizedMicros,
      tsMs: args.nowMs,
      ...(args.intent ? { tsIntentCreatedMs: args.intent.tsCreatedMs } : {}),
    };
  }

  function outcomeOf(intent: OrderIntent, status: OrderStatus, filledSizeMicros: bigint, reason: string, nowMs: number): OrderOutcome {
    orderCounts[status] += 1;
    const clientOrderId = clientOrderIdFor(intent.intentId);
    orders.push({
      intentId: intent.intentId,
      clientOrderId,
      tsMs: nowMs,
      marketId: intent.marketId,
      tokenId: intent.tokenId,
      side: intent.side,
      orderType: intent.orderType,
      limitPriceMicros: intent.limitPriceMicros,
      sizeMicros: intent.sizeMicros,
      status,
      filledSizeMicros,
      reason,
      intentReason: intent.reason,
      causationId: intent.causationId,
    });
    return {
      type: 'order',
      v: 1,
      eventId: orderOutcomeEventId(clientOrderId),
      agentId,
      intentId: intent.intentId,
      clientOrderId,
      tokenId: intent.tokenId,
      side: intent.side,
      status,
      reason,
      filledSizeMicros,
      tsMs: nowMs,
    };
  }

  return {
    execute(intent, market, book, nowMs) {
      for (const t of market?.tokens ?? []) outcomeLabels.set(t.tokenId, t.outcome);
      const held = positions.get(intent.tokenId) ?? EMPTY_POSITION;
      const deny = (reason: string): ExecutionResult => ({ fills: [], outcome: outcomeOf(intent, 'denied', 0n, reason, nowMs) });
      if (!market || !market.tokens.some((t) => t.tokenId === intent.tokenId)) return deny(`UNKNOWN_MARKET: ${intent.marketId}`);
      if (resolved.has(market.marketId)) return deny(`MARKET_RESOLVED: market ${market.marketId} has resolved`);
      if (intent.side === 'SELL' && intent.sizeMicros > held.sizeMicros) {
        return deny(`INSUFFICIENT_POSITION: sell of ${intent.sizeMicros} exceeds the ${held.sizeMicros} held`);
      }
      const match = matchAgainstBook({
        book: book ?? { tokenId: intent.tokenId, bids: [], asks: [] },
        side: intent.side,
        limitPriceMicros: intent.limitPriceMicros,
        sizeMicros: intent.sizeMicros,
        orderType: intent.orderType,
        fee: market.fee,
      });
      const cashDelta = matchCashDeltaMicros(intent.side, match.fills);
      if (cashMicros + cashDelta < 0n) return deny(`INSUFFICIENT_CASH: needs ${-cashDelta} micros, has ${cashMicros}`);

      const clientOrderId = clientOrderIdFor(intent.intentId);
      const booked = bookMatch({ agentId, clientOrderId, position: held, side: intent.side, fills: match.fills });
      const fills = booked.legs.map(({ fillId, fill, effect }) =>
        post({
          fillId,
          kind: 'trade',
          intent,
          marketId: intent.marketId,
          tokenId: intent.tokenId,
          side: intent.side,
          priceMicros: fill.priceMicros,
          sizeMicros: fill.sizeMicros,
          feeMicros: fill.feeMicros,
          position: effect.position,
          cashDeltaMicros: effect.cashDeltaMicros,
          realizedMicros: effect.realizedPnlMicros,
          nowMs,
        }),
      );
      return { fills, outcome: outcomeOf(intent, match.status, match.filledSizeMicros, unfilledReason(intent, match, book !== undefined), nowMs) };
    },

    settle(market, winningTokenId, nowMs) {
      resolved.add(market.marketId);
      const fills: FillApplied[] = [];
      // token order, like the executor's ORDER BY token_id
      const open = [...positions].filter(([, p]) => p.marketId === market.marketId).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [tokenId, position] of open) {
        const settlement = bookSettlement(agentId, tokenId, position, tokenId === winningTokenId);
        fills.push(
          post({
            fillId: settlement.fillId,
            kind: 'settlement',
            intent: undefined,
            marketId: market.marketId,
            tokenId,
            side: 'SELL',
            priceMicros: settlement.priceMicros,
            sizeMicros: position.sizeMicros,
            feeMicros: 0n,
            position: settlement.effect.position,
            cashDeltaMicros: settlement.effect.cashDeltaMicros,
            realizedMicros: settlement.effect.realizedPnlMicros,
            nowMs,
          }),
        );
      }
      return fills;
    },

    get cashMicros() {
      return cashMicros;
    },
    get feesMicros() {
      return feesMicros;
    },
    get realizedPnlMicros() {
      return realizedPnlMicros;
    },
    positions: () => positions,
    trades: () => trades,
    orders: () => orders,
    orderCounts: () => ({ ...orderCounts }),
  };
}
