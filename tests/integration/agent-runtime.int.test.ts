import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  deterministicId,
  EMPTY_POSITION,
  fillEffect,
  MarketInfo,
  OrderIntent,
  stringifyWire,
  type FillApplied,
  type MarketEventWire,
  type OrderOutcome,
} from '@floor/domain';
import type { AgentSpec } from '@floor/config';
import { allocateCapital, createDb, loadCheckpoint, readAgentPortfolio, saveCheckpoint, type Db, type DbHandle } from '@floor/db';
import { appendToStream, busNames, createIntentsQueue, createRedis, STREAM_MAXLEN, type BusNames, type WireJob } from '@floor/bus';
import { getStrategy, validateStrategyParams, type AnyStrategy } from '@floor/strategies';
import { createAgentRuntime, type AgentRuntime } from '@floor/agent-runtime';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';

const AGENT = 'momentum-int';
const MARKET_ID = 'm-int-1';
const YES = 'tok-yes';
const NO = 'tok-no';
const ALLOCATED = 1_000_000_000n; // $1000

const params = { lookback: 2, thresholdBps: 100, stakeUsd: 10, takeProfitBps: 2_000, stopLossBps: 2_000 };
const spec: AgentSpec = {
  agentId: AGENT,
  file: `${AGENT}.yaml`,
  strategy: 'momentum',
  weight: 1,
  markets: 'all',
  live: false,
  enabled: true,
  params,
  resolvedParams: validateStrategyParams('momentum', params),
};

describe('agent runtime (real Postgres, Redis, BullMQ)', () => {
  let handle: DbHandle;
  let dropDb: () => Promise<void>;
  let dbUrl: string;
  let cleanupRedis: () => Promise<void>;
  let names: BusNames;
  let reader: Redis;
  let writer: Redis;
  let queue: Queue<WireJob>;
  const logLines: string[] = [];
  let log: Logger;
  const running = new Set<AgentRuntime>();

  const marketStream = () => names.marketStream(MARKET_ID);
  const agentStream = () => names.agentEventsStream(AGENT);

  function newRuntime(): AgentRuntime {
    const runtime = createAgentRuntime({
      agentId: AGENT,
      spec,
      db: handle.db,
      redis: { reader, writer },
      names,
      log,
      // long: in this test checkpoints come from fills and from stop(), so each one is predictable
      checkpointIntervalMs: 600_000,
      blockMs: 200,
    });
    running.add(runtime);
    return runtime;
  }
  async function stop(runtime: AgentRuntime) {
    await runtime.stop();
    running.delete(runtime);
  }

  async function publishBook(tokenId: string, midMicros: number): Promise<{ eventId: string; entryId: string }> {
    const now = Date.now();
    const event: MarketEventWire = {
      type: 'book',
      v: 1,
      eventId: `evt_${randomUUID().replace(/-/g, '')}`,
      marketId: MARKET_ID,
      tokenId,
      tsEventMs: now,
      tsPublishedMs: now,
      source: 'simulator',
      bids: [{ priceMicros: String(midMicros - 10_000), sizeMicros: '500000000' }],
      asks: [{ priceMicros: String(midMicros + 10_000), sizeMicros: '500000000' }],
    };
    const entryId = await appendToStream(writer, marketStream(), stringifyWire(event), STREAM_MAXLEN.market);
    return { eventId: event.eventId, entryId };
  }

  const publishAgentEvent = (event: FillApplied | OrderOutcome) => appendToStream(writer, agentStream(), stringifyWire(event), STREAM_MAXLEN.agentEvents);
  const jobCount = async () => (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).length;

  beforeAll(async () => {
    const db = await createTestDatabase('agent');
    dropDb = db.drop;
    dbUrl = db.url;
    handle = createDb(db.url);
    const r = createTestRedisPrefix('agent');
    cleanupRedis = r.cleanup;
    names = busNames(r.prefix);
    reader = createRedis(r.redisUrl, 'test-agent-xread');
    writer = createRedis(r.redisUrl, 'test-agent');
    queue = createIntentsQueue(writer, names);
    log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });

    await allocateCapital(handle.db, { agentId: AGENT, targetMicros: ALLOCATED, ref: 'initial', actor: { type: 'system', app: 'test' } });
    const info = MarketInfo.parse({
      marketId: MARKET_ID,
      question: 'Will the integration test pass?',
      category: 'crypto',
      endDateMs: Date.now() + 24 * 3_600_000,
      tokens: [
        { tokenId: YES, outcome: 'Yes' },
        { tokenId: NO, outcome: 'No' },
      ],
    });
    await writer.hset(names.marketsHash, MARKET_ID, stringifyWire(info));
  });

  afterAll(async () => {
    for (const runtime of running) await runtime.stop();
    await queue?.close();
    reader?.disconnect();
    writer?.disconnect();
    await handle?.close();
    await dropDb?.();
    await cleanupRedis?.();
  });

  let firstCheckpoint: Awaited<ReturnType<typeof loadCheckpoint>>;
  let intentId: string;
  let lastBookEntryId: string;

  it('writes a checkpoint on stop, even with nothing processed', async () => {
    const runtime = newRuntime();
    await runtime.start();
    await stop(runtime);
    firstCheckpoint = await loadCheckpoint(handle.db, AGENT);
    expect(firstCheckpoint?.streamOffsets).toEqual({ [names.marketsIndexStream]: '0', [marketStream()]: '0', [agentStream()]: '0' });
    expect(firstCheckpoint?.lastFillSeq).toBe(0n);
  });

  it('queues a BUY intent when the YES mid rises past the threshold', async () => {
    const runtime = newRuntime();
    await runtime.start();
    await publishBook(YES, 500_000);
    await publishBook(YES, 510_000);
    const last = await publishBook(YES, 520_000);
    lastBookEntryId = last.entryId;
    intentId = deterministicId('intent', AGENT, last.eventId, 0);

    const job = await waitFor(() => queue.getJob(intentId), { what: 'the intent job' });
    const intent = OrderIntent.parse(JSON.parse(job.data.m));
    expect(intent).toMatchObject({
      agentId: AGENT,
      marketId: MARKET_ID,
      tokenId: YES,
      side: 'BUY',
      orderType: 'FAK',
      limitPriceMicros: 530_000n, // the best ask
      sizeMicros: 18_860_000n, // $10 / 0.53, in whole cents of a share
      causationId: last.eventId,
      live: false,
    });
    expect(await jobCount()).toBe(1);
    await stop(runtime);
  });

  it('after a crash between queueing and checkpointing, re-decides the same events without a second job', async () => {
    // put back the checkpoint from before the book events, as if the agent died right after queueing
    await handle.db.execute(sql`DELETE FROM checkpoints WHERE agent_id = ${AGENT}`);
    const cp = firstCheckpoint;
    if (!cp) throw new Error('first checkpoint missing');
    await saveCheckpoint(handle.db, cp);

    const runtime = newRuntime();
    await runtime.start();
    await waitFor(() => runtime.inspect().offsets[marketStream()] === lastBookEntryId, { what: 'the replay' });
    // the runtime did send the intent again; BullMQ recognised its id
    expect(runtime.inspect().intentsQueued).toBe(1);
    expect(runtime.inspect().portfolio.pendingTokenIds).toEqual([YES]);
    expect(await jobCount()).toBe(1);

    // the executor fills it: ledger first, then the events, the fill published twice
    const fill = await recordFillInLedger(handle.db, { agentId: AGENT, intentId, marketId: MARKET_ID, tokenId: YES, priceMicros: 530_000n, sizeMicros: 18_860_000n });
    await publishAgentEvent(fill);
    await publishAgentEvent(fill);
    const lastAgentEntry = await publishAgentEvent(orderOutcome(fill));

    // garbage on the market stream is skipped and the loop carries on with the next entry
    const garbage = await appendToStream(writer, marketStream(), 'this is not json', STREAM_MAXLEN.market);
    await appendToStream(writer, marketStream(), JSON.stringify({ type: 'book', v: 1 }), STREAM_MAXLEN.market);
    const after = await publishBook(YES, 520_000);

    await waitFor(
      () => runtime.inspect().offsets[agentStream()] === lastAgentEntry && runtime.inspect().offsets[marketStream()] === after.entryId,
      { what: 'the fills and the books after the garbage' },
    );
    const status = runtime.inspect();
    expect(status.portfolio.cashMicros).toBe(ALLOCATED + fill.cashDeltaMicros);
    expect(status.portfolio.lastFillSeq).toBe(fill.fillSeq);
    expect(status.portfolio.positions).toMatchObject([{ tokenId: YES, sizeMicros: 18_860_000n, costMicros: 9_995_800n }]);
    expect(status.portfolio.pendingTokenIds).toEqual([]);
    expect(status.malformedEntries).toBe(2);
    expect(status.status).toBe('running');
    const warned = logLines.map((l) => JSON.parse(l) as { msg: string; stream?: string; entryId?: string });
    expect(warned).toContainEqual(expect.objectContaining({ msg: 'skipping stream entry that is not JSON', stream: marketStream(), entryId: garbage }));
    expect(warned.some((l) => l.msg === 'skipping malformed stream entry')).toBe(true);

    await stop(runtime);
    const cp2 = await loadCheckpoint(handle.db, AGENT);
    expect(cp2?.lastFillSeq).toBe(fill.fillSeq);
    expect(cp2?.streamOffsets).toEqual(status.offsets);
    expect(cp2?.eventsProcessed).toBe(status.eventsProcessed);
  });

  it('a new process resumes from the checkpoint with the ledger’s cash and positions', async () => {
    const saved = await loadCheckpoint(handle.db, AGENT);
    const runtime = newRuntime();
    await runtime.start();
    const status = runtime.inspect();
    expect(status.offsets).toEqual(saved?.streamOffsets);

    const ledger = await readAgentPortfolio(handle.db, AGENT);
    expect(status.portfolio.cashMicros).toBe(ledger.cashMicros);
    expect(status.portfolio.lastFillSeq).toBe(ledger.lastFillSeq);
    expect(status.portfolio.positions.map(({ tokenId, marketId, sizeMicros, costMicros }) => ({ tokenId, marketId, sizeMicros, costMicros }))).toEqual(ledger.positions);

    // still trading: a quiet book is processed, no new job (the position is held, no exit signal)
    const next = await publishBook(YES, 521_000);
    await waitFor(() => runtime.inspect().offsets[marketStream()] === next.entryId, { what: 'the next book' });
    expect(await jobCount()).toBe(1);
    await stop(runtime);
  });

  it('keeps trading when Postgres is gone: checkpoints fail, get logged, and intents still flow', async () => {
    const agentId = 'momentum-int-nopg';
    await allocateCapital(handle.db, { agentId, targetMicros: ALLOCATED, ref: 'initial', actor: { type: 'system', app: 'test' } });
    const ownDb = createDb(dbUrl);
    const runtime = createAgentRuntime({ agentId, spec: { ...spec, agentId }, db: ownDb.db, redis: { reader, writer }, names, log, checkpointIntervalMs: 1, blockMs: 200 });
    running.add(runtime);
    await runtime.start();
    await ownDb.close(); // every query from now on fails

    await publishBook(YES, 600_000);
    await publishBook(YES, 610_000);
    const last = await publishBook(YES, 620_000);
    await waitFor(() => queue.getJob(deterministicId('intent', agentId, last.eventId, 0)), { what: 'the intent of the agent without Postgres' });
    await waitFor(() => logLines.some((l) => l.includes('checkpoint failed') && l.includes(agentId)), { what: 'a logged checkpoint failure' });
    expect(runtime.inspect().status).toBe('running');
    await stop(runtime);
    expect(await loadCheckpoint(handle.db, agentId)).toBeUndefined();
  });

  it('a faulted strategy stops deciding but keeps the loop and the heartbeat going', async () => {
    const agentId = 'momentum-int-faulty';
    const states: Array<{ state: string; detail: string }> = [];
    const faulty: AnyStrategy = {
      ...getStrategy('momentum'),
      name: 'faulty',
      onMarketEvent: () => {
        throw new Error('division by zero, somewhere');
      },
    };
    const runtime = createAgentRuntime({
      agentId,
      spec: { ...spec, agentId },
      strategy: faulty,
      db: handle.db,
      redis: { reader, writer },
      names,
      log,
      checkpointIntervalMs: 600_000,
      blockMs: 200,
      heartbeat: { setState: (state, detail = '') => void states.push({ state, detail }) },
    });
    running.add(runtime);
    await runtime.start();
    const jobsBefore = await jobCount();
    await publishBook(YES, 600_000);
    const last = await publishBook(YES, 650_000);
    await waitFor(() => runtime.inspect().offsets[marketStream()] === last.entryId, { what: 'both books processed' });
    expect(runtime.inspect()).toMatchObject({ status: 'faulted', fault: expect.stringContaining('division by zero') });
    expect(states.at(-1)).toEqual({ state: 'faulted', detail: expect.stringContaining('faulty.onMarketEvent threw: division by zero') });
    expect(await jobCount()).toBe(jobsBefore);
    await stop(runtime);
  });
});

/** What the executor does for one BUY fill, reduced to the rows the agent reads: fill, position, ledger. */
async function recordFillInLedger(
  db: Db,
  f: { agentId: string; intentId: string; marketId: string; tokenId: string; priceMicros: bigint; sizeMicros: bigint },
): Promise<FillApplied> {
  const effect = fillEffect(f.agentId, EMPTY_POSITION, 'BUY', f.priceMicros, f.sizeMicros, 0n);
  const fillId = `fil_${randomUUID().replace(/-/g, '')}`;
  const txnId = deterministicId('ledgerTxn', 'fill', fillId);
  const seq = await db.transaction(async (tx) => {
    await tx.execute(sql`INSERT INTO ledger_txns (id, kind, ref, agent_id) VALUES (${txnId}, 'fill', ${fillId}, ${f.agentId})`);
    for (const p of effect.postings) {
      await tx.execute(sql`INSERT INTO ledger_entries (txn_id, account, agent_id, amount_micros) VALUES (${txnId}, ${p.account}, ${f.agentId}, ${p.amountMicros.toString()}::bigint)`);
    }
    const inserted = await tx.execute(sql`
      INSERT INTO fills (fill_id, kind, client_order_id, intent_id, agent_id, market_id, token_id, side, price_micros, size_micros,
                         fee_micros, cash_delta_micros, realized_pnl_micros, ledger_txn_id)
      VALUES (${fillId}, 'trade', ${`co_${f.intentId}`}, ${f.intentId}, ${f.agentId}, ${f.marketId}, ${f.tokenId}, 'BUY',
              ${f.priceMicros.toString()}::bigint, ${f.sizeMicros.toString()}::bigint, 0, ${effect.cashDeltaMicros.toString()}::bigint, 0, ${txnId})
      RETURNING seq::text AS seq`);
    await tx.execute(sql`
      INSERT INTO positions (agent_id, token_id, market_id, size_micros, cost_micros)
      VALUES (${f.agentId}, ${f.tokenId}, ${f.marketId}, ${effect.position.sizeMicros.toString()}::bigint, ${effect.position.costMicros.toString()}::bigint)`);
    return BigInt((inserted.rows[0] as { seq: string }).seq);
  });
  return {
    type: 'fill',
    v: 1,
    fillId,
    fillSeq: seq,
    kind: 'trade',
    agentId: f.agentId,
    intentId: f.intentId,
    clientOrderId: `co_${f.intentId}`,
    marketId: f.marketId,
    tokenId: f.tokenId,
    side: 'BUY',
    priceMicros: f.priceMicros,
    sizeMicros: f.sizeMicros,
    feeMicros: 0n,
    cashDeltaMicros: effect.cashDeltaMicros,
    realizedPnlMicros: 0n,
    tsMs: Date.now(),
  };
}

function orderOutcome(fill: FillApplied): OrderOutcome {
  return {
    type: 'order',
    v: 1,
    eventId: `evt_${randomUUID().replace(/-/g, '')}`,
    agentId: fill.agentId,
    intentId: fill.intentId ?? '',
    clientOrderId: fill.clientOrderId ?? '',
    tokenId: fill.tokenId,
    side: fill.side,
    status: 'filled',
    reason: '',
    filledSizeMicros: fill.sizeMicros,
    tsMs: fill.tsMs,
  };
}
