import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Wallet } from 'ethers';
import { pino } from 'pino';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { MarketEvent, MarketInfo, deterministicId, stringifyWire, type MarketEventWire, type OrderIntent, type ProcessState } from '@floor/domain';
import { busNames, createIntentsQueue, createRedis, enqueueIntent, type BusNames, type WireJob } from '@floor/bus';
import { FloorConfig, parseEnv } from '@floor/config';
import { allocateCapital, createDb, readAgentPortfolio, type DbHandle } from '@floor/db';
import { createExecutor, openLiveVenue, type Executor } from '@floor/execution';
import { REDACT_PATHS } from '@floor/telemetry';
import { startSandboxServer, type SandboxServer } from '@floor/venue-sim';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';
import { permissiveRisk, TEST_BANKROLL_MICROS } from '../setup/risk.js';

/**
 * Live execution behind its three gates, against the sandbox venue on 127.0.0.1 with the REAL clob-client-v2
 * (ethers v5 wallet), real Postgres, Redis and BullMQ. Each scenario has its own database, Redis prefix and
 * wallet, so one scenario's orders are never another's reconciliation evidence.
 */

const USD = 1_000_000n;
const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
const CONDITION = `0x${'7a'.repeat(32)}`;
const MARKET = MarketInfo.parse({
  marketId: CONDITION,
  question: 'Will the live executor fill my order?',
  slug: 'live-executor',
  eventId: 'evt-live',
  endDateMs: Date.UTC(2030, 0, 1),
  tickSizeMicros: '10000',
  minOrderSizeMicros: '5000000',
  fee: { rateMicros: '40000', exponent: 1, takerOnly: true },
  tokens: [{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }],
});

let eventSeq = 0;
const eventBase = () => ({ v: 1 as const, eventId: `evt_live${(eventSeq += 1)}`, marketId: CONDITION, tsEventMs: Date.now(), tsPublishedMs: Date.now(), source: 'sandbox' as const });
function bookEvent(bids: Array<[string, string]>, asks: Array<[string, string]>): MarketEventWire {
  const level = ([p, s]: [string, string]) => ({ priceMicros: p, sizeMicros: s });
  return { ...eventBase(), type: 'book', tokenId: YES, bids: bids.map(level), asks: asks.map(level), stale: false };
}
/** bids 0.48, asks 0.52 (100 shares each) */
const CROWD = bookEvent([['480000', '100000000']], [['520000', '100000000']]);

/** A pino logger like the floor's (same redaction), writing into `lines`. */
function captureLogger(lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
}

interface FloorUnderTest {
  readonly handle: DbHandle;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly intents: Queue<WireJob>;
  readonly wallet: Wallet;
  readonly agentId: string;
  readonly logs: string[];
  readonly states: Array<{ state: ProcessState; detail: string }>;
  /** builds (does not start) an executor with these gates and settings */
  executor(opts?: ExecutorOpts): Executor;
  /** stops this floor's executors (their pollers would otherwise show up in the next scenario's request counts) */
  stopExecutors(): Promise<void>;
  close(): Promise<void>;
}

interface ExecutorOpts {
  readonly mode?: 'paper' | 'live';
  readonly enableLiveTrading?: boolean;
  readonly funder?: string;
  readonly live?: Record<string, unknown>;
}

describe('live execution against the sandbox venue with the real clob-client-v2', () => {
  let sandbox: SandboxServer;
  const floors: FloorUnderTest[] = [];
  const allLogs: string[] = [];
  const secrets: string[] = [];

  const stats = async () => ((await (await fetch(`${sandbox.urls.base}/_sandbox/stats`)).json()) as { requests: Record<string, number> }).requests;
  const orderEndpointRequests = async () =>
    Object.entries(await stats())
      .filter(([k]) => /^(POST \/orders?|DELETE \/orders?|DELETE \/cancel-all|DELETE \/cancel-market-orders)$/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  const setFaults = (patch: unknown) => fetch(`${sandbox.urls.base}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });
  const moveBook = (event: MarketEventWire) => fetch(`${sandbox.urls.base}/_sandbox/events`, { method: 'POST', body: JSON.stringify(event) });

  beforeAll(async () => {
    sandbox = await startSandboxServer({ port: 0, tickMs: 25, lifecycle: { minedAfterMs: 150, confirmedAfterMs: 400 } });
    sandbox.venue.addMarkets([MARKET]);
    sandbox.venue.applyEvent({ ...eventBase(), type: 'listed', market: MARKET });
    sandbox.venue.applyEvent(MarketEvent.parse(CROWD));
  });

  afterAll(async () => {
    for (const f of floors) await f.close();
    await sandbox?.close();
  });

  async function startFloor(label: string): Promise<FloorUnderTest> {
    const db = await createTestDatabase(`live_${label}`);
    const handle = createDb(db.url);
    const r = createTestRedisPrefix(`live-${label}`);
    const names = busNames(r.prefix);
    const redis = createRedis(r.redisUrl, `live-${label}`);
    const intents = createIntentsQueue(redis, names);
    const wallet = Wallet.createRandom();
    secrets.push(wallet.privateKey, wallet.privateKey.slice(2));
    const agentId = `live-${label}`;
    await allocateCapital(handle.db, { agentId, targetMicros: 1_000n * USD, ref: 'test', actor: { type: 'system', app: 'test' } });
    await redis.hset(names.marketsHash, CONDITION, stringifyWire(MARKET));
    await redis.set(names.bookKey(YES), stringifyWire(MarketEvent.parse(CROWD)));
    const logs: string[] = [];
    const states: Array<{ state: ProcessState; detail: string }> = [];
    const executors: Executor[] = [];
    const floor: FloorUnderTest = {
      handle,
      redis,
      names,
      intents,
      wallet,
      agentId,
      logs,
      states,
      executor(opts = {}) {
        const log = captureLogger(logs);
        const config = FloorConfig.parse({
          execution: { mode: opts.mode ?? 'live', live: { host: sandbox.urls.clob, pollMs: 200, heartbeatMs: 1_000, ...(opts.funder ? { funder: opts.funder } : {}), ...opts.live } },
        });
        const env = parseEnv({ ENABLE_LIVE_TRADING: String(opts.enableLiveTrading ?? true), POLYMARKET_PRIVATE_KEY: wallet.privateKey });
        const venue = openLiveVenue({ execution: config.execution, env, log });
        const executor = createExecutor({
          db: handle.db,
          redis,
          names,
          risk: permissiveRisk({ agent: { maxStakeUsd: 100 } }),
          bankrollMicros: TEST_BANKROLL_MICROS,
          log,
          metrics: new Registry(),
          live: venue ? { venue, settings: config.execution.live } : undefined,
          reportState: (state, detail) => states.push({ state, detail }),
        });
        executors.push(executor);
        return executor;
      },
      async stopExecutors() {
        for (const e of executors) await e.close();
      },
      async close() {
        for (const e of executors) await e.close();
        allLogs.push(...logs);
        await intents.close();
        redis.disconnect();
        await r.cleanup();
        await handle.close();
        await db.drop();
      },
    };
    floors.push(floor);
    return floor;
  }

  let intentSeq = 0;
  function intent(floor: FloorUnderTest, over: Partial<OrderIntent> = {}): OrderIntent {
    intentSeq += 1;
    return {
      type: 'intent',
      v: 1,
      intentId: deterministicId('intent', floor.agentId, 'live-test', intentSeq),
      agentId: floor.agentId,
      marketId: CONDITION,
      tokenId: YES,
      side: 'BUY',
      orderType: 'GTC',
      limitPriceMicros: 500_000n,
      sizeMicros: 10n * USD,
      reason: 'live test',
      causationId: `evt_cause_live_${intentSeq}`,
      tsEventMs: Date.now(),
      tsCreatedMs: Date.now(),
      live: true,
      ...over,
    };
  }

  const orderOf = async (floor: FloorUnderTest, intentId: string) =>
    (await floor.handle.db.execute(sql`SELECT * FROM orders WHERE intent_id = ${intentId}`)).rows[0] as Record<string, unknown> | undefined;

  it('all gates open: a GTC rests at the venue, fills when the book moves through it, and books only once CONFIRMED', async () => {
    const floor = await startFloor('fill');
    sandbox.venue.applyEvent(MarketEvent.parse(CROWD));
    await fetch(`${sandbox.urls.base}/_sandbox/stats/reset`, { method: 'POST' });
    const executor = floor.executor();
    await executor.start();

    const announced = floor.logs.filter((l) => l.includes('LIVE TRADING ENABLED'));
    expect(announced).toHaveLength(1);
    expect(announced[0]).toContain(floor.wallet.address);
    expect(announced[0]).toContain(sandbox.urls.clob);

    const i = intent(floor);
    await enqueueIntent(floor.intents, i);
    const open = await waitFor(async () => {
      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'open' ? o : undefined;
    }, { what: 'the order to rest at the venue' });
    expect(open).toMatchObject({ venue: 'live', venue_open: true, limit_price_micros: '500000', size_micros: '10000000' });
    const venueOrderId = String(open['venue_order_id']);
    expect(sandbox.venue.openOrders(sandbox.venue.apiKeysOf(floor.wallet.address)[0] ?? '').map((o) => o.orderId)).toEqual([venueOrderId]);
    expect((await stats())['POST /order']).toBe(1);

    // the crowd now offers at 0.49: it trades with our resting 0.50 bid, at our price, we are the maker
    await moveBook(bookEvent([['480000', '100000000']], [['490000', '4000000'], ['500000', '50000000']]));
    const matched = await waitFor(async () => {
      const rows = (await floor.handle.db.execute(sql`SELECT * FROM venue_trades WHERE venue_order_id = ${venueOrderId}`)).rows;
      return rows.length > 0 ? rows : undefined;
    }, { what: 'the venue trade' });
    expect(matched[0]).toMatchObject({ trader_side: 'MAKER', side: 'BUY', price_micros: '500000', size_micros: '10000000', fee_micros: '0' });

    const filled = await waitFor(async () => {
      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'filled' ? o : undefined;
    }, { what: 'the order to be filled after CONFIRMED' });
    expect(filled).toMatchObject({ filled_size_micros: '10000000', matched_size_micros: '10000000' });
    const trade = (await floor.handle.db.execute(sql`SELECT status, fill_id FROM venue_trades WHERE venue_order_id = ${venueOrderId}`)).rows[0];
    expect(trade).toMatchObject({ status: 'CONFIRMED' });
    const fills = (await floor.handle.db.execute(sql`SELECT * FROM fills WHERE client_order_id = ${String(filled['client_order_id'])}`)).rows;
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ fill_id: trade?.['fill_id'], price_micros: '500000', size_micros: '10000000', cash_delta_micros: '-5000000' });

    // the ledger balances, per transaction and overall, and says what the portfolio says
    const unbalanced = (await floor.handle.db.execute(sql`SELECT txn_id FROM ledger_entries GROUP BY txn_id HAVING sum(amount_micros) <> 0`)).rows;
    expect(unbalanced).toEqual([]);
    const portfolio = await readAgentPortfolio(floor.handle.db, floor.agentId);
    expect(portfolio.cashMicros).toBe(995n * USD);
    expect(portfolio.positions.find((p) => p.tokenId === YES)?.sizeMicros).toBe(10n * USD);

    // the agent heard about it like on the paper path: the fill, then the outcome
    const events = (await floor.redis.xrange(floor.names.agentEventsStream(floor.agentId), '-', '+')).map(([, fields]) => JSON.parse(fields[1] ?? '{}') as { type: string; status?: string });
    expect(events.map((e) => e.type)).toEqual(['fill', 'order']);
    expect(events[1]?.status).toBe('filled');
    await floor.stopExecutors();
  });

  it('a wrongly signed order (EOA signature, funder is another address) is rejected by the venue with its message, and books nothing', async () => {
    const floor = await startFloor('badsig');
    const executor = floor.executor({ funder: Wallet.createRandom().address });
    await executor.start();
    const i = intent(floor, { limitPriceMicros: 400_000n });
    await enqueueIntent(floor.intents, i);
    const rejected = await waitFor(async () => {
      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'rejected' ? o : undefined;
    }, { what: 'the rejection' });
    expect(rejected['reason']).toBe('VENUE_REJECTED: invalid signature');
    expect((await floor.handle.db.execute(sql`SELECT count(*)::int AS n FROM fills WHERE kind = 'trade'`)).rows[0]).toEqual({ n: 0 });
    expect((await floor.handle.db.execute(sql`SELECT count(*)::int AS n FROM venue_trades`)).rows[0]).toEqual({ n: 0 });
    const events = (await floor.redis.xrange(floor.names.agentEventsStream(floor.agentId), '-', '+')).map(([, f]) => JSON.parse(f[1] ?? '{}') as { status?: string; reason?: string });
    expect(events).toMatchObject([{ status: 'rejected', reason: 'VENUE_REJECTED: invalid signature' }]);
    await floor.stopExecutors();
  });

  it('killed between "accepted by the venue" and the answer: pending_unknown, then the next executor finds it open, placed exactly once', async () => {
    const floor = await startFloor('restart');
    sandbox.venue.applyEvent(MarketEvent.parse(CROWD));
    await fetch(`${sandbox.urls.base}/_sandbox/stats/reset`, { method: 'POST' });
    // the first instance never polls and, being "killed", cancels nothing
    const first = floor.executor({ live: { submitTimeoutMs: 1_000, pollMs: 600_000, cancelOnShutdown: false } });
    await first.start();
    await setFaults({ acceptThenTimeout: { orders: 1, hangMs: 3_000 } });
    const i = intent(floor, { limitPriceMicros: 450_000n });
    await enqueueIntent(floor.intents, i);
    const pending = await waitFor(async () => {

      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'pending_unknown' && String(o['reason']).includes('timed out') ? o : undefined;
    }, { what: 'pending_unknown after the submit timed out' });
    await first.close();
    await setFaults({ reset: true });

    const second = floor.executor();
    await second.start(); // reconciles before taking intents
    const found = await orderOf(floor, i.intentId);
    expect(found).toMatchObject({ status: 'open', venue_open: true, venue_order_id: pending['venue_order_id'] });
    const findings = (await floor.handle.db.execute(sql`SELECT rule, ref_id FROM audit_findings`)).rows;
    expect(findings).toContainEqual({ rule: 'live.reconcile.pending_open', ref_id: found?.['client_order_id'] });

    // a redelivered job for the same intent is a replay: still exactly one order at the venue
    await second.processIntentJob(stringifyWire(i));
    expect((await stats())['POST /order']).toBe(1);
    const owner = sandbox.venue.apiKeysOf(floor.wallet.address)[0] ?? '';
    expect(sandbox.venue.openOrders(owner).map((o) => o.orderId)).toEqual([pending['venue_order_id']]);
    await second.close(); // cancelOnShutdown (default): the resting order is cancelled
    expect(sandbox.venue.openOrders(owner)).toEqual([]);
  });

  it.each([
    { gate: 'execution.mode is paper', opts: { mode: 'paper' as const }, live: true, venueBuilt: false },
    { gate: 'ENABLE_LIVE_TRADING is false', opts: { enableLiveTrading: false }, live: true, venueBuilt: false },
    { gate: 'the agent file is not live', opts: {}, live: false, venueBuilt: true },
  ])('one gate closed ($gate): the intent goes the paper path and no request reaches the order endpoints', async ({ opts, live, venueBuilt }) => {
    const floor = await startFloor(`gate${live ? 'x' : 'a'}${opts.mode ?? ''}${String(opts.enableLiveTrading ?? '')}`);
    sandbox.venue.applyEvent(MarketEvent.parse(CROWD));
    await fetch(`${sandbox.urls.base}/_sandbox/stats/reset`, { method: 'POST' });
    const executor = floor.executor(opts);
    await executor.start();
    // crosses the paper book's 0.52 ask: a paper fill
    const i = intent(floor, { live, orderType: 'FAK', limitPriceMicros: 550_000n });
    await enqueueIntent(floor.intents, i);
    const done = await waitFor(async () => {
      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'filled' ? o : undefined;
    }, { what: 'the paper fill' });
    expect(done['venue']).toBe('paper');
    expect(await orderEndpointRequests()).toBe(0);
    // gates 1 and 2 decide whether a venue client exists at all; gate 3 is per intent
    expect(floor.logs.some((l) => l.includes('LIVE TRADING ENABLED'))).toBe(venueBuilt);
    if (!venueBuilt) expect(Object.keys(await stats())).toEqual([]);
    await floor.stopExecutors();
  });

  it('venue unreachable at start: no intent is taken, the executor says why; once the venue is back it reconciles and processes the intent', async () => {
    const floor = await startFloor('down');
    await setFaults({ httpErrors: [{ family: 'all', status: 500 }] });
    const executor = floor.executor();
    const started = executor.start();
    const i = intent(floor, { limitPriceMicros: 420_000n });
    await enqueueIntent(floor.intents, i);

    await waitFor(() => floor.states.some((s) => s.state === 'degraded'), { what: 'a degraded heartbeat' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await floor.intents.getJobState(i.intentId)).toBe('waiting');
    expect(await orderOf(floor, i.intentId)).toBeUndefined();
    const degraded = floor.states.find((s) => s.state === 'degraded');
    expect(degraded?.detail).toMatch(/live venue reconciliation failed: .*500.*not taking intents/);
    expect(floor.logs.some((l) => l.includes('cannot reconcile with the live venue') && l.includes('500'))).toBe(true);

    await setFaults({ reset: true });
    await started;
    expect(floor.states.at(-1)).toEqual({ state: 'running', detail: '' });
    const open = await waitFor(async () => {
      const o = await orderOf(floor, i.intentId);
      return o?.['status'] === 'open' ? o : undefined;
    }, { what: 'the intent processed after recovery' });
    expect(open['venue']).toBe('live');
    await floor.stopExecutors();
  });

  it('never writes the private key or the L2 secret into a log line or a database row', async () => {
    for (const f of floors.splice(0)) {
      const owner = sandbox.venue.apiKeysOf(f.wallet.address)[0];
      const creds = owner ? sandbox.venue.credentialsOf(owner) : undefined;
      const mine = [f.wallet.privateKey, f.wallet.privateKey.slice(2), ...(creds ? [creds.secret, creds.passphrase] : [])];
      const dump = (
        await f.handle.db.execute(sql`
          SELECT coalesce(string_agg(t::text, ' '), '') AS text FROM (
            SELECT row_to_json(o)::text AS t FROM orders o UNION ALL SELECT row_to_json(v)::text FROM venue_trades v
            UNION ALL SELECT row_to_json(a)::text FROM audit_findings a UNION ALL SELECT row_to_json(l)::text FROM audit_log l
            UNION ALL SELECT row_to_json(r)::text FROM risk_events r) rows`)
      ).rows[0]?.['text'] as string;
      await f.close();
      for (const secret of mine) {
        expect(dump.includes(secret)).toBe(false);
        expect(allLogs.some((l) => l.includes(secret))).toBe(false);
      }
      secrets.push(...mine);
    }
    expect(allLogs.length).toBeGreaterThan(10);
    expect(secrets.length).toBeGreaterThan(0);
  });
});
