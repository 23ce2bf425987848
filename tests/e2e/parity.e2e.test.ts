import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queues, readHeartbeats } from '@floor/bus';
import type { MarketEvent, MarketInfo } from '@floor/domain';
import { simulatedDataset, writeDataset } from '@floor/sim';
import { ROOT, run } from '../setup/pm2.js';
import { waitFor } from '../setup/harness.js';
import { createTestFloor } from '../setup/test-floor.js';

/**
 * Parity: one momentum strategy file over one dataset, once through `floor backtest` and once through the live
 * floor (boss, collector replaying the dataset, agent, executor, auditor, monitor under a private PM2, real Redis
 * and Postgres). The intents (ids, token, side, limit, size, outcome) and the fills (ids, price, size, fee, cash,
 * realized PnL, settlements included) must be identical.
 *
 * Why the replay is paced as it is. The backtest executes an intent the moment it is decided, against the book of
 * the event that caused it, and hands the fills and the outcome back to the kernel before the next event. The live
 * floor does the same across processes: agent → BullMQ → executor, which matches against the token's book in Redis
 * *when it processes the intent* → fills and outcome on the agent's stream → agent. The two agree only if that round
 * trip ends before the next event of the market is published. Otherwise the executor matches against a newer book,
 * and the agent decides on the next event with the intent still pending and the position not yet in its portfolio
 * (momentum then skips an exit or an entry the backtest took), so intent ids and fills diverge.
 *
 * The simulator's own timing cannot promise that at any speed: a step's YES and NO books share a timestamp (the
 * replay publishes them back to back), and trades fall at random offsets, some a millisecond before the next book.
 * So the dataset is laid out one event per sim-minute slot (`writeSlottedDataset`: the same events in the same
 * order), and replayed at a speed that gives every slot PACE_MS of wall time. The round trip measured here is
 * 15–150 ms, and about 300 ms for the floor's very first intent (cold executor); PACE_MS leaves room above that. The
 * run costs events × PACE_MS, about 75 s for the 150 events below.
 *
 * Pacing is a precondition, not a tolerance: before comparing, the test checks on Redis's own clock (stream ids)
 * that every intent's outcome was on the agent's stream before the next event of its market was published. If a
 * slow machine breaks that, the test says so instead of reporting a parity bug that is not one.
 *
 * The agent is up before the collector publishes anything: markets listed while an agent runs are read from the
 * start of their stream, so the agent sees every event, as the backtest does (a market already listed at boot would
 * be joined at its present).
 */

const AGENT_ID = 'parity-momentum';
const CAPITAL_USD = 1_000;
const START_MS = Date.UTC(2025, 0, 1);
/** sim time of one event slot */
const SLOT_MS = 60_000;
/** wall time of one event slot in the live replay; see above */
const PACE_MS = 500;

/**
 * Seed and size picked so the backtest covers every path worth comparing: entries both ways, each exit rule
 * (take profit, stop loss, max holding time), partial fills across book levels, a market with fees and one without,
 * and positions still open at resolution (settlements: no exit before the end).
 */
const DATASET = { seed: 5, markets: 2, startMs: START_MS, stepMs: 60_000, steps: 150 } as const;
const STRATEGY_FILE = [
  'strategy: momentum',
  'weight: 1',
  'params:',
  '  lookback: 3',
  '  thresholdBps: 100',
  '  stakeUsd: 25',
  '  takeProfitBps: 300',
  '  stopLossBps: 300',
  '  maxHoldMs: 1200000 # 20 sim-minutes',
  '  exitBeforeEndMs: 0',
  '',
].join('\n');

/**
 * Limits loose enough that the executor's risk checks pass everything the backtest takes: the backtest keeps only
 * the ledger's own checks (cash, position, resolved market), and the stake, depth, spread, price-band, rate and
 * drawdown rules are floor operations it does not model. Evolution is off so the bankroll goes to the one agent by
 * weight (all of it) and no evaluation moves capital mid-run.
 */
const FLOOR_YAML = (datasetPath: string) =>
  [
    `bankrollUsd: ${CAPITAL_USD}`,
    'feed:',
    '  source: replay',
    `  dataset: ${datasetPath}`,
    `  speed: ${SLOT_MS / PACE_MS}`,
    `  maxGapMs: ${PACE_MS * 5}`,
    '  loop: false',
    'limits:',
    '  maxStakeUsd: 1000',
    'risk:',
    '  agent:',
    '    maxStakeUsd: 1000',
    '    maxTradeShare: 1',
    '    maxDeployedShare: 1',
    '    maxOpenPositions: 100',
    '    maxCorrelatedPositions: 100',
    '    minLiquidityUsd: 0',
    '    maxSpreadBps: 10000',
    '    minPrice: 0.001',
    '    maxPrice: 0.999',
    '    maxOrdersPerWindow: 100000',
    '    maxDepthShare: 1',
    '  floor:',
    '    maxDeployedShare: 1',
    '    dailyLossLimit: 1',
    '    maxCategoryShare: 1',
    '    maxEventShare: 1',
    '    maxOrdersPerMarketWindow: 100000',
    '  heat: { levels: [], haltDrawdown: 1 }',
    '  breakers: { maxConsecutiveLosses: 1000000, dailyDrawdownLimit: 1 }',
    'evolution:',
    '  enabled: false',
    'heartbeat:',
    '  intervalMs: 300',
    '  staleAfterMs: 15000',
    '  startupGraceMs: 40000',
    'checkpointIntervalMs: 1000',
    // port 0: each process binds a free port, so the test never collides with a floor running here
    'metricsPorts: { monitor: 0, executor: 0, collector: 0, boss: 0, auditor: 0 }',
    '',
  ].join('\n');

/**
 * The simulated dataset with one event per slot: event i (in the simulator's order) happens at
 * START_MS + i × SLOT_MS, and each market's end date becomes the time of its resolution.
 */
async function writeSlottedDataset(path: string): Promise<{ events: number; marketIds: string[] }> {
  const { header, events } = simulatedDataset('parity', DATASET);
  const at = (index: number) => START_MS + index * SLOT_MS;
  const recorded = [...events];
  const endOf = new Map(recorded.flatMap((e, i) => (e.type === 'resolved' ? [[e.marketId, at(i)] as const] : [])));
  const markets = new Map(header.markets.map((m) => [m.marketId, { ...m, endDateMs: endOf.get(m.marketId) ?? m.endDateMs }] as const));
  const slotted = recorded.map((e, i): MarketEvent => {
    const timed = { ...e, tsEventMs: at(i), tsPublishedMs: at(i) };
    return timed.type === 'listed' ? { ...timed, market: markets.get(e.marketId) as MarketInfo } : timed;
  });
  await writeDataset(path, { ...header, markets: [...markets.values()] }, slotted);
  return { events: slotted.length, marketIds: [...markets.keys()] };
}

/** An order as both sides report it: bigints as decimal strings. */
interface OrderView {
  intentId: string;
  marketId: string;
  tokenId: string;
  side: string;
  limitPriceMicros: string;
  sizeMicros: string;
  status: string;
  filledSizeMicros: string;
}

/** A fill as both sides report it: bigints as decimal strings. */
interface FillView {
  fillId: string;
  kind: string;
  intentId: string | null;
  tokenId: string;
  side: string;
  priceMicros: string;
  sizeMicros: string;
  feeMicros: string;
  cashDeltaMicros: string;
  realizedPnlMicros: string;
}

/** The parts of `floor backtest --json` this test reads. */
interface BacktestJson {
  report: {
    agentId: string;
    fault: string | null;
    drops: Record<string, number>;
    settlementCount: number;
    ledger: { cashMicros: string; identityHolds: boolean; kernelAgrees: boolean };
  };
  orders: Array<OrderView & { intentReason: string; causationId: string }>;
  trades: FillView[];
}

/** What the test reads of a stream entry's message (field `m`): market events, outcomes and fills alike. */
interface StreamMessage {
  type?: string;
  eventId?: string;
  intentId?: string;
}

/** An intent whose outcome reached the agent's stream only after the next event of its market (Redis times). */
interface LateOutcome {
  intentId: string;
  outcomeMs: number;
  nextEventMs: number;
}

/** The millisecond part of a Redis stream entry id: Redis's clock when the entry was added. */
const streamMs = (entryId: string) => Number(entryId.split('-')[0]);

const byIntent = (a: { intentId: string }, b: { intentId: string }) => a.intentId.localeCompare(b.intentId);
const byFill = (a: { fillId: string }, b: { fillId: string }) => a.fillId.localeCompare(b.fillId);

describe('parity: `floor backtest` and the live floor decide and fill alike', () => {
  const floor = createTestFloor('parity');
  const { tmp, configDir, strategiesDir, names, redis, pm2, online } = floor;
  const strategyPath = join(strategiesDir, `${AGENT_ID}.yaml`);
  const datasetPath = join(tmp, 'parity.jsonl.gz');
  let dataset: { events: number; marketIds: string[] };
  let backtest: BacktestJson;

  const q = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => (await floor.db.execute(query)).rows as T[];
  const ecosystem = join(ROOT, 'ecosystem.config.cjs');
  const heartbeatOf = async (app: string) => (await readHeartbeats(redis, names)).find((h) => h.app === app);

  /** Entries of a stream in order: Redis id and the parsed message in field `m`. */
  const streamEntries = async (stream: string): Promise<Array<{ id: string; message: StreamMessage }>> => {
    const raw = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
    return raw.map(([id, fields]) => ({ id, message: JSON.parse(fields[1] ?? '{}') as StreamMessage }));
  };

  /**
   * The pacing precondition (see the top of the file), for every intent both runs sent: its outcome was added to the
   * agent's stream before the market event after its cause was added to the market's stream. Returns the intents
   * that missed it, with both Redis times. (The runs can only part after a late outcome, and the intent it belongs to
   * is one both sent: a pacing failure always shows here.)
   */
  const outcomesAfterTheNextEvent = async (): Promise<LateOutcome[]> => {
    const outcomeAt = new Map(
      (await streamEntries(names.agentEventsStream(AGENT_ID))).filter((e) => e.message.type === 'order').map((e) => [e.message.intentId, streamMs(e.id)] as const),
    );
    const late: LateOutcome[] = [];
    for (const marketId of dataset.marketIds) {
      const events = await streamEntries(names.marketStream(marketId));
      for (const order of backtest.orders.filter((o) => o.marketId === marketId)) {
        const outcomeMs = outcomeAt.get(order.intentId);
        const cause = events.findIndex((e) => e.message.eventId === order.causationId);
        const next = events[cause + 1];
        if (outcomeMs === undefined || cause < 0 || !next) continue;
        if (outcomeMs >= streamMs(next.id)) late.push({ intentId: order.intentId, outcomeMs, nextEventMs: streamMs(next.id) });
      }
    }
    return late;
  };

  beforeAll(async () => {
    await floor.open();
    dataset = await writeSlottedDataset(datasetPath);
    writeFileSync(strategyPath, STRATEGY_FILE);
    writeFileSync(join(configDir, 'floor.yaml'), FLOOR_YAML(datasetPath));
  });

  afterAll(() => floor.close());

  it('`floor backtest` trades the dataset on every path the comparison covers', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(ROOT, 'bin', 'floor.mjs'), 'backtest', '--strategy', strategyPath, '--data', datasetPath, '--capital-usd', String(CAPITAL_USD), '--json'],
      { cwd: ROOT, env: floor.env, maxBuffer: 20 * 1024 * 1024 },
    );
    backtest = JSON.parse(stdout) as BacktestJson;
    const { report, orders, trades } = backtest;
    expect(report.agentId).toBe(AGENT_ID);
    expect(report.fault).toBeNull();
    expect(report.ledger.identityHolds && report.ledger.kernelAgrees).toBe(true);
    // no draft refused: a refusal (e.g. 'pending') is where the live floor's timing could make a difference
    expect(report.drops).toEqual({});

    expect(orders.length).toBeGreaterThanOrEqual(12);
    const reasons = new Set(orders.map((o) => o.intentReason.replace(/ -?\d.*$/, '')));
    expect([...reasons].sort()).toEqual(['max holding time', 'momentum down', 'momentum up', 'stop loss', 'take profit']);
    expect(orders.some((o) => o.status === 'partially_filled')).toBe(true);
    expect(trades.some((t) => t.kind === 'trade' && t.feeMicros !== '0')).toBe(true);
    expect(trades.some((t) => t.kind === 'trade' && t.feeMicros === '0')).toBe(true);
    expect(report.settlementCount).toBeGreaterThan(0);
  });

  it('the live floor sends the same intents and books the same fills, to the micro', async () => {
    expect(backtest, 'the backtest step ran').toBeDefined();

    // everything but the collector: the Boss funds the agent and starts it, and it waits on empty streams
    await pm2('start', ecosystem, '--only', 'boss,executor,auditor,monitor');
    await waitFor(() => online(`agent-${AGENT_ID}`), { timeoutMs: 60_000, what: 'the agent started by the Boss' });
    await waitFor(async () => (await heartbeatOf('agent'))?.state === 'running', { timeoutMs: 60_000, what: 'the agent running' });
    await waitFor(() => online('executor'), { timeoutMs: 60_000, what: 'the executor online' });
    const [funded] = await q<{ cash: string }>(
      sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS cash FROM ledger_entries WHERE account = ${`agent:${AGENT_ID}:cash`}`,
    );
    expect(funded?.cash).toBe(String(BigInt(CAPITAL_USD) * 1_000_000n));

    // now the market data, once through
    await pm2('start', ecosystem, '--only', 'collector');
    const collector = await waitFor(
      async () => {
        const h = await heartbeatOf('collector');
        return h?.state === 'idle' ? h : undefined;
      },
      { timeoutMs: dataset.events * PACE_MS * 3 + 60_000, intervalMs: 1_000, what: 'the collector through the dataset' },
    );
    expect(collector.detail).toContain(`ended after ${dataset.events} events`);

    // at rest: the agent has handled every market's last event (its resolution) and the executor has no work left
    await waitFor(
      async () => {
        const [cp] = await q<{ resolved: string[] | null }>(sql`SELECT state->'resolvedMarketIds' AS resolved FROM checkpoints WHERE agent_id = ${AGENT_ID}`);
        return dataset.marketIds.every((id) => cp?.resolved?.includes(id));
      },
      { timeoutMs: 30_000, what: 'the agent through every market' },
    );
    for (const name of [Queues.intents, Queues.settlements]) {
      const queue = new Queue(name, { connection: redis, prefix: names.bullPrefix });
      try {
        await waitFor(async () => Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), {
          timeoutMs: 30_000,
          what: `queue ${name} drained`,
        });
      } finally {
        await queue.close();
      }
    }

    expect(await outcomesAfterTheNextEvent(), `outcomes that reached the agent after the next event of their market: the floor ran slower than PACE_MS (${PACE_MS} ms) allows for, so the comparison below would not be about parity; raise PACE_MS`).toEqual([]);

    const liveOrders = await q<OrderView>(sql`
      SELECT intent_id AS "intentId", market_id AS "marketId", token_id AS "tokenId", side,
        limit_price_micros::text AS "limitPriceMicros", size_micros::text AS "sizeMicros",
        status, filled_size_micros::text AS "filledSizeMicros"
      FROM orders WHERE agent_id = ${AGENT_ID}`);
    const backtestOrders = backtest.orders.map(
      ({ intentId, marketId, tokenId, side, limitPriceMicros, sizeMicros, status, filledSizeMicros }): OrderView => ({
        intentId,
        marketId,
        tokenId,
        side,
        limitPriceMicros,
        sizeMicros,
        status,
        filledSizeMicros,
      }),
    );
    expect(liveOrders.sort(byIntent)).toEqual(backtestOrders.sort(byIntent));

    const liveFills = await q<FillView>(sql`
      SELECT fill_id AS "fillId", kind, intent_id AS "intentId", token_id AS "tokenId", side,
        price_micros::text AS "priceMicros", size_micros::text AS "sizeMicros", fee_micros::text AS "feeMicros",
        cash_delta_micros::text AS "cashDeltaMicros", realized_pnl_micros::text AS "realizedPnlMicros"
      FROM fills WHERE agent_id = ${AGENT_ID}`);
    const backtestFills = backtest.trades.map(
      ({ fillId, kind, intentId, tokenId, side, priceMicros, sizeMicros, feeMicros, cashDeltaMicros, realizedPnlMicros }): FillView => ({
        fillId,
        kind,
        intentId,
        tokenId,
        side,
        priceMicros,
        sizeMicros,
        feeMicros,
        cashDeltaMicros,
        realizedPnlMicros,
      }),
    );
    expect(liveFills.sort(byFill)).toEqual(backtestFills.sort(byFill));

    // and so the book of record ends where the backtest's does
    const [ledger] = await q<{ cash: string }>(
      sql`SELECT COALESCE(SUM(amount_micros), 0)::text AS cash FROM ledger_entries WHERE account = ${`agent:${AGENT_ID}:cash`}`,
    );
    expect(ledger?.cash).toBe(backtest.report.ledger.cashMicros);
  });
});
