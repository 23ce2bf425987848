import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { ZodError, type z } from 'zod';
import {
  BadMessageError,
  BookSnapshot,
  describeIssues,
  FloorError,
  MarketInfo,
  nowUs,
  OrderIntent,
  SettlementJob,
  stringifyWire,
  type FillApplied,
  type OrderOutcome,
  type ProcessState,
} from '@floor/domain';
import { appendToStream, Queues, readKillSwitch, STREAM_MAXLEN, type BusNames, type WireJob } from '@floor/bus';
import { processIntent, settleMarket, upsertMarket, type Db, type ProcessIntentResult, type SettleMarketResult } from '@floor/db';
import type { RiskLimits } from '@floor/risk';
import type { LiveVenue } from '@floor/live-venue';
import type { Logger } from '@floor/telemetry';
import { createLiveExecution, type LiveExecution } from './live-execution.js';
import { routesLive, type LiveSettings } from './live-gates.js';
import { createExecutorMetrics, type ExecutorMetrics } from './metrics.js';

export interface ExecutorOptions {
  readonly db: Db;
  /** shared connection (must have `maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads */
  readonly redis: Redis;
  readonly names: BusNames;
  readonly limits: RiskLimits;
  readonly log: Logger;
  readonly metrics?: Registry;
  /** how long a market registry entry is trusted before it is read again (fee schedules can change) */
  readonly marketCacheTtlMs?: number;
  readonly clock?: () => number;
  /**
   * Live trading: present only when floor gates 1 and 2 are open (`openLiveVenue`). Intents of agents with
   * `live: true` (gate 3) then go to this venue; every other intent stays on the paper exchange.
   */
  readonly live?: { readonly venue: LiveVenue; readonly settings: LiveSettings } | undefined;
  /** told when the executor cannot take intents (live venue unreachable) and when it can again */
  readonly reportState?: (state: ProcessState, detail: string) => void;
}

export interface Executor {
  /**
   * Starts the BullMQ workers on `intents` and `settlements`. With a live venue, reconciles with it first and
   * keeps retrying (with backoff) until that succeeds: until then no intent is taken.
   */
  start(): Promise<void>;
  /** stops taking jobs and waits for the one in flight (drain); with a live venue, cancels resting orders */
  close(): Promise<void>;
  /** the live side, when live trading is enabled */
  readonly live: LiveExecution | undefined;
  /** decides one intent (wire JSON), books it, then publishes the outcome and fills */
  processIntentJob(wire: string): Promise<ProcessIntentResult>;
  /** settles one resolved market (wire JSON), then publishes the settlement fills */
  processSettlementJob(wire: string): Promise<SettleMarketResult>;
  readonly metrics: ExecutorMetrics;
}

/**
 * BullMQ settings. Concurrency 1: fill `seq` is drawn from a sequence inside each transaction, and with one
 * job at a time transactions commit in seq order, so readers of `fillsStream` (auditor, monitor) see fills
 * in commit order. (Per agent the advisory lock already guarantees it, which is what makes the separate
 * settlements worker safe.) A short lock with a fast stalled check brings a killed executor's job back to
 * `wait` within seconds; re-running it is harmless because intents and settlements are idempotent, hence
 * the generous stall count.
 */
const WORKER_SETTINGS = {
  concurrency: 1,
  lockDuration: 10_000,
  stalledInterval: 2_000,
  maxStalledCount: 1_000,
} as const satisfies Partial<WorkerOptions>;

export function createExecutor(opts: ExecutorOptions): Executor {
  const { db, redis, names, limits } = opts;
  const log = opts.log.child({ component: 'executor' });
  const clock = opts.clock ?? Date.now;
  const marketCacheTtlMs = opts.marketCacheTtlMs ?? 60_000;
  const metrics = createExecutorMetrics(opts.metrics);
  const marketCache = new Map<string, { info: MarketInfo; fetchedAtMs: number }>();
  const workers: Worker<WireJob>[] = [];
  const reportState = opts.reportState ?? (() => undefined);
  let closed = false;
  let wakeSleeper: (() => void) | undefined;
  /** a sleep that `close()` cuts short */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * The market from the registry hash, cached. On each (re)fetch it is also upserted into Postgres, so every
   * market the floor trades has a `markets` row for settlement to mark resolved (the MARKET_RESOLVED check).
   */
  async function readMarket(marketId: string): Promise<MarketInfo | undefined> {
    const hit = marketCache.get(marketId);
    if (hit && clock() - hit.fetchedAtMs < marketCacheTtlMs) return hit.info;
    const raw = await redis.hget(names.marketsHash, marketId);
    if (raw === null) {
      marketCache.delete(marketId);
      return undefined;
    }
    const parsed = parseJson(MarketInfo, raw);
    if (!parsed.ok) {
      log.error({ marketId, problem: parsed.problem }, 'market registry entry is invalid; treating the market as unknown');
      return undefined;
    }
    await upsertMarket(db, parsed.value);
    marketCache.set(marketId, { info: parsed.value, fetchedAtMs: clock() });
    return parsed.value;
  }

  /** The latest book of a token. An unreadable book counts as none: a BUY is then denied NO_BOOK. */
  async function readBook(tokenId: string): Promise<BookSnapshot | undefined> {
    const raw = await redis.get(names.bookKey(tokenId));
    if (raw === null) return undefined;
    const parsed = parseJson(BookSnapshot, raw);
    if (!parsed.ok) {
      log.error({ tokenId, problem: parsed.problem }, 'book snapshot is invalid; treating it as missing');
      return undefined;
    }
    return parsed.value;
  }

  /**
   * Publishes after commit: fills first, then the outcome, so an agent that sees the terminal outcome has
   * already seen its fills. All commands go down one connection in this order, so they land in this order.
   */
  async function publish(fills: readonly FillApplied[], outcome?: OrderOutcome): Promise<void> {
    const writes: Promise<string>[] = [];
    const publishedUs = nowUs();
    for (const fill of fills) {
      const payload = stringifyWire({ ...fill, tracePublishedUs: publishedUs });
      writes.push(appendToStream(redis, names.agentEventsStream(fill.agentId), payload, STREAM_MAXLEN.agentEvents));
      writes.push(appendToStream(redis, names.fillsStream, payload, STREAM_MAXLEN.fills));
    }
    if (outcome) {
      writes.push(appendToStream(redis, names.agentEventsStream(outcome.agentId), stringifyWire(outcome), STREAM_MAXLEN.agentEvents));
    }
    await Promise.all(writes);
  }

  async function processIntentJob(wire: string): Promise<ProcessIntentResult> {
    const intent = parseWire(OrderIntent, wire, 'intent');
    if (live && routesLive(intent, opts.live?.venue)) return countLive(await live.processIntent(intent));
    const [market, book, kill] = await Promise.all([
      readMarket(intent.marketId),
      readBook(intent.tokenId),
      readKillSwitch(redis, names, intent.agentId),
    ]);
    const result = await processIntent(db, intent, {
      market,
      book,
      killSwitch: { on: kill.global, reason: kill.reason },
      limits,
      nowMs: clock(),
    });
    const traced = intent.traceCreatedUs === undefined ? result.fills : result.fills.map((f) => ({ ...f, traceIntentCreatedUs: intent.traceCreatedUs }));
    await publish(traced, result.outcome);

    const { order } = result;
    const bindings = { intentId: intent.intentId, agentId: intent.agentId, clientOrderId: order.clientOrderId, status: order.status };
    if (result.replayed) {
      log.info({ ...bindings, fills: result.fills.length }, 'intent already decided; re-published its outcome');
      return result;
    }
    metrics.intents.inc({ status: order.status });
    if (result.denial) {
      metrics.denials.inc({ code: result.denial.code });
      log.info({ ...bindings, code: result.denial.code, detail: result.denial.message }, 'intent denied');
      return result;
    }
    if (result.fills.length > 0) {
      metrics.fills.inc({ kind: 'trade' }, result.fills.length);
      metrics.intentToFill.observe(Math.max(0, clock() - intent.tsCreatedMs) / 1000);
    }
    log.info({ ...bindings, filledSizeMicros: order.filledSizeMicros, fills: result.fills.length }, 'intent executed');
    return result;
  }

  function countLive(result: ProcessIntentResult): ProcessIntentResult {
    if (!result.replayed) metrics.intents.inc({ status: result.order.status });
    if (result.denial) metrics.denials.inc({ code: result.denial.code });
    return result;
  }

  const live = opts.live
    ? createLiveExecution({
        db,
        venue: opts.live.venue,
        settings: opts.live.settings,
        limits,
        log,
        readMarket,
        readBook,
        readKillSwitch: async (agentId) => {
          const kill = await readKillSwitch(redis, names, agentId);
          return { on: kill.global, reason: kill.reason };
        },
        publish,
        reportState,
        clock,
      })
    : undefined;

  async function processSettlementJob(wire: string): Promise<SettleMarketResult> {
    const job = parseWire(SettlementJob, wire, 'settlement');
    const market = await readMarket(job.marketId);
    const result = await settleMarket(db, {
      marketId: job.marketId,
      winningTokenId: job.winningTokenId,
      ...(market ? { tokenIds: market.tokens.map((t) => t.tokenId) } : {}),
    });
    await publish(result.fills);
    // the market's row now says resolved; drop the cache so nothing stale outlives the resolution
    marketCache.delete(job.marketId);
    metrics.fills.inc({ kind: 'settlement' }, result.created);
    log.info({ marketId: job.marketId, winningTokenId: job.winningTokenId, created: result.created, published: result.fills.length }, 'market settled');
    return result;
  }

  /** Runs a job's handler and tells BullMQ whether a failure is worth retrying (STYLE #10). */
  async function runJob(queue: string, job: Job<WireJob>, handle: (wire: string) => Promise<unknown>): Promise<void> {
    try {
      const data: unknown = job.data;
      const wire = typeof data === 'object' && data !== null && 'm' in data ? (data as { m: unknown }).m : undefined;
      if (typeof wire !== 'string') throw new BadMessageError('job data has no string field `m`', { queue, jobId: job.id });
      await handle(wire);
    } catch (err) {
      const retryable = isRetryable(err);
      metrics.jobsFailed.inc({ queue, retryable: String(retryable) });
      const bindings = { err, queue, jobId: job.id, attempt: job.attemptsMade + 1 };
      if (retryable) {
        log.warn(bindings, 'job failed; BullMQ will retry it');
        throw err;
      }
      log.error(bindings, 'job failed permanently');
      throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
    }
  }

  function startWorker(queue: string, handle: (wire: string) => Promise<unknown>): Worker<WireJob> {
    const worker = new Worker<WireJob>(queue, (job) => runJob(queue, job, handle), {
      connection: redis,
      prefix: names.bullPrefix,
      ...WORKER_SETTINGS,
    });
    // a Worker is an EventEmitter: an 'error' without a listener would crash the process
    worker.on('error', (err) => log.error({ err, queue }, 'worker error'));
    worker.on('stalled', (jobId) => log.warn({ queue, jobId }, 'job stalled (its executor died?); it will run again'));
    return worker;
  }

  return {
    metrics,
    processIntentJob,
    processSettlementJob,
    live,
    async start() {
      if (workers.length > 0) return;
      // Paper trading has no venue to reconcile with: Postgres is the whole truth. A live venue is reconciled
      // first (STYLE #11), and until that succeeds no worker exists to take an intent.
      if (live) {
        const reconciled = await live.reconcileOnBoot(() => closed, sleep);
        if (!reconciled) return;
        reportState('running', '');
      }
      workers.push(startWorker(Queues.intents, processIntentJob), startWorker(Queues.settlements, processSettlementJob));
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      live?.startTimers();
      log.info({ queues: [Queues.intents, Queues.settlements], prefix: names.bullPrefix, live: live !== undefined }, 'executor taking jobs');
    },
    async close() {
      closed = true;
      wakeSleeper?.();
      const closing = workers.splice(0);
      await Promise.all(closing.map((w) => w.close()));
      await live?.stop();
    },
  };
}

/** Message and validation problems will not go away on retry; infrastructure trouble (Postgres, Redis) may. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof FloorError) return err.retryable;
  if (err instanceof ZodError || err instanceof SyntaxError) return false;
  return true;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

function parseJson<S extends z.ZodType>(schema: S, raw: string): Parsed<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problem: `not JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error.issues) };
}

/** Parses a job's wire JSON, or throws a non-retryable BadMessageError naming the field that was wrong. */
export function parseWire<S extends z.ZodType>(schema: S, wire: string, what: string): z.output<S> {
  const parsed = parseJson(schema, wire);
  if (!parsed.ok) throw new BadMessageError(`bad ${what} message: ${parsed.problem}`, { what });
  return parsed.value;
}
