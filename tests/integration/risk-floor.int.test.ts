import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { AgentOrderEvent, deterministicId, type MarketCategory, type MarketInfoWire, type OrderIntent, type OrderOutcome } from '@floor/domain';
import {
  agentTradingScope,
  busNames,
  clearTradingState,
  createIntentsQueue,
  createRedis,
  enqueueIntent,
  publishTradingStates,
  setMarketKillSwitch,
  type BusNames,
  type WireJob,
} from '@floor/bus';
import { allocateCapital, createDb, upsertAgent, utcDayStartMs, type DbHandle } from '@floor/db';
import { createExecutor, type Executor } from '@floor/execution';
import { RiskConfig, riskOverrideToJson, type AgentRiskOverride, type RiskCode } from '@floor/risk';
import { createLogger } from '@floor/telemetry';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';

/**
 * The pre-trade engine wired into the executor, over real Postgres, Redis and BullMQ. Agent `brk` walks into every
 * limit in turn and is denied with the limit's code: the order row says so, a risk_events row names the check with
 * its numbers, and the outcome reaches brk's event stream. Meanwhile agent `std` places ordinary orders, which fill:
 * one agent's denials never hold up another's trading. The liquidity cap shrinks an order instead of denying it.
 *
 * Limits: the floor's below ($10,000 bankroll: $800 deployed, $300 per category, $200 per event, 5 entries per
 * market a minute), the agent defaults otherwise ($100 per order, 25 % of the visible depth, $25 liquidity, a
 * 5-cent spread, prices 0.02..0.98). brk's own `risk:` override (agents.risk) tightens one agent limit at a time.
 */

const USD = 1_000_000n;
const SHARES = 1_000_000n;
const BANKROLL = 10_000n * USD;
const RISK = RiskConfig.parse({
  floor: { maxDeployedShare: 0.08, maxCategoryShare: 0.03, maxEventShare: 0.02, maxOrdersPerMarketWindow: 5, dailyLossLimit: 0.1 },
});

const BRK = 'brk';
const STD = 'std';

type Level = [price: string, shares: number];
/** bids 0.49 × 1000, asks 0.50 × 1000: a one-cent spread, $500 on offer at 0.50 */
const DEEP: { bids: Level[]; asks: Level[] } = { bids: [['490000', 1_000]], asks: [['500000', 1_000]] };

describe('pre-trade risk in the executor: every limit denies with its code, the others trade on', () => {
  let handle: DbHandle;
  let dropDb: () => Promise<void>;
  let cleanupRedis: () => Promise<void>;
  let redis: Redis;
  let names: BusNames;
  let intents: Queue<WireJob>;
  let executor: Executor;
  let seq = 0;
  let marketSeq = 0;

  beforeAll(async () => {
    const t = await createTestDatabase('risk_floor');
    dropDb = t.drop;
    handle = createDb(t.url);
    const r = createTestRedisPrefix('risk');
    cleanupRedis = r.cleanup;
    names = busNames(r.prefix);
    redis = createRedis(r.redisUrl, 'risk-floor-test');
    intents = createIntentsQueue(redis, names);
    executor = createExecutor({ db: handle.db, redis, names, risk: RISK, bankrollMicros: BANKROLL, log: createLogger('risk-floor-test', 'silent'), metrics: new Registry() });
    await executor.start();
    for (const agentId of [BRK, STD]) {
      await allocateCapital(handle.db, { agentId, targetMicros: 2_000n * USD, ref: 'initial', actor: { type: 'system', app: 'test' } });
    }
    await setOverride({});
    // the steady agent trades a lot of small orders in many markets: only its per-agent counts are lifted
    await upsertAgent(handle.db, {
      id: STD,
      strategy: 'momentum',
      params: {},
      weight: 1,
      markets: 'all',
      sourceFile: null,
      risk: riskOverrideToJson({ maxOpenPositions: 100, maxCorrelatedPositions: 100, maxOrdersPerWindow: 1_000 }),
    });
  });

  afterAll(async () => {
    await executor?.close();
    await intents?.close();
    await redis?.quit();
    await handle?.close();
    await dropDb?.();
    await cleanupRedis?.();
  });

  /** brk's strategy-file `risk:` block, stored the way the Boss stores it. */
  async function setOverride(risk: AgentRiskOverride): Promise<void> {
    await upsertAgent(handle.db, { id: BRK, strategy: 'momentum', params: {}, weight: 1, markets: 'all', sourceFile: null, risk: riskOverrideToJson(risk) });
  }

  /** A fresh market with a book on its YES token; returns the market id. */
  async function listMarket(opts: { category?: MarketCategory; eventId?: string; bids?: Level[]; asks?: Level[]; stale?: boolean; publishedAgoMs?: number } = {}): Promise<string> {
    marketSeq += 1;
    const marketId = `rm-${marketSeq}`;
    const wire: MarketInfoWire = {
      marketId,
      question: `Will ${marketId}?`,
      category: opts.category ?? 'other',
      eventId: opts.eventId ?? '',
      endDateMs: Date.now() + 86_400_000,
      fee: { rateMicros: '0', exponent: 1, takerOnly: true },
      tokens: [
        { tokenId: `${marketId}-yes`, outcome: 'Yes' },
        { tokenId: `${marketId}-no`, outcome: 'No' },
      ],
    };
    await redis.hset(names.marketsHash, marketId, JSON.stringify(wire));
    const published = Date.now() - (opts.publishedAgoMs ?? 0);
    const levels = (ls: Level[]) => ls.map(([priceMicros, shares]) => ({ priceMicros, sizeMicros: String(BigInt(shares) * SHARES) }));
    await redis.set(
      names.bookKey(`${marketId}-yes`),
      JSON.stringify({
        v: 1,
        type: 'book',
        eventId: `evt_book_${marketId}`,
        marketId,
        tokenId: `${marketId}-yes`,
        tsEventMs: published,
        tsPublishedMs: published,
        source: 'simulator',
        stale: opts.stale ?? false,
        bids: levels(opts.bids ?? DEEP.bids),
        asks: levels(opts.asks ?? DEEP.asks),
      }),
    );
    return marketId;
  }

  function intent(agentId: string, marketId: string, shares: number, over: Partial<OrderIntent> = {}): OrderIntent {
    seq += 1;
    return {
      type: 'intent',
      v: 1,
      intentId: deterministicId('intent', agentId, 'risk-floor', seq),
      agentId,
      marketId,
      tokenId: `${marketId}-yes`,
      side: 'BUY',
      orderType: 'FAK',
      limitPriceMicros: 500_000n,
      sizeMicros: BigInt(shares) * SHARES,
      reason: 'risk test',
      causationId: `evt_cause_${seq}`,
      tsEventMs: Date.now(),
      tsCreatedMs: Date.now(),
      live: false,
      ...over,
    };
  }

  async function outcomeOf(i: OrderIntent): Promise<OrderOutcome> {
    await enqueueIntent(intents, i);
    return waitFor(
      async () => {
        const entries = (await redis.xrange(names.agentEventsStream(i.agentId), '-', '+')) as Array<[string, string[]]>;
        return entries
          .map(([, fields]) => AgentOrderEvent.parse(JSON.parse(fields[1] ?? '')))
          .find((e): e is OrderOutcome => e.type === 'order' && e.intentId === i.intentId);
      },
      { what: `outcome of ${i.intentId}` },
    );
  }

  /** An ordinary order of the steady agent: it must fill in full. */
  async function steady(marketId: string, shares = 10): Promise<void> {
    const outcome = await outcomeOf(intent(STD, marketId, shares));
    expect(outcome, 'the steady agent trades on').toMatchObject({ status: 'filled', filledSizeMicros: BigInt(shares) * SHARES });
  }

  interface RiskEventRow {
    code: string;
    detail: { check: string; message: string; numbers: Record<string, unknown> } & Record<string, unknown>;
  }

  /** The intent is denied with `code` by `check`: outcome on the stream, order row, risk event with the numbers. */
  async function expectDenied(i: OrderIntent, code: RiskCode, check: string, numbers: Record<string, unknown> = {}): Promise<RiskEventRow> {
    const outcome = await outcomeOf(i);
    expect(outcome.status, `${code}: ${outcome.reason}`).toBe('denied');
    expect(outcome.reason.startsWith(`${code}: `), outcome.reason).toBe(true);
    const order = (await handle.db.execute(sql`SELECT status, reason FROM orders WHERE intent_id = ${i.intentId}`)).rows;
    expect(order).toEqual([{ status: 'denied', reason: outcome.reason }]);
    const events = (await handle.db.execute(sql`SELECT code, detail FROM risk_events WHERE intent_id = ${i.intentId}`)).rows as unknown as RiskEventRow[];
    expect(events).toHaveLength(1);
    const event = events[0] as RiskEventRow;
    expect(event.code).toBe(code);
    expect(event.detail.check).toBe(check);
    expect(event.detail.numbers).toMatchObject(numbers);
    // the floor-level figures it was decided on, for the audit trail
    expect(event.detail).toMatchObject({ bankrollMicros: BANKROLL.toString(), intentSizeMicros: i.sizeMicros.toString() });
    expect(typeof event.detail['floorEquityMicros']).toBe('string');
    return event;
  }

  it('price band, spread, minimum liquidity and stale data', async () => {
    const plain = await listMarket();
    await expectDenied(intent(BRK, plain, 10, { limitPriceMicros: 990_000n }), 'PRICE_OUT_OF_BAND', 'priceBand', { limitPriceMicros: '990000', maxMicros: '980000' });
    const wide = await listMarket({ bids: [['400000', 1_000]] });
    await expectDenied(intent(BRK, wide, 10), 'SPREAD_TOO_WIDE', 'spread', { spreadMicros: '100000', maxMicros: '50000' });
    await steady(plain);
    const thin = await listMarket({ asks: [['500000', 40]] });
    await expectDenied(intent(BRK, thin, 10), 'INSUFFICIENT_LIQUIDITY', 'minLiquidity', { depthMicros: '20000000', minMicros: '25000000' });
    const flagged = await listMarket({ stale: true });
    await expectDenied(intent(BRK, flagged, 10), 'STALE_BOOK', 'dataFresh');
    await setOverride({ maxDataAgeMs: 5_000 });
    const old = await listMarket({ publishedAgoMs: 60_000 });
    const event = await expectDenied(intent(BRK, old, 10), 'STALE_BOOK', 'dataFresh', { maxMs: 5_000 });
    expect(Number(event.detail.numbers['ageMs'])).toBeGreaterThanOrEqual(60_000);
    await setOverride({});
    await steady(plain);
  });

  it('max stake, and trade share of the bankroll (tightened by the agent override)', async () => {
    const m = await listMarket();
    // 220 × 0.50 = $110 > $100
    await expectDenied(intent(BRK, m, 220), 'MAX_STAKE_EXCEEDED', 'maxStake', { totalMicros: '110000000', capMicros: '100000000' });
    await setOverride({ maxTradeShare: 0.005 });
    // $60 > 0.5 % of $10,000
    await expectDenied(intent(BRK, m, 120), 'TRADE_SHARE_EXCEEDED', 'tradeShare', { totalMicros: '60000000', capMicros: '50000000' });
    await setOverride({});
    await steady(m);
  });

  it('the liquidity cap shrinks an order to its share of the depth: filled smaller, recorded', async () => {
    // 400 shares offered: 25 % of them is 100
    const m = await listMarket({ asks: [['500000', 400]] });
    const i = intent(BRK, m, 160);
    const outcome = await outcomeOf(i);
    expect(outcome).toMatchObject({ status: 'filled', filledSizeMicros: 100n * SHARES });
    expect(outcome.reason).toMatch(/^SIZE_REDUCED: liquidityCap/);
    const [order] = (await handle.db.execute(sql`SELECT size_micros::text AS size, filled_size_micros::text AS filled FROM orders WHERE intent_id = ${i.intentId}`)).rows;
    expect(order).toEqual({ size: '100000000', filled: '100000000' });
    const [event] = (await handle.db.execute(sql`SELECT code, detail FROM risk_events WHERE intent_id = ${i.intentId}`)).rows as unknown as RiskEventRow[];
    expect(event).toMatchObject({ code: 'SIZE_REDUCED', detail: { check: 'liquidityCap', fromMicros: '160000000', toMicros: '100000000' } });
    expect(event?.detail.numbers).toMatchObject({ depthSharesMicros: '400000000', capMicros: '100000000' });
    const [fills] = (await handle.db.execute(sql`SELECT COALESCE(SUM(size_micros), 0)::text AS n FROM fills WHERE intent_id = ${i.intentId}`)).rows;
    expect(fills).toEqual({ n: '100000000' });
  });

  it("the agent's deployed capital, open positions and correlated positions", async () => {
    // brk holds $50 (the 100 shares above)
    await setOverride({ maxDeployedShare: 0.008 });
    await expectDenied(intent(BRK, await listMarket(), 100), 'AGENT_DEPLOYED_LIMIT', 'agentDeployed', { deployedMicros: '50000000', capMicros: '80000000' });
    await setOverride({ maxOpenPositions: 1 });
    await expectDenied(intent(BRK, await listMarket(), 10), 'MAX_OPEN_POSITIONS', 'openPositions', { open: 1, max: 1 });
    await setOverride({});
    expect((await outcomeOf(intent(BRK, await listMarket({ category: 'crypto' }), 20))).status).toBe('filled');
    await setOverride({ maxCorrelatedPositions: 1 });
    await expectDenied(intent(BRK, await listMarket({ category: 'crypto' }), 20), 'CORRELATED_POSITIONS_LIMIT', 'correlatedPositions', { correlated: 1, max: 1 });
    await setOverride({});
    await steady(await listMarket({ category: 'crypto' }));
  });

  it('rate limits: per agent and per market', async () => {
    // brk's accepted entries in the last minute: the liquidity-capped one and the crypto one
    await setOverride({ maxOrdersPerWindow: 2 });
    const event = await expectDenied(intent(BRK, await listMarket(), 10), 'AGENT_RATE_LIMITED', 'agentRate', { count: 2, max: 2, windowMs: 60_000 });
    expect(Number(event.detail.numbers['retryAtMs'])).toBeGreaterThan(Date.now());
    await setOverride({});
    const busy = await listMarket();
    for (let n = 0; n < 5; n += 1) await steady(busy, 2);
    await expectDenied(intent(BRK, busy, 10), 'MARKET_RATE_LIMITED', 'marketRate', { count: 5, max: 5 });
  });

  it('a per-market kill switch denies that market only', async () => {
    const killed = await listMarket();
    await setMarketKillSwitch(redis, names, killed, true, 'market under review');
    await expectDenied(intent(BRK, killed, 10), 'KILL_SWITCH', 'killSwitch', { scope: 'market' });
    await steady(await listMarket());
    await setMarketKillSwitch(redis, names, killed, false, '');
    expect((await outcomeOf(intent(BRK, killed, 10))).status).toBe('filled');
  });

  it('trading state: reducing lets exits through and denies entries; halted denies everything', async () => {
    const held = await listMarket();
    expect((await outcomeOf(intent(BRK, held, 40))).status).toBe('filled');
    const publish = (state: 'reducing' | 'halted', reason: string) =>
      publishTradingStates(redis, names, new Map([[agentTradingScope(BRK), { state, reason, sizeMultiplier: 1, tsMs: Date.now() }]]));

    await publish('reducing', 'loss streak');
    await expectDenied(intent(BRK, held, 10), 'TRADING_REDUCING', 'tradingState', { scope: 'agent', reason: 'loss streak' });
    const exit = await outcomeOf(intent(BRK, held, 20, { side: 'SELL', limitPriceMicros: 480_000n }));
    expect(exit).toMatchObject({ status: 'filled', filledSizeMicros: 20n * SHARES });
    await steady(held);

    await publish('halted', 'operator');
    await expectDenied(intent(BRK, held, 10, { side: 'SELL', limitPriceMicros: 480_000n }), 'TRADING_HALTED', 'hardHalt', { scope: 'agent', reason: 'operator' });
    await steady(held);
    await clearTradingState(redis, names, agentTradingScope(BRK));
    expect((await outcomeOf(intent(BRK, held, 10, { side: 'SELL', limitPriceMicros: 480_000n }))).status).toBe('filled');
  });

  it('floor-wide exposure: per category, per event, and all deployed capital', async () => {
    const deployed = async () => BigInt(((await handle.db.execute(sql`SELECT COALESCE(SUM(cost_micros), 0)::text AS c FROM positions`)).rows[0] as { c: string }).c);
    // weather: std holds $210, brk asks for $100 more: $310 > $300
    for (const shares of [200, 200, 20]) await steady(await listMarket({ category: 'weather' }), shares);
    await expectDenied(intent(BRK, await listMarket({ category: 'weather' }), 200), 'CATEGORY_EXPOSURE_LIMIT', 'categoryExposure', {
      category: 'weather',
      deployedMicros: '210000000',
      capMicros: '300000000',
    });
    // one event across markets: std $110, brk $100 more: $210 > $200
    for (const shares of [200, 20]) await steady(await listMarket({ category: 'elections', eventId: 'ev-x' }), shares);
    await expectDenied(intent(BRK, await listMarket({ category: 'elections', eventId: 'ev-x' }), 200), 'EVENT_EXPOSURE_LIMIT', 'eventExposure', {
      event: 'ev-x',
      deployedMicros: '110000000',
      capMicros: '200000000',
    });
    // std fills the floor to $701 of its $800 (spread over categories, each under its own cap); brk's $100 tips it over
    const target = 701n * USD;
    const categories: MarketCategory[] = ['macro', 'corporate', 'sports', 'macro', 'corporate', 'sports'];
    for (const category of categories) {
      const room = target - (await deployed());
      if (room <= 0n) break;
      // at 0.50 a share costs half a dollar; $100 at most per order
      await steady(await listMarket({ category }), Number((room < 100n * USD ? room : 100n * USD) / 500_000n));
    }
    expect(await deployed()).toBe(target);
    await expectDenied(intent(BRK, await listMarket(), 200), 'FLOOR_DEPLOYED_LIMIT', 'floorDeployed', { deployedMicros: '701000000', capMicros: '800000000' });
  });

  it('daily loss: a floor below its day-start equity by the limit stops entries floor-wide until it is lifted', async () => {
    const dayStart = new Date(utcDayStartMs(Date.now()));
    // the monitor's floor snapshot at 00:00 UTC says $5,000; the floor holds about $4,000 now: a 20 % loss
    await handle.db.execute(sql`
      INSERT INTO performance_snapshots (agent_id, ts, equity_micros, cash_micros, allocated_micros, realized_pnl_micros, unrealized_pnl_micros, fees_micros, exposure_micros, trades, positions_open)
      VALUES (NULL, ${dayStart}, ${(5_000n * USD).toString()}, 0, 0, 0, 0, 0, 0, 0, 0)`);
    const m = await listMarket();
    const event = await expectDenied(intent(BRK, m, 10), 'DAILY_LOSS_LIMIT', 'dailyLoss', { dayStartEquityMicros: '5000000000', limitMicros: '500000000' });
    expect(event.detail['dayStartSource']).toBe('snapshot');
    expect(BigInt(String(event.detail.numbers['lossMicros']))).toBeGreaterThanOrEqual(500n * USD);
    // floor-wide: the steady agent's entries stop too; its exits do not
    await expectDenied(intent(STD, m, 10), 'DAILY_LOSS_LIMIT', 'dailyLoss');
    await handle.db.execute(sql`DELETE FROM performance_snapshots WHERE agent_id IS NULL AND ts = ${dayStart}`);
    await steady(m);
  });

  it('the book of record adds up, and every denial is a risk event', async () => {
    const [balance] = (await handle.db.execute(sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS s FROM ledger_entries`)).rows;
    expect(balance).toEqual({ s: '0' });
    const [denials] = (await handle.db.execute(sql`
      SELECT COUNT(*)::int AS orders, (SELECT COUNT(*)::int FROM risk_events WHERE code <> 'SIZE_REDUCED') AS events FROM orders WHERE status = 'denied'`)).rows;
    expect((denials as { orders: number; events: number }).orders).toBe((denials as { orders: number; events: number }).events);
    const drift = (await handle.db.execute(sql`
      SELECT x.agent_id, x.token_id FROM (
        SELECT agent_id, token_id, SUM(CASE WHEN side = 'BUY' THEN size_micros ELSE -size_micros END) AS s FROM fills GROUP BY agent_id, token_id) x
      LEFT JOIN positions p ON p.agent_id = x.agent_id AND p.token_id = x.token_id
      WHERE COALESCE(p.size_micros, 0) <> x.s`)).rows;
    expect(drift).toEqual([]);
    const metrics = await executor.metrics.denials.get();
    expect(metrics.values.length).toBeGreaterThanOrEqual(15);
  });
});
