import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { Accounts, divRound, stringifyWire, type BookSnapshot, type Heartbeat } from '@floor/domain';
import { createDb, type DbHandle } from '@floor/db';
import { busNames, createIntentsQueue, createRedis, setKillSwitch, type BusNames } from '@floor/bus';
import { createMonitor, type Monitor } from '@floor/performance';
import { serveMetrics } from '@floor/telemetry';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';
import { seedAgent, writeTradeFill } from '../setup/fill-writer.js';

const USD = 1_000_000n;

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text format, enough for our own gauges. */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

function book(tokenId: string, bidMicros: bigint, askMicros: bigint): string {
  const snapshot: BookSnapshot = {
    v: 1, type: 'book', eventId: `evt_${tokenId}`, marketId: 'm', tokenId, tsEventMs: Date.now(), tsPublishedMs: Date.now(),
    source: 'simulator', stale: false,
    bids: [{ priceMicros: bidMicros, sizeMicros: 100n * USD }, { priceMicros: bidMicros - 10_000n, sizeMicros: 100n * USD }],
    asks: [{ priceMicros: askMicros, sizeMicros: 100n * USD }],
  };
  return stringifyWire(snapshot);
}

function heartbeat(app: string, instanceId: string, tsMs: number): string {
  const hb: Heartbeat = { type: 'heartbeat', v: 1, app, instanceId, pid: 1, state: 'running', tsMs, startedAtMs: tsMs, eventLoopLagMs: 0, detail: '' };
  return JSON.stringify(hb);
}

/** Dollars as Prometheus shows them, and micros as SQL has them, compared in whole cents. */
const cents = (usd: number) => Math.round(usd * 100);
const microsToCents = (micros: bigint) => Number(divRound(micros, 10_000n, 'halfUp'));

describe('performance monitor', () => {
  let handle: DbHandle;
  let drop: () => Promise<void>;
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let redis: Redis;
  let names: BusNames;
  let monitor: Monitor;
  const registry = new Registry();
  const marks = new Map<string, bigint>();

  beforeAll(async () => {
    const t = await createTestDatabase('monitor');
    drop = t.drop;
    handle = createDb(t.url);
    redisPrefix = createTestRedisPrefix('monitor');
    redis = createRedis(redisPrefix.redisUrl, 'monitor-test');
    names = busNames(redisPrefix.prefix);

    const db = handle.db;
    await seedAgent(db, 'alpha', 'momentum', 1_000n * USD);
    await seedAgent(db, 'beta', 'mean-reversion', 500n * USD);
    await writeTradeFill(db, { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 100n * USD, feeMicros: 480_000n });
    // no book for yes9: valued at cost, counted as unmarked
    await writeTradeFill(db, { agentId: 'alpha', marketId: 'm9', tokenId: 'yes9', side: 'BUY', priceMicros: 200_000n, sizeMicros: 10n * USD });
    await writeTradeFill(db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', side: 'BUY', priceMicros: 700_000n, sizeMicros: 20_500_001n });
    await writeTradeFill(db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', side: 'SELL', priceMicros: 750_000n, sizeMicros: 5n * USD, feeMicros: 93_750n });

    await redis.set(names.bookKey('yes1'), book('yes1', 450_000n, 470_000n));
    await redis.set(names.bookKey('no2'), book('no2', 720_000n, 751_000n));
    marks.set('yes1', 460_000n).set('no2', 735_500n);
    await redis.set(names.heartbeatKey('executor', 'host-a'), heartbeat('executor', 'host-a', Date.now()));
    await redis.set(names.heartbeatKey('agent', 'alpha'), heartbeat('agent', 'alpha', Date.now() - 60_000));
    await setKillSwitch(redis, names, true, 'test');
    const intents = createIntentsQueue(redis, names);
    await intents.add('intent', { m: '{}' }, { jobId: 'int_waiting' });
    await intents.close();

    monitor = createMonitor({ db, redis, names, registry, staleAfterMs: 15_000 });
  });

  afterAll(async () => {
    await monitor.close();
    redis.disconnect();
    await redisPrefix.cleanup();
    await handle.close();
    await drop();
  });

  /** What SQL says an agent's cash and marked equity are, in micros. */
  async function expectedFromSql(agentId: string): Promise<{ cash: bigint; equity: bigint }> {
    const cash = await handle.db.execute(sql`
      SELECT COALESCE(SUM(amount_micros), 0)::text AS cash FROM ledger_entries WHERE account = ${Accounts.cash(agentId)}`);
    const rows = await handle.db.execute(sql`
      SELECT token_id, size_micros::text AS size, cost_micros::text AS cost FROM positions WHERE agent_id = ${agentId} AND size_micros <> 0`);
    let equity = BigInt((cash.rows[0] as { cash: string }).cash);
    for (const r of rows.rows as Array<{ token_id: string; size: string; cost: string }>) {
      const mark = marks.get(r.token_id);
      equity += mark === undefined ? BigInt(r.cost) : divRound(BigInt(r.size) * mark, USD, 'floor');
    }
    return { cash: BigInt((cash.rows[0] as { cash: string }).cash), equity };
  }

  it('serves per-agent and floor metrics over HTTP that equal the book of record to the cent', async () => {
    await monitor.tick();
    const server = await serveMetrics(registry, 0);
    let samples: Sample[];
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      samples = parseMetrics(await res.text());
    } finally {
      server.server.close();
    }
    const value = (name: string, labels: Record<string, string> = {}) => {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
      return (found[0] as Sample).value;
    };

    let floorEquity = 0n;
    for (const [agent, strategy] of [['alpha', 'momentum'], ['beta', 'mean-reversion']] as const) {
      const expected = await expectedFromSql(agent);
      floorEquity += expected.equity;
      expect(cents(value('floor_agent_cash_usd', { agent, strategy }))).toBe(microsToCents(expected.cash));
      expect(cents(value('floor_agent_equity_usd', { agent, strategy }))).toBe(microsToCents(expected.equity));
    }
    expect(cents(value('floor_equity_usd'))).toBe(microsToCents(floorEquity));
    expect(cents(value('floor_pnl_usd'))).toBe(microsToCents(floorEquity - 1_500n * USD));

    // alpha: 100 yes1 bought at 0.40 (+$0.48 fee), marked at 0.46 → +$6 unrealized; yes9 has no book.
    expect(value('floor_agent_unrealized_pnl_usd', { agent: 'alpha' })).toBe(6);
    expect(value('floor_agent_fees_usd', { agent: 'alpha' })).toBe(0.48);
    expect(value('floor_agent_positions_open', { agent: 'alpha' })).toBe(2);
    expect(value('floor_agent_unmarked_positions', { agent: 'alpha' })).toBe(1);
    expect(value('floor_agent_fills_total', { agent: 'alpha' })).toBe(2);
    expect(cents(value('floor_agent_pnl_usd', { agent: 'alpha' }))).toBe(600 - 48);
    // beta: bought 20.500001 at 0.70 for $14.350001 (ceil), sold 5 at 0.75 for $3.75 against a pro-rata basis of
    // $3.50 (floored) → $0.25 realized before fees.
    expect(value('floor_agent_realized_pnl_usd', { agent: 'beta', strategy: 'mean-reversion' })).toBe(0.25);
    expect(value('floor_agent_unmarked_positions', { agent: 'beta' })).toBe(0);

    expect(value('floor_process_up', { app: 'executor', instance: 'host-a' })).toBe(1);
    expect(value('floor_process_up', { app: 'agent', instance: 'alpha' })).toBe(0);
    expect(value('floor_heartbeat_age_seconds', { app: 'agent', instance: 'alpha' })).toBeGreaterThanOrEqual(60);
    expect(value('floor_kill_switch')).toBe(1);
    expect(value('floor_queue_jobs', { queue: 'intents', state: 'waiting' })).toBe(1);
    expect(value('floor_queue_jobs', { queue: 'settlements', state: 'failed' })).toBe(0);
  });

  it('follows the book of record and flags on the next tick', async () => {
    await writeTradeFill(handle.db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', side: 'SELL', priceMicros: 720_000n, sizeMicros: 15_500_001n });
    await setKillSwitch(redis, names, false, 'test');
    const snapshot = await monitor.tick();
    const beta = snapshot.agents.find((a) => a.agentId === 'beta');
    const expected = await expectedFromSql('beta');
    expect(beta?.positionsOpen).toBe(0);
    expect(beta?.equityMicros).toBe(expected.equity);
    expect(beta?.cashMicros).toBe(expected.cash);
    expect(snapshot.killSwitchOn).toBe(false);
    const gauge = await registry.getSingleMetric('floor_agent_positions_open')?.get();
    expect(gauge?.values.find((v) => v.labels.agent === 'beta')?.value).toBe(0);
  });
});
