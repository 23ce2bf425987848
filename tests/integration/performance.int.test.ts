import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames, createRedis, type BusNames } from '@floor/bus';
import { createDb, FORECASTS_TABLE_SQL, insertForecasts, readEquitySeries, type DbHandle } from '@floor/db';
import { stringifyWire, type BookSnapshot, type Heartbeat } from '@floor/domain';
import { createMonitor, type Monitor, type TargetGroup } from '@floor/performance';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';
import { seedAgent, writeTradeFill } from '../setup/fill-writer.js';

/**
 * The monitor's snapshot step against real Postgres and Redis: snapshots written and read back as an equity
 * series, and the statistics it publishes equal to values computed by hand from the book of record.
 */
const USD = 1_000_000n;
const T0 = Date.UTC(2025, 5, 1);

function book(tokenId: string, midMicros: bigint): string {
  const snapshot: BookSnapshot = {
    v: 1, type: 'book', eventId: `evt_${tokenId}_${midMicros}`, marketId: 'm1', tokenId, tsEventMs: T0, tsPublishedMs: T0, source: 'simulator', stale: false,
    bids: [{ priceMicros: midMicros - 10_000n, sizeMicros: 1_000n * USD }],
    asks: [{ priceMicros: midMicros + 10_000n, sizeMicros: 1_000n * USD }],
  };
  return stringifyWire(snapshot);
}

describe('performance snapshots and statistics', () => {
  let handle: DbHandle;
  let drop: () => Promise<void>;
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let redis: Redis;
  let names: BusNames;
  let monitor: Monitor;
  const registry = new Registry();
  const tmp = mkdtempSync(join(tmpdir(), 'perf-int-'));
  const targetsFile = join(tmp, 'prometheus-targets.json');
  let nowMs = T0;

  const gauge = async (name: string, labels: Record<string, string> = {}) => {
    const metric = await registry.getSingleMetric(name)?.get();
    const found = metric?.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)) ?? [];
    expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
    return found[0]?.value as number;
  };

  beforeAll(async () => {
    const t = await createTestDatabase('perf');
    drop = t.drop;
    handle = createDb(t.url);
    redisPrefix = createTestRedisPrefix('perf');
    redis = createRedis(redisPrefix.redisUrl, 'perf-test');
    names = busNames(redisPrefix.prefix);
    const db = handle.db;
    await db.execute(sql`
      INSERT INTO markets (market_id, question, category, info, winning_token_id, resolved_at) VALUES
        ('m1', 'Will it?', 'crypto', '{"tokens":[{"tokenId":"yes1","outcome":"Yes"},{"tokenId":"no1","outcome":"No"}]}'::jsonb, NULL, NULL),
        ('r1', 'Resolved yes', 'macro', '{"tokens":[{"tokenId":"r1y","outcome":"Yes"},{"tokenId":"r1n","outcome":"No"}]}'::jsonb, 'r1y', now()),
        ('r2', 'Resolved no', 'macro', '{"tokens":[{"tokenId":"r2y","outcome":"Yes"},{"tokenId":"r2n","outcome":"No"}]}'::jsonb, 'r2n', now())`);

    // alpha: two closed round trips (one loses its fee, one wins $2), then 100 yes1 held at cost $50
    await seedAgent(db, 'alpha', 'momentum', 1_000n * USD);
    await seedAgent(db, 'beta', 'ai-forecast', 500n * USD);
    const trade = (tokenId: string, side: 'BUY' | 'SELL', priceMicros: bigint, shares: bigint, feeMicros = 0n) =>
      writeTradeFill(db, { agentId: 'alpha', marketId: 'm1', tokenId, side, priceMicros, sizeMicros: shares * USD, feeMicros });
    await trade('yes2', 'BUY', 500_000n, 10n, 100_000n);
    await trade('yes2', 'SELL', 500_000n, 10n);
    await trade('yes3', 'BUY', 400_000n, 10n);
    await trade('yes3', 'SELL', 600_000n, 10n);
    await trade('yes1', 'BUY', 500_000n, 100n);

    // beta forecasts: the last aggregated forecast before resolution counts, per market
    const present = await db.execute(sql`SELECT to_regclass('public.forecasts') IS NOT NULL AS present`);
    if (!(present.rows[0] as { present: boolean }).present) await db.execute(sql.raw(FORECASTS_TABLE_SQL));
    const forecast = (marketId: string, probability: number, aggregated: boolean, model: string, costMicros: bigint, tsMs: number) => ({
      agentId: 'beta', marketId, model, probability, confidence: 0.5, promptHash: 'h', inputTokens: 10, outputTokens: 5, costMicros, aggregated, tsMs,
    });
    await insertForecasts(db, [
      forecast('r1', 0.4, true, 'ensemble', 300n, T0 - 60_000),
      forecast('r1', 0.7, true, 'ensemble', 300n, T0 - 1_000), // the one scored for r1: (0.7 − 1)² = 0.09
      forecast('r1', 0.7, false, 'model-a', 300n, T0 - 1_000),
      forecast('r2', 0.2, true, 'ensemble', 500n, T0 - 1_000), // (0.2 − 0)² = 0.04
      forecast('r2', 0.2, false, 'model-a', 200n, T0 - 1_000),
      forecast('r2', 0.2, false, 'model-b', 300n, T0 - 1_000),
      forecast('m1', 0.9, true, 'ensemble', 0n, T0 - 1_000), // unresolved: not scored
    ]);

    const hb: Heartbeat = {
      type: 'heartbeat', v: 1, app: 'agent', instanceId: 'alpha', agentId: 'alpha', pid: 1, state: 'running', tsMs: T0, startedAtMs: T0,
      eventLoopLagMs: 12, detail: '', metricsPort: 40123,
    };
    await redis.set(names.heartbeatKey('agent', 'alpha'), JSON.stringify(hb));
    monitor = createMonitor({ db, redis, names, registry, staleAfterMs: 15_000, targetsFile, now: () => nowMs });
  });

  afterAll(async () => {
    await monitor.close();
    redis.disconnect();
    await redisPrefix.cleanup();
    await handle.close();
    await drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes one snapshot per agent and one for the floor each step, and reads them back as equity series', async () => {
    // yes1 marked at 0.50, 0.60, 0.40, 0.70: alpha's equity 1001.90, 1011.90, 991.90, 1021.90 (cash 951.90)
    const marks = [500_000n, 600_000n, 400_000n, 700_000n];
    for (const [i, mark] of marks.entries()) {
      nowMs = T0 + i * 30_000;
      await redis.set(names.bookKey('yes1'), book('yes1', mark));
      await monitor.recordSnapshot(await monitor.tick());
    }
    const alpha = await readEquitySeries(handle.db, 'alpha', T0);
    expect(alpha).toEqual([1_001_900_000n, 1_011_900_000n, 991_900_000n, 1_021_900_000n].map((equityMicros, i) => ({ tsMs: T0 + i * 30_000, equityMicros })));
    const floor = await readEquitySeries(handle.db, null, T0);
    expect(floor.map((p) => p.equityMicros)).toEqual(alpha.map((p) => p.equityMicros + 500n * USD));
    // sinceMs cuts the series
    expect(await readEquitySeries(handle.db, 'alpha', T0 + 60_000)).toHaveLength(2);

    const [row] = (
      await handle.db.execute(sql`
        SELECT cash_micros::text AS cash, allocated_micros::text AS allocated, realized_pnl_micros::text AS realized,
               unrealized_pnl_micros::text AS unrealized, fees_micros::text AS fees, exposure_micros::text AS exposure, trades, positions_open
        FROM performance_snapshots WHERE agent_id = 'alpha' ORDER BY ts DESC LIMIT 1`)
    ).rows;
    // realized: yes3 +$2 (yes2 broke even before its $0.10 fee); unrealized: 100 × (0.70 − 0.50)
    expect(row).toEqual({ cash: '951900000', allocated: '1000000000', realized: '2000000', unrealized: '20000000', fees: '100000', exposure: '70000000', trades: 5, positions_open: 1 });
  });

  it('publishes Sharpe, Sortino, drawdown and win rate equal to the hand-computed values', async () => {
    // returns 10/1001.9, −20/1011.9, 30/991.9
    expect(await gauge('floor_agent_sharpe_ratio', { agent: 'alpha', strategy: 'momentum' })).toBeCloseTo(0.27114322669671975, 9);
    expect(await gauge('floor_agent_sortino_ratio', { agent: 'alpha' })).toBeCloseTo(0.5976934959790591, 9);
    expect(await gauge('floor_agent_max_drawdown_ratio', { agent: 'alpha' })).toBeCloseTo(20 / 1011.9, 12);
    expect(await gauge('floor_agent_max_drawdown_usd', { agent: 'alpha' })).toBe(20);
    expect(await gauge('floor_agent_drawdown_ratio', { agent: 'alpha' })).toBe(0);
    // yes2 lost its fee, yes3 won: 1 of 2; yes1 is still open
    expect(await gauge('floor_agent_round_trips_total', { agent: 'alpha' })).toBe(2);
    expect(await gauge('floor_agent_win_ratio', { agent: 'alpha' })).toBe(0.5);
    expect(await gauge('floor_sharpe_ratio')).toBeCloseTo(0.2690726028558387, 9);
    expect(await gauge('floor_max_drawdown_ratio')).toBeCloseTo(20 / 1511.9, 12);
    // beta never moved: no dispersion, so no Sharpe series at all rather than a misleading 0
    expect((await registry.getSingleMetric('floor_agent_sharpe_ratio')?.get())?.values.some((v) => v.labels.agent === 'beta')).toBe(false);
    expect(await gauge('floor_performance_snapshot_timestamp_seconds')).toBe((T0 + 90_000) / 1000);
  });

  it('publishes live exposure by category, return and activity counts', async () => {
    expect(await gauge('floor_agent_category_exposure_usd', { agent: 'alpha', category: 'crypto' })).toBe(70);
    expect(await gauge('floor_exposure_usd', { category: 'crypto' })).toBe(70);
    expect(await gauge('floor_agent_return_ratio', { agent: 'alpha' })).toBeCloseTo(21.9 / 1000, 12);
    expect(await gauge('floor_agent_trades_total', { agent: 'alpha' })).toBe(5);
    expect(await gauge('floor_agent_orders', { agent: 'alpha', status: 'filled' })).toBe(5);
    expect(await gauge('floor_heartbeat_event_loop_lag_seconds', { app: 'agent', instance: 'alpha' })).toBe(0.012);
  });

  it('scores the AI agent’s forecasts over resolved markets and sums its LLM spend per model', async () => {
    expect(await gauge('floor_forecast_brier_score', { agent: 'beta', strategy: 'ai-forecast' })).toBeCloseTo((0.09 + 0.04) / 2, 12);
    expect(await gauge('floor_forecast_resolved_markets', { agent: 'beta' })).toBe(2);
    expect(await gauge('floor_forecast_calibration_observed_ratio', { agent: 'beta', bucket: '0.7-0.8' })).toBe(1);
    expect(await gauge('floor_forecast_calibration_forecasts', { agent: 'beta', bucket: '0.2-0.3' })).toBe(1);
    // per-model rows only: the ensemble row repeats their total
    expect(await gauge('floor_llm_cost_usd', { agent: 'beta', model: 'model-a' })).toBe(0.0005);
    expect(await gauge('floor_llm_cost_usd', { agent: 'beta', model: 'model-b' })).toBe(0.0003);
  });

  it('lists every live process that announced a /metrics port for Prometheus (file_sd)', async () => {
    nowMs = T0 + 5_000;
    await monitor.tick();
    const groups = JSON.parse(readFileSync(targetsFile, 'utf8')) as TargetGroup[];
    expect(groups).toEqual([{ targets: ['127.0.0.1:40123'], labels: { app: 'agent', instance: 'alpha', agent: 'alpha' } }]);
    // once its heartbeat is stale, the process is no longer a target
    nowMs = T0 + 60_000;
    await monitor.tick();
    expect(JSON.parse(readFileSync(targetsFile, 'utf8'))).toEqual([]);
  });
});
