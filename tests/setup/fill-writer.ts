import { sql } from 'drizzle-orm';
import {
  deterministicId,
  fillEffect,
  newId,
  NO_FEES,
  takerFeeMicros,
  settlementEffect,
  type FeeSchedule,
  type FillApplied,
  type Posting,
  type Side,
} from '@floor/domain';
import { allocateCapital, type Db } from '@floor/db';

/**
 * Test helpers that write the book of record the way the executor does: per fill, in ONE transaction, an
 * `orders` row (trades only, with the book and fee schedule the executor would have recorded), a `fills` row,
 * the `positions` upsert and a ledger txn whose postings come from `fillEffect`/`settlementEffect`.
 * `tamperPostings`, `feeMicros` and `order` let a test write a deliberately inconsistent one.
 */

export async function seedAgent(db: Db, agentId: string, strategy: string, allocatedMicros: bigint): Promise<void> {
  await db.execute(sql`
    INSERT INTO agents (id, strategy, params, markets) VALUES (${agentId}, ${strategy}, '{}'::jsonb, '"all"'::jsonb)
    ON CONFLICT (id) DO NOTHING`);
  await allocateCapital(db, { agentId, targetMicros: allocatedMicros, ref: 'initial', actor: { type: 'system', app: 'test' } });
}

export interface TestFillInput {
  readonly agentId: string;
  readonly marketId: string;
  readonly tokenId: string;
  readonly side: Side;
  readonly priceMicros: bigint;
  readonly sizeMicros: bigint;
  /**
   * The market's fee schedule: the fill pays `takerFeeMicros` of it, and the order records it (book_seen.fee) as
   * the executor does. Default: no fees.
   */
  readonly feeSchedule?: FeeSchedule;
  /** A fee of the test's choosing instead: then no schedule is recorded unless `feeSchedule` is given too. */
  readonly feeMicros?: bigint;
  /** The order behind the fill; by default one the executor could have written for exactly this fill. */
  readonly order?: TestOrderInput;
  /** rewrite the postings before they are stored (must still balance, or the commit trigger refuses them) */
  readonly tamperPostings?: (postings: readonly Posting[]) => Posting[];
}

/** Overrides of the order a trade fill is written with (to plant one the executor would not have filled). */
export interface TestOrderInput {
  /** default: the fill's price */
  readonly limitPriceMicros?: bigint;
  /** default: the fill's size */
  readonly sizeMicros?: bigint;
  /** default: 'filled' */
  readonly status?: 'filled' | 'partially_filled' | 'denied';
  /** the opposite side's levels recorded in book_seen; default: one level at the fill's price and size */
  readonly bookLevels?: ReadonlyArray<{ readonly priceMicros: bigint; readonly sizeMicros: bigint }>;
}

/** orders.book_seen as the executor writes it (the keys the auditor reads). */
function bookSeenOf(input: TestFillInput): Record<string, unknown> {
  const levels = input.order?.bookLevels ?? [{ priceMicros: input.priceMicros, sizeMicros: input.sizeMicros }];
  const schedule = input.feeSchedule ?? (input.feeMicros === undefined ? NO_FEES : undefined);
  return {
    side: input.side === 'BUY' ? 'asks' : 'bids',
    levels: levels.map((l) => ({ priceMicros: l.priceMicros.toString(), sizeMicros: l.sizeMicros.toString() })),
    ...(schedule ? { fee: { rateMicros: schedule.rateMicros.toString(), exponent: schedule.exponent, takerOnly: schedule.takerOnly } } : {}),
  };
}

export async function writeTradeFill(db: Db, input: TestFillInput): Promise<FillApplied> {
  return writeFill(db, { ...input, kind: 'trade' });
}

/**
 * Pays out the agent's whole position in `tokenId` at 1 (won) or 0, as the executor's settlement does, and records
 * the market's winner in its markets row (created if missing) as `settleMarket` does.
 */
export async function writeSettlementFill(
  db: Db,
  input: { agentId: string; marketId: string; tokenId: string; won: boolean },
): Promise<FillApplied> {
  return writeFill(db, {
    ...input,
    kind: 'settlement',
    side: 'SELL',
    priceMicros: input.won ? 1_000_000n : 0n,
    sizeMicros: -1n, // replaced by the position's size inside the transaction
    won: input.won,
  });
}

async function writeFill(
  db: Db,
  input: TestFillInput & { kind: 'trade' | 'settlement'; won?: boolean },
): Promise<FillApplied> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`agent:${input.agentId}`}))`);
    const cur = await tx.execute(sql`
      SELECT size_micros::text AS size, cost_micros::text AS cost FROM positions
      WHERE agent_id = ${input.agentId} AND token_id = ${input.tokenId}`);
    const row = cur.rows[0] as { size: string; cost: string } | undefined;
    const position = { sizeMicros: BigInt(row?.size ?? '0'), costMicros: BigInt(row?.cost ?? '0') };
    const fee = input.feeMicros ?? (input.kind === 'trade' ? takerFeeMicros(input.feeSchedule ?? NO_FEES, input.priceMicros, input.sizeMicros) : 0n);
    const effect =
      input.kind === 'settlement'
        ? settlementEffect(input.agentId, position, input.won ?? false)
        : fillEffect(input.agentId, position, input.side, input.priceMicros, input.sizeMicros, fee);
    const sizeMicros = input.kind === 'settlement' ? position.sizeMicros : input.sizeMicros;
    const fillId = newId('fill');
    const ledgerTxnId = deterministicId('ledgerTxn', input.kind, fillId);
    let clientOrderId: string | null = null;
    let intentId: string | null = null;
    if (input.kind === 'trade') {
      clientOrderId = newId('clientOrder');
      intentId = newId('intent');
      const order = input.order ?? {};
      await tx.execute(sql`
        INSERT INTO orders (client_order_id, intent_id, agent_id, market_id, token_id, side, order_type, limit_price_micros,
                            size_micros, filled_size_micros, status, book_seen, ts_intent_ms)
        VALUES (${clientOrderId}, ${intentId}, ${input.agentId}, ${input.marketId}, ${input.tokenId}, ${input.side}, 'FAK',
                ${(order.limitPriceMicros ?? input.priceMicros).toString()}::bigint, ${(order.sizeMicros ?? sizeMicros).toString()}::bigint,
                ${sizeMicros.toString()}::bigint, ${order.status ?? 'filled'}, ${JSON.stringify(bookSeenOf(input))}::jsonb, ${Date.now()})`);
    } else {
      const winningTokenId = input.won ? input.tokenId : `${input.tokenId}-rival`;
      await tx.execute(sql`
        INSERT INTO markets (market_id, question, category, info, winning_token_id, resolved_at)
        VALUES (${input.marketId}, ${`test market ${input.marketId}`}, 'other', '{}'::jsonb, ${winningTokenId}, now())
        ON CONFLICT (market_id) DO UPDATE SET winning_token_id = EXCLUDED.winning_token_id, resolved_at = EXCLUDED.resolved_at`);
    }
    const inserted = await tx.execute(sql`
      INSERT INTO fills (fill_id, kind, client_order_id, intent_id, agent_id, market_id, token_id, side, price_micros,
                         size_micros, fee_micros, cash_delta_micros, realized_pnl_micros, ledger_txn_id)
      VALUES (${fillId}, ${input.kind}, ${clientOrderId}, ${intentId}, ${input.agentId}, ${input.marketId}, ${input.tokenId},
              ${input.side}, ${input.priceMicros.toString()}::bigint, ${sizeMicros.toString()}::bigint, ${fee.toString()}::bigint,
              ${effect.cashDeltaMicros.toString()}::bigint, ${effect.realizedPnlMicros.toString()}::bigint, ${ledgerTxnId})
      RETURNING seq::text AS seq`);
    const seq = BigInt((inserted.rows[0] as { seq: string }).seq);
    await tx.execute(sql`
      INSERT INTO positions (agent_id, token_id, market_id, size_micros, cost_micros, realized_pnl_micros)
      VALUES (${input.agentId}, ${input.tokenId}, ${input.marketId}, ${effect.position.sizeMicros.toString()}::bigint,
              ${effect.position.costMicros.toString()}::bigint, ${effect.realizedPnlMicros.toString()}::bigint)
      ON CONFLICT (agent_id, token_id) DO UPDATE SET size_micros = EXCLUDED.size_micros, cost_micros = EXCLUDED.cost_micros,
        realized_pnl_micros = positions.realized_pnl_micros + EXCLUDED.realized_pnl_micros, updated_at = now()`);
    await tx.execute(sql`
      INSERT INTO ledger_txns (id, kind, ref, agent_id) VALUES (${ledgerTxnId}, ${input.kind === 'trade' ? 'fill' : 'settlement'}, ${fillId}, ${input.agentId})`);
    const postings = input.tamperPostings ? input.tamperPostings(effect.postings) : effect.postings;
    for (const p of postings) {
      await tx.execute(sql`
        INSERT INTO ledger_entries (txn_id, account, agent_id, amount_micros)
        VALUES (${ledgerTxnId}, ${p.account}, ${input.agentId}, ${p.amountMicros.toString()}::bigint)`);
    }
    return {
      type: 'fill',
      v: 1,
      fillId,
      fillSeq: seq,
      kind: input.kind,
      agentId: input.agentId,
      intentId,
      clientOrderId,
      marketId: input.marketId,
      tokenId: input.tokenId,
      side: input.side,
      priceMicros: input.priceMicros,
      sizeMicros,
      feeMicros: fee,
      cashDeltaMicros: effect.cashDeltaMicros,
      realizedPnlMicros: effect.realizedPnlMicros,
      tsMs: Date.now(),
    } satisfies FillApplied;
  });
}
