import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentsQueue, enqueueIntent, readHeartbeats, Queues } from '@floor/bus';
import { allocateCapital } from '@floor/db';
import { BookSnapshot, deterministicId, MarketInfo, type OrderIntent } from '@floor/domain';
import { simulatedDataset, writeDataset } from '@floor/sim';
import { expectBookOfRecordIntact, readAgentBooks } from '../setup/book-of-record.js';
import { waitFor } from '../setup/harness.js';
import { createTestFloor } from '../setup/test-floor.js';

/**
 * The whole floor under a private PM2 daemon, trading on a generated dataset through real Redis and Postgres,
 * started and stopped by the same scripts `npm start` / `npm stop` run. The steps share one floor and run in
 * order: trade → kill -9 an agent → kill -9 the executor with intents queued → a typo'd strategy file →
 * stop and start the floor. After each, the book of record must still add up to the micro.
 */
describe('the floor, end to end under PM2', () => {
  const floor = createTestFloor('floor');
  const { tmp, strategiesDir, names, redis, redisPrefix, pm2, processes, online, script, floorCli } = floor;
  const datasetPath = join(tmp, 'e2e.jsonl.gz');
  const q = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => (await floor.db.execute(query)).rows as T[];

  const ledger = () => readAgentBooks(floor.db);
  const expectLedgerBalanced = () => expectBookOfRecordIntact(floor.db);

  /** No intent became two orders, and no fill id was written twice (the primary keys say so; this shows it). */
  const expectNoDuplicates = async () => {
    const [o] = await q<{ n: number; d: number }>(sql`SELECT COUNT(*)::int AS n, COUNT(DISTINCT intent_id)::int AS d FROM orders`);
    expect(o?.n).toBe(o?.d);
    const dupFills = await q<{ n: number }>(sql`
      SELECT COUNT(*)::int AS n FROM (SELECT client_order_id, COUNT(*) c FROM fills WHERE kind = 'trade' GROUP BY client_order_id, price_micros, size_micros, seq HAVING COUNT(*) > 1) x`);
    expect(dupFills[0]?.n).toBe(0);
  };

  /** Stops market data and waits until the executor has nothing left, so SQL, the CLI and the agents can be compared at rest. */
  const quiesce = async () => {
    await pm2('stop', 'collector');
    const queue = new Queue(Queues.intents, { connection: redis, prefix: names.bullPrefix });
    try {
      await waitFor(async () => {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      }, { timeoutMs: 30_000, what: 'intents queue drained' });
    } finally {
      await queue.close();
    }
    // the agents write a checkpoint at least every checkpointIntervalMs (1 s here) once their fills are in
    await new Promise((r) => setTimeout(r, 3_000));
  };
  const resumeFeed = async () => {
    await pm2('start', 'collector');
  };

  /** What each agent process believes it holds (checkpointed), against the ledger. */
  const expectAgentsAgreeWithLedger = async (agentIds: string[]) => {
    const book = await ledger();
    for (const id of agentIds) {
      const [cp] = await q<{ view: { cashMicros: string; positions: Array<{ tokenId: string; sizeMicros: string; costMicros: string }> } }>(
        sql`SELECT state->'agentView' AS view FROM checkpoints WHERE agent_id = ${id}`,
      );
      expect(cp?.view, `checkpoint of ${id}`).toBeTruthy();
      expect(cp?.view.cashMicros, `agent ${id}'s own cash`).toBe(book.get(id)?.cash);
      const positions = await q<{ token_id: string; size: string; cost: string }>(
        sql`SELECT token_id, size_micros::text AS size, cost_micros::text AS cost FROM positions WHERE agent_id = ${id} AND size_micros <> 0 ORDER BY token_id`,
      );
      const believed = [...(cp?.view.positions ?? [])].filter((p) => p.sizeMicros !== '0').sort((a, b) => a.tokenId.localeCompare(b.tokenId));
      expect(believed.map((p) => [p.tokenId, p.sizeMicros, p.costMicros])).toEqual(positions.map((p) => [p.token_id, p.size, p.cost]));
    }
  };

  const tradesOf = async (agentId: string) => (await ledger()).get(agentId)?.trades ?? 0;

  beforeAll(async () => {
    await floor.open();
    // four markets listed together, a book check per sim-minute; 3000× plays a sim-minute in 20 ms, and the
    // dataset loops with fresh market ids, so the floor always has live markets
    const { header, events } = simulatedDataset('e2e', { seed: 11, markets: 4, startMs: Date.UTC(2025, 0, 1), stepMs: 60_000, steps: 360 });
    await writeDataset(datasetPath, header, events);
    floor.writeFloorYaml([
      'bankrollUsd: 10000',
      'feed:',
      `  dataset: ${datasetPath}`,
      '  speed: 3000',
      '  maxGapMs: 50',
      '  loop: true',
      'limits:',
      '  maxStakeUsd: 100',
      'heartbeat:',
      '  intervalMs: 300',
      '  staleAfterMs: 10000',
      '  startupGraceMs: 40000',
      'checkpointIntervalMs: 1000',
    ]);
    const momentum = (lookback: number, thresholdBps: number) =>
      `strategy: momentum\nweight: 1\nparams:\n  lookback: ${lookback}\n  thresholdBps: ${thresholdBps}\n  stakeUsd: 20\n  takeProfitBps: 150\n  stopLossBps: 150\n  maxHoldMs: 3600000\n`;
    writeFileSync(join(strategiesDir, 'mom-a.yaml'), momentum(3, 60));
    writeFileSync(join(strategiesDir, 'mom-b.yaml'), momentum(6, 100));
  });

  afterAll(() => floor.close());

  it('npm start brings up every process; two agents trade; the ledger balances and `floor status` agrees with SQL', async () => {
    const { stdout } = await script('scripts/floor-start.ts');
    expect(stdout).toMatch(/migrat/i);
    for (const name of ['boss', 'collector', 'executor', 'auditor', 'monitor']) {
      await waitFor(() => online(name), { timeoutMs: 60_000, what: `${name} online` });
    }
    await waitFor(() => online('agent-mom-a'), { timeoutMs: 60_000, what: 'agent-mom-a online' });
    await waitFor(() => online('agent-mom-b'), { timeoutMs: 60_000, what: 'agent-mom-b online' });

    await waitFor(async () => (await tradesOf('mom-a')) >= 3 && (await tradesOf('mom-b')) >= 2, {
      timeoutMs: 120_000,
      intervalMs: 1_000,
      what: 'both agents trading',
    });
    const [counts] = await q<{ orders: number; fills: number; ledger: number }>(sql`
      SELECT (SELECT COUNT(*) FROM orders)::int AS orders, (SELECT COUNT(*) FROM fills)::int AS fills, (SELECT COUNT(*) FROM ledger_entries)::int AS ledger`);
    expect(counts?.orders).toBeGreaterThan(0);
    expect(counts?.fills).toBeGreaterThan(0);
    expect(counts?.ledger).toBeGreaterThan(counts?.fills ?? 0);

    await quiesce();
    await expectLedgerBalanced();
    const status = JSON.parse(await floorCli('status', '--json')) as {
      agents: Array<{ agentId: string; cash: { micros: string }; positionsAtCost: { micros: string }; realizedPnl: { micros: string }; fees: { micros: string }; allocated: { micros: string } }>;
    };
    const book = await ledger();
    expect(status.agents.map((a) => a.agentId).sort()).toEqual(['mom-a', 'mom-b']);
    for (const a of status.agents) {
      const r = book.get(a.agentId);
      expect(a.cash.micros).toBe(r?.cash);
      expect(a.positionsAtCost.micros).toBe(r?.atCost);
      expect(a.realizedPnl.micros).toBe(r?.realized);
      expect(a.fees.micros).toBe(r?.fees);
      expect(a.allocated.micros).toBe(r?.allocated);
    }
    await expectAgentsAgreeWithLedger(['mom-a', 'mom-b']);
    await resumeFeed();
  });

  it('kill -9 of an agent: PM2 restarts it, it resumes from its checkpoint with the ledger’s cash and positions, nothing doubles', async () => {
    const before = await waitFor(() => online('agent-mom-a'), { what: 'agent-mom-a online' });
    const tradesBefore = await tradesOf('mom-a');
    process.kill(before.pid, 'SIGKILL');
    const after = await waitFor(async () => {
      const p = await online('agent-mom-a');
      return p && p.pid !== before.pid ? p : undefined;
    }, { timeoutMs: 60_000, what: 'agent-mom-a restarted with a new pid' });
    expect(after.restarts).toBeGreaterThan(before.restarts);
    await waitFor(async () => (await readHeartbeats(redis, names)).find((h) => h.agentId === 'mom-a' && h.pid === after.pid && h.state === 'running'), {
      timeoutMs: 60_000,
      what: 'restarted agent running',
    });
    await waitFor(async () => (await tradesOf('mom-a')) > tradesBefore, { timeoutMs: 120_000, intervalMs: 1_000, what: 'restarted agent trading again' });

    await quiesce();
    await expectLedgerBalanced();
    await expectNoDuplicates();
    await expectAgentsAgreeWithLedger(['mom-a', 'mom-b']);
    await resumeFeed();
  });

  it('kill -9 of the executor with intents queued: after the restart every intent has exactly one outcome', async () => {
    // a separate funded agent id whose intents the test writes straight onto the queue, as an agent would
    await allocateCapital(floor.db, { agentId: 'chaos', targetMicros: 2_000_000_000n, ref: 'e2e', actor: { type: 'system', app: 'e2e' } });
    const marketsRaw = await redis.hgetall(names.marketsHash);
    const markets = Object.values(marketsRaw).map((v) => MarketInfo.parse(JSON.parse(v)));
    const token = await waitFor(async () => {
      for (const m of markets) {
        for (const t of m.tokens) {
          const raw = await redis.get(names.bookKey(t.tokenId));
          if (!raw) continue;
          const book = BookSnapshot.parse(JSON.parse(raw));
          if (book.asks[0]) return { marketId: m.marketId, tokenId: t.tokenId, ask: book.asks[0].priceMicros };
        }
      }
      return undefined;
    }, { what: 'a token with a book' });

    const executor = await waitFor(() => online('executor'), { what: 'executor online' });
    const queue = createIntentsQueue(redis, names);
    const intents: OrderIntent[] = Array.from({ length: 300 }, (_, i) => ({
      type: 'intent',
      v: 1,
      intentId: deterministicId('intent', 'chaos', redisPrefix.prefix, i),
      agentId: 'chaos',
      marketId: token.marketId,
      tokenId: token.tokenId,
      side: 'BUY',
      orderType: 'FAK',
      limitPriceMicros: token.ask,
      sizeMicros: 1_000_000n,
      reason: `chaos ${i}`,
      causationId: `evt_chaos_${i}`,
      tsEventMs: Date.now(),
      tsCreatedMs: Date.now(),
      live: false,
    }));
    try {
      for (const intent of intents) await enqueueIntent(queue, intent);
      const queued = await queue.getJobCounts('waiting', 'active');
      process.kill(executor.pid, 'SIGKILL');
      // the kill lands with work in hand: intents waiting, and usually one mid-transaction
      expect((queued.waiting ?? 0) + (queued.active ?? 0)).toBeGreaterThan(0);
      // the same intents again, as a retrying producer would: BullMQ keeps one job per intent id
      for (const intent of intents.slice(0, 50)) await enqueueIntent(queue, intent);
    } finally {
      await queue.close();
    }
    await waitFor(async () => {
      const p = await online('executor');
      return p && p.pid !== executor.pid ? p : undefined;
    }, { timeoutMs: 60_000, what: 'executor restarted' });
    const ids = intents.map((i) => i.intentId);
    await waitFor(async () => {
      const [r] = await q<{ n: number }>(sql`SELECT COUNT(*)::int AS n FROM orders WHERE agent_id = 'chaos'`);
      return (r?.n ?? 0) >= ids.length;
    }, { timeoutMs: 90_000, intervalMs: 1_000, what: 'every chaos intent decided' });

    const rows = await q<{ intent_id: string; n: number }>(sql`SELECT intent_id, COUNT(*)::int AS n FROM orders WHERE agent_id = 'chaos' GROUP BY intent_id`);
    expect(rows).toHaveLength(ids.length);
    expect(new Set(rows.map((r) => r.intent_id))).toEqual(new Set(ids));
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // each outcome reached the agent's event stream (at least once; consumers dedupe a re-publish)
    const entries = (await redis.xrange(names.agentEventsStream('chaos'), '-', '+')) as Array<[string, string[]]>;
    const outcomes = new Set(
      entries
        .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as { type?: string; intentId?: string })
        .filter((e) => e.type === 'order')
        .map((e) => e.intentId),
    );
    for (const id of ids) expect(outcomes.has(id), `outcome of ${id}`).toBe(true);
    await expectLedgerBalanced();
    await expectNoDuplicates();
  });

  it('a strategy file with a typo: clear error, other agents unaffected; fixed, its agent starts without a floor restart', async () => {
    const pidsBefore = new Map((await processes()).map((p) => [p.name, p.pid]));
    writeFileSync(join(strategiesDir, 'typo.yaml'), 'strategy: momentum\nweight: 1\nparams:\n  lookbak: 4\n');
    const errors = await waitFor(async () => {
      const s = JSON.parse(await floorCli('status', '--json')) as { configErrors: Array<{ file: string; message: string }> };
      return s.configErrors.length ? s.configErrors : undefined;
    }, { timeoutMs: 30_000, what: 'config error in floor status' });
    expect(errors[0]?.file).toBe(join(strategiesDir, 'typo.yaml'));
    expect(errors[0]?.message).toMatch(/lookbak/);
    const text = await floorCli('status');
    expect(text).toMatch(/typo\.yaml/);

    writeFileSync(join(strategiesDir, 'typo.yaml'), 'strategy: momentum\nweight: 1\nparams:\n  lookback: 4\n');
    await waitFor(() => online('agent-typo'), { timeoutMs: 60_000, what: 'agent-typo started' });
    const after = await processes();
    for (const name of ['boss', 'collector', 'executor', 'auditor', 'monitor', 'agent-mom-a', 'agent-mom-b']) {
      expect(after.find((p) => p.name === name)?.pid, `${name} untouched`).toBe(pidsBefore.get(name));
    }
  });

  it('npm stop then npm start: every process stops gracefully, agents resume from their checkpoints, nothing is lost', async () => {
    const [cpBefore] = await q<{ events: string }>(sql`SELECT events_processed::text AS events FROM checkpoints WHERE agent_id = 'mom-b'`);
    const { stdout: stopOut } = await script('scripts/floor-stop.ts');
    expect(stopOut).toMatch(/stop/i);
    const stopped = await processes();
    expect(stopped.filter((p) => p.status === 'online')).toEqual([]);
    // the graceful stop left the books whole. (The agents' own view is compared after the restart, at rest: an
    // intent queued just before the stop is still filled by the executor, and the agent learns of it on restart.)
    await expectLedgerBalanced();
    await expectNoDuplicates();
    const [cpStopped] = await q<{ events: string }>(sql`SELECT events_processed::text AS events FROM checkpoints WHERE agent_id = 'mom-b'`);
    expect(BigInt(cpStopped?.events ?? '0')).toBeGreaterThanOrEqual(BigInt(cpBefore?.events ?? '0'));
    const tradesBefore = await tradesOf('mom-b');

    await script('scripts/floor-start.ts');
    await waitFor(() => online('agent-mom-b'), { timeoutMs: 60_000, what: 'agent-mom-b back' });
    await waitFor(async () => {
      const [cp] = await q<{ events: string }>(sql`SELECT events_processed::text AS events FROM checkpoints WHERE agent_id = 'mom-b'`);
      return BigInt(cp?.events ?? '0') > BigInt(cpStopped?.events ?? '0');
    }, { timeoutMs: 60_000, what: 'mom-b processing events after its checkpoint' });
    await waitFor(async () => (await tradesOf('mom-b')) > tradesBefore || (await tradesOf('mom-a')) > 0, { timeoutMs: 60_000, what: 'trading again' });

    await quiesce();
    await expectLedgerBalanced();
    await expectNoDuplicates();
    await expectAgentsAgreeWithLedger(['mom-a', 'mom-b', 'typo']);
    const findings = await q<{ rule: string; detail: unknown }>(sql`SELECT rule, detail FROM audit_findings`);
    expect(findings).toEqual([]);
  });
});
