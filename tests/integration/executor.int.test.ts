import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  AgentOrderEvent,
  BookSnapshot,
  deterministicId,
  FillApplied,
  MarketInfo,
  stringifyWire,
  type MarketInfoWire,
  type OrderIntent,
  type OrderOutcome,
} from '@floor/domain';
import {
  busNames,
  createIntentsQueue,
  createRedis,
  createSettlementsQueue,
  enqueueIntent,
  enqueueSettlement,
  setAgentKillSwitch,
  setKillSwitch,
  type BusNames,
  type WireJob,
} from '@floor/bus';
import { allocateCapital, createDb, processIntent, readAgentPortfolio, type DbHandle } from '@floor/db';
import { createExecutor, type Executor } from '@floor/execution';
import { createLogger } from '@floor/telemetry';
import { ACTIVE } from '@floor/risk';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';
import { permissiveRisk, TEST_BANKROLL_MICROS } from '../setup/risk.js';

const USD = 1_000_000n;
/** $50 per order; every other pre-trade limit is out of the way (risk-floor.int.test.ts is about those). */
const RISK = permissiveRisk({ agent: { maxStakeUsd: 50 } });

/** A binary market with a 4% taker fee rate: fee = shares × 0.04 × p × (1 − p). */
const market = (marketId: string): MarketInfoWire => ({
  marketId,
  question: `Will ${marketId} happen?`,
  endDateMs: Date.now() + 86_400_000,
  fee: { rateMicros: '40000', exponent: 1, takerOnly: true },
  tokens: [
    { tokenId: `${marketId}-yes`, outcome: 'Yes' },
    { tokenId: `${marketId}-no`, outcome: 'No' },
  ],
});

/** bids 0.48×10, 0.47×20; asks 0.50×10, 0.52×20 */
const book = (marketId: string, tokenId: string) => ({
  v: 1,
  type: 'book',
  eventId: `evt_book_${tokenId}`,
  marketId,
  tokenId,
  tsEventMs: Date.now(),
  tsPublishedMs: Date.now(),
  source: 'simulator',
  stale: false,
  bids: [
    { priceMicros: '480000', sizeMicros: '10000000' },
    { priceMicros: '470000', sizeMicros: '20000000' },
  ],
  asks: [
    { priceMicros: '500000', sizeMicros: '10000000' },
    { priceMicros: '520000', sizeMicros: '20000000' },
  ],
});

let seq = 0;
function intent(agentId: string, marketId: string, over: Partial<OrderIntent> = {}): OrderIntent {
  seq += 1;
  return {
    type: 'intent',
    v: 1,
    intentId: deterministicId('intent', agentId, 'executor-test', seq),
    agentId,
    marketId,
    tokenId: `${marketId}-yes`,
    side: 'BUY',
    orderType: 'FAK',
    limitPriceMicros: 550_000n,
    sizeMicros: 25n * USD,
    reason: 'test',
    causationId: `evt_cause_${seq}`,
    tsEventMs: Date.now(),
    tsCreatedMs: Date.now(),
    live: false,
    ...over,
  };
}

describe('executor (paper exchange) over real Postgres, Redis and BullMQ', () => {
  let handle: DbHandle;
  let dropDb: () => Promise<void>;
  let cleanupRedis: () => Promise<void>;
  let redis: Redis;
  let names: BusNames;
  let intents: Queue<WireJob>;
  let settlements: Queue<WireJob>;
  let executor: Executor;

  beforeAll(async () => {
    const t = await createTestDatabase('executor');
    dropDb = t.drop;
    handle = createDb(t.url);
    const r = createTestRedisPrefix('exec');
    cleanupRedis = r.cleanup;
    names = busNames(r.prefix);
    redis = createRedis(r.redisUrl, 'executor-test');
    intents = createIntentsQueue(redis, names);
    settlements = createSettlementsQueue(redis, names);
    executor = createExecutor({
      db: handle.db,
      redis,
      names,
      risk: RISK,
      bankrollMicros: TEST_BANKROLL_MICROS,
      log: createLogger('executor-test', 'silent'),
      metrics: new Registry(),
    });
    await executor.start();
  });

  afterAll(async () => {
    await executor?.close();
    await intents?.close();
    await settlements?.close();
    await redis?.quit();
    await handle?.close();
    await dropDb?.();
    await cleanupRedis?.();
  });

  async function listMarket(marketId: string): Promise<MarketInfo> {
    const wire = market(marketId);
    await redis.hset(names.marketsHash, marketId, JSON.stringify(wire));
    for (const token of wire.tokens) await redis.set(names.bookKey(token.tokenId), JSON.stringify(book(marketId, token.tokenId)));
    return MarketInfo.parse(wire);
  }

  async function fund(agentId: string, usd: bigint): Promise<void> {
    await allocateCapital(handle.db, { agentId, targetMicros: usd * USD, ref: 'initial', actor: { type: 'system', app: 'test' } });
  }

  async function agentEvents(agentId: string): Promise<AgentOrderEvent[]> {
    const entries = (await redis.xrange(names.agentEventsStream(agentId), '-', '+')) as Array<[string, string[]]>;
    return entries.map(([, fields]) => AgentOrderEvent.parse(JSON.parse(fields[1] ?? '')));
  }

  async function fillsStream(): Promise<FillApplied[]> {
    const entries = (await redis.xrange(names.fillsStream, '-', '+')) as Array<[string, string[]]>;
    return entries.map(([, fields]) => FillApplied.parse(JSON.parse(fields[1] ?? '')));
  }

  /** Enqueues an intent and waits until its outcome is on the agent's stream (published after commit). */
  async function place(i: OrderIntent): Promise<{ outcome: OrderOutcome; fills: FillApplied[] }> {
    await enqueueIntent(intents, i);
    const outcome = await waitFor(
      async () => (await agentEvents(i.agentId)).find((e): e is OrderOutcome => e.type === 'order' && e.intentId === i.intentId),
      { what: `outcome of ${i.intentId}` },
    );
    const fills = (await agentEvents(i.agentId)).filter((e): e is FillApplied => e.type === 'fill' && e.intentId === i.intentId);
    return { outcome, fills };
  }

  async function count(query: ReturnType<typeof sql>): Promise<number> {
    const res = await handle.db.execute(query);
    return Number((res.rows[0] as { n: string | number }).n);
  }

  /** The ledger identity of an agent, to the micro: cash + positions at cost = allocated − fees + realized. */
  async function expectAgentBalances(agentId: string): Promise<void> {
    const p = await readAgentPortfolio(handle.db, agentId);
    const atCost = p.positions.reduce((s, x) => s + x.costMicros, 0n);
    expect(p.cashMicros + atCost).toBe(p.allocatedMicros - p.feesMicros + p.realizedPnlMicros);
    const accounts = await handle.db.execute(sql`
      SELECT account, SUM(amount_micros)::text AS total FROM ledger_entries WHERE account LIKE ${`agent:${agentId}:%`} GROUP BY account`);
    const total = (account: string) => BigInt((accounts.rows as Array<{ account: string; total: string }>).find((r) => r.account === account)?.total ?? '0');
    expect(total(`agent:${agentId}:positions`)).toBe(atCost);
    expect(total(`agent:${agentId}:pnl`)).toBe(-p.realizedPnlMicros);
    expect(await count(sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS n FROM ledger_entries`)).toBe(0);
  }

  it('(a) fills a BUY across two levels with fees and books orders, fills, positions and ledger', async () => {
    await listMarket('mkt-a');
    await fund('alpha', 100n);
    const buy = intent('alpha', 'mkt-a');
    const { outcome, fills } = await place(buy);

    expect(outcome).toMatchObject({ status: 'filled', filledSizeMicros: 25n * USD, clientOrderId: deterministicId('clientOrder', buy.intentId) });
    // 10 @ 0.50, fee 10 × 0.04 × 0.25 = 0.1;  15 @ 0.52, fee 15 × 0.04 × 0.52 × 0.48 = 0.14976
    expect(fills.map((f) => [f.priceMicros, f.sizeMicros, f.feeMicros, f.cashDeltaMicros])).toEqual([
      [500_000n, 10_000_000n, 100_000n, -5_100_000n],
      [520_000n, 15_000_000n, 149_760n, -7_949_760n],
    ]);
    const [first, second] = fills;
    expect(second?.fillSeq ?? 0n).toBeGreaterThan(first?.fillSeq ?? 0n);
    expect((await fillsStream()).filter((f) => f.intentId === buy.intentId).map((f) => f.fillId)).toEqual(fills.map((f) => f.fillId));

    const order = await handle.db.execute(sql`SELECT status, filled_size_micros::text AS filled, book_seen FROM orders WHERE intent_id = ${buy.intentId}`);
    expect(order.rows).toHaveLength(1);
    const row = order.rows[0] as { status: string; filled: string; book_seen: { side: string; levels: unknown[] } };
    expect(row).toMatchObject({ status: 'filled', filled: '25000000' });
    expect(row.book_seen.side).toBe('asks');
    expect(row.book_seen.levels).toHaveLength(2);
    expect(await count(sql`SELECT count(*) AS n FROM ledger_txns WHERE kind = 'fill' AND agent_id = 'alpha'`)).toBe(2);

    const p = await readAgentPortfolio(handle.db, 'alpha');
    expect(p.cashMicros).toBe(100n * USD - 12_800_000n - 249_760n);
    expect(p.positions).toEqual([{ tokenId: 'mkt-a-yes', marketId: 'mkt-a', sizeMicros: 25n * USD, costMicros: 12_800_000n }]);
    expect(p.lastFillSeq).toBe(second?.fillSeq);
    await expectAgentBalances('alpha');
  });

  it('(b) a repeated intent places one order and no new fills, by queue and by direct call', async () => {
    const m = await listMarket('mkt-b');
    await fund('bravo', 100n);
    const buy = intent('bravo', 'mkt-b', { sizeMicros: 5n * USD });
    const first = await place(buy);
    expect(first.outcome.status).toBe('filled');

    // BullMQ drops the duplicate job id; the marker behind it proves the queue has moved past it
    await enqueueIntent(intents, buy);
    await place(intent('bravo', 'mkt-b', { sizeMicros: 1n * USD }));

    const direct = await processIntent(handle.db, buy, {
      market: m,
      book: BookSnapshot.parse(book('mkt-b', 'mkt-b-yes')),
      preTrade: {
        risk: RISK,
        bankrollMicros: TEST_BANKROLL_MICROS,
        killSwitch: { global: null, agent: null, market: null },
        tradingState: { floor: ACTIVE, agent: ACTIVE },
        sizeMultiplier: 1,
        marks: async () => new Map(),
      },
      nowMs: Date.now(),
    });
    expect(direct.replayed).toBe(true);
    expect(direct.outcome).toEqual(first.outcome);
    expect(direct.fills.map((f) => f.fillSeq)).toEqual(first.fills.map((f) => f.fillSeq));

    // the worker path replays too, and re-publishes what it stored
    const again = await executor.processIntentJob(stringifyWire(buy));
    expect(again.replayed).toBe(true);
    expect(again.fills).toEqual(direct.fills);

    expect(await count(sql`SELECT count(*) AS n FROM orders WHERE intent_id = ${buy.intentId}`)).toBe(1);
    expect(await count(sql`SELECT count(*) AS n FROM fills WHERE intent_id = ${buy.intentId}`)).toBe(1);
    const p = await readAgentPortfolio(handle.db, 'bravo');
    expect(p.positions[0]?.sizeMicros).toBe(6n * USD);
    await expectAgentBalances('bravo');
  });

  it('(c) denies with KILL_SWITCH while the agent or the global switch is on, with a risk event', async () => {
    await listMarket('mkt-c');
    await fund('charlie', 100n);

    await setAgentKillSwitch(redis, names, 'charlie', true, 'agent under review');
    const first = await place(intent('charlie', 'mkt-c'));
    await setAgentKillSwitch(redis, names, 'charlie', false, '');
    await setKillSwitch(redis, names, true, 'floor halted');
    const second = await place(intent('charlie', 'mkt-c'));
    await setKillSwitch(redis, names, false, '');

    for (const { outcome, fills } of [first, second]) {
      expect(outcome.status).toBe('denied');
      expect(outcome.reason).toMatch(/^KILL_SWITCH: /);
      expect(fills).toEqual([]);
    }
    expect(second.outcome.reason).toBe('KILL_SWITCH: floor halted');
    const events = await handle.db.execute(sql`SELECT code, detail->>'message' AS message FROM risk_events WHERE agent_id = 'charlie' ORDER BY id`);
    expect(events.rows).toEqual([
      { code: 'KILL_SWITCH', message: 'agent under review' },
      { code: 'KILL_SWITCH', message: 'floor halted' },
    ]);
    expect(await count(sql`SELECT count(*) AS n FROM fills WHERE agent_id = 'charlie'`)).toBe(0);

    const third = await place(intent('charlie', 'mkt-c', { sizeMicros: 1n * USD }));
    expect(third.outcome.status).toBe('filled');
    const denials = await executor.metrics.denials.get();
    expect(denials.values.find((v) => v.labels.code === 'KILL_SWITCH')?.value).toBe(2);
  });

  it('(d) denies a BUY whose stake exceeds maxStakeUsd', async () => {
    await listMarket('mkt-d');
    // depth enough for the whole order, so the engine's liquidity cap does not shrink it under the stake limit
    await redis.set(names.bookKey('mkt-d-yes'), JSON.stringify({ ...book('mkt-d', 'mkt-d-yes'), asks: [{ priceMicros: '500000', sizeMicros: '1000000000' }] }));
    await fund('delta', 1_000n);
    // 0.55 × 100 = 55 > 50
    const { outcome } = await place(intent('delta', 'mkt-d', { sizeMicros: 100n * USD }));
    expect(outcome.status).toBe('denied');
    expect(outcome.reason).toMatch(/^MAX_STAKE_EXCEEDED: /);
    expect(await count(sql`SELECT count(*) AS n FROM risk_events WHERE agent_id = 'delta' AND code = 'MAX_STAKE_EXCEEDED'`)).toBe(1);
  });

  it('(e) denies a BUY that costs more than the cash, counting fees', async () => {
    await listMarket('mkt-e');
    // 25 shares cost 12.80 + 0.24976 in fees
    await fund('echo', 13n);
    const { outcome } = await place(intent('echo', 'mkt-e'));
    expect(outcome.status).toBe('denied');
    expect(outcome.reason).toMatch(/^INSUFFICIENT_CASH: /);
    expect((await readAgentPortfolio(handle.db, 'echo')).cashMicros).toBe(13n * USD);
    await expectAgentBalances('echo');
  });

  it('(f) a SELL realizes PnL and settlement pays 1 for the winner and 0 for the loser, exactly', async () => {
    await listMarket('mkt-f');
    await fund('foxtrot', 100n);
    await fund('golf', 100n);
    expect((await place(intent('foxtrot', 'mkt-f'))).outcome.status).toBe('filled');
    expect((await place(intent('golf', 'mkt-f', { tokenId: 'mkt-f-no', sizeMicros: 5n * USD }))).outcome.status).toBe('filled');

    // sell 10 of 25 at the 0.48 bid: proceeds 4.80, fee 10 × 0.04 × 0.48 × 0.52 = 0.09984, basis 12.80 × 10/25 = 5.12
    const sell = await place(intent('foxtrot', 'mkt-f', { side: 'SELL', sizeMicros: 10n * USD, limitPriceMicros: 450_000n }));
    expect(sell.fills.map((f) => [f.priceMicros, f.feeMicros, f.cashDeltaMicros, f.realizedPnlMicros])).toEqual([
      [480_000n, 99_840n, 4_700_160n, -320_000n],
    ]);

    await enqueueSettlement(settlements, { type: 'settle', v: 1, marketId: 'mkt-f', winningTokenId: 'mkt-f-yes', tsEventMs: Date.now() });
    const settled = await waitFor(async () => {
      const published = (await fillsStream()).filter((f) => f.kind === 'settlement' && f.marketId === 'mkt-f');
      return published.length === 2 && published;
    }, { what: 'settlement fills' });
    const byAgent = new Map(settled.map((f) => [f.agentId, f]));
    // winner: 15 shares at 1 against a basis of 7.68; loser: 5 shares at 0 against 2.50
    expect(byAgent.get('foxtrot')).toMatchObject({ tokenId: 'mkt-f-yes', priceMicros: 1_000_000n, sizeMicros: 15n * USD, feeMicros: 0n, cashDeltaMicros: 15n * USD, realizedPnlMicros: 7_320_000n });
    expect(byAgent.get('golf')).toMatchObject({ tokenId: 'mkt-f-no', priceMicros: 0n, sizeMicros: 5n * USD, cashDeltaMicros: 0n, realizedPnlMicros: -2_500_000n });
    expect((await agentEvents('golf')).some((e) => e.type === 'fill' && e.kind === 'settlement')).toBe(true);

    const fox = await readAgentPortfolio(handle.db, 'foxtrot');
    expect(fox.positions).toEqual([]);
    expect(fox.realizedPnlMicros).toBe(7_000_000n);
    expect(fox.cashMicros).toBe(100n * USD - 12_800_000n - 249_760n + 4_700_160n + 15n * USD);
    const golf = await readAgentPortfolio(handle.db, 'golf');
    expect(golf.realizedPnlMicros).toBe(-2_500_000n);
    expect(golf.cashMicros).toBe(100n * USD - 2_500_000n - 50_000n);
    await expectAgentBalances('foxtrot');
    await expectAgentBalances('golf');

    const marketRow = await handle.db.execute(sql`SELECT winning_token_id, resolved_at IS NOT NULL AS resolved FROM markets WHERE market_id = 'mkt-f'`);
    expect(marketRow.rows).toEqual([{ winning_token_id: 'mkt-f-yes', resolved: true }]);

    // settling again writes nothing and returns the same fills; trading the market is now refused
    const rerun = await executor.processSettlementJob(stringifyWire({ type: 'settle', v: 1, marketId: 'mkt-f', winningTokenId: 'mkt-f-yes', tsEventMs: 1 }));
    expect(rerun.created).toBe(0);
    expect(rerun.fills.map((f) => f.fillId).sort()).toEqual([...byAgent.values()].map((f) => f.fillId).sort());
    expect((await place(intent('golf', 'mkt-f'))).outcome.reason).toMatch(/^MARKET_RESOLVED: /);
    expect(await count(sql`SELECT count(*) AS n FROM fills WHERE kind = 'settlement'`)).toBe(2);
  });

  it('(g) a garbage job fails without retries and the worker goes on to the next intent', async () => {
    await listMarket('mkt-g');
    await fund('hotel', 100n);
    await intents.add('intent', { m: 'this is not json' }, { jobId: 'garbage-json' });
    await intents.add('intent', { m: stringifyWire({ ...intent('hotel', 'mkt-g'), sizeMicros: 'lots' }) }, { jobId: 'garbage-size' });
    await intents.add('intent', { wrong: true } as unknown as WireJob, { jobId: 'garbage-shape' });

    const good = await place(intent('hotel', 'mkt-g', { sizeMicros: 2n * USD }));
    expect(good.outcome.status).toBe('filled');

    const failed = await waitFor(async () => {
      const jobs = await Promise.all(['garbage-json', 'garbage-size', 'garbage-shape'].map((id) => intents.getJob(id)));
      const states = await Promise.all(jobs.map((j) => j?.getState()));
      return states.every((s) => s === 'failed') && jobs;
    }, { what: 'garbage jobs to fail' });
    expect(failed[0]?.failedReason).toMatch(/bad intent message: not JSON/);
    expect(failed[1]?.failedReason).toMatch(/bad intent message: sizeMicros/);
    expect(failed[2]?.failedReason).toMatch(/no string field `m`/);
    for (const job of failed) expect(job?.attemptsMade).toBe(1);
    expect(await count(sql`SELECT count(*) AS n FROM orders WHERE agent_id = 'hotel'`)).toBe(1);
  });
});
