import { UnrecoverableError, WaitingError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { ZodError, type z } from 'zod';
import {
  BadMessageError,
  BookSnapshot,
  describeIssues,
  FloorError,
  MarketInfo,
  midMicros,
  nowUs,
  OrderIntent,
  SettlementJob,
  stringifyWire,
  type FillApplied,
  type OrderOutcome,
  type ProcessState,
} from '@floor/domain';
import {
  agentTradingScope,
  appendToStream,
  floorTradingScope,
  Queues,
  readKillSwitches,
  readTradingStates,
  STREAM_MAXLEN,
  type BusNames,
  type PublishedTradingState,
  type WireJob,
} from '@floor/bus';
import { pingDb, processIntent, settleMarket, upsertMarket, type Db, type PreTradeInputs, type ProcessIntentResult, type SettleMarketResult } from '@floor/db';
import { ACTIVE, type RiskConfig, type ScopedTradingState } from '@floor/risk';
import type { LiveVenue } from '@floor/live-venue';
import type { Logger } from '@floor/telemetry';
import { createDbHealth, isDatabaseUnavailable } from './db-health.js';
import { createLiveExecution, type LiveExecution } from './live-execution.js';
import { routesLive, type LiveSettings } from './live-gates.js';
import { createExecutorMetrics, type ExecutorMetrics } from './metrics.js';

export interface ExecutorOptions {
  readonly db: Db;
  /** shared connection (must have `maxRetriesPerRequest: null`); BullMQ duplicates it for blocking reads */
  readonly redis: Redis;
  readonly names: BusNames;
  /**
   * The floor's `risk:` section. Every intent is decided with the agent's limits: this section's `risk.agent`
   * with the agent's strategy-file override (agents.risk) merged over it, and `risk.floor` (`resolveRiskLimits`).
   */
  readonly risk: RiskConfig;
  /** the floor's configured bankroll (`bankrollUsd`): the base of the share limits */
  readonly bankrollMicros: bigint;
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
  /** told when the executor cannot take intents (Postgres or the live venue unreachable) and when it can again */
  readonly reportState?: (state: ProcessState, detail: string) => void;
  /** how often Postgres is probed (`SELECT 1`), ms; while it is unreachable no job is taken. Default 2000 */
  readonly dbProbeMs?: number;
}

export interface Executor {
  /**
   * Starts the BullMQ workers on `intents` and `settlements`. With a live venue, reconciles with it first and
   * keeps retrying (with backoff) until that succeeds: until then no intent is taken. While Postgres is
   * unreachable the workers are paused (see db-health.ts) and resume by themselves.
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
  /** false while Postgres is unreachable (the workers are paused) */
  readonly databaseUp: boolean;
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
  const { db, redis, names } = opts;
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

  /**
   * What the pre-trade engine reads outside Postgres, in two round trips: the kill switches of the floor, the agent
   * and the market, and the trading states the Boss publishes for the floor and the agent.
   */
  async function readPreTradeInputs(intent: { readonly agentId: string; readonly marketId: string }): Promise<PreTradeInputs> {
    const agentScope = agentTradingScope(intent.agentId);
    const [killSwitch, states] = await Promise.all([
      readKillSwitches(redis, names, intent.agentId, intent.marketId),
      readTradingStates(redis, names, [floorTradingScope, agentScope]),
    ]);
    const floor = states.get(floorTradingScope);
    const agent = states.get(agentScope);
    return {
      risk: opts.risk,
      bankrollMicros: opts.bankrollMicros,
      killSwitch,
      tradingState: { floor: scopedState(floor), agent: scopedState(agent) },
      // the agent's published multiplier already includes the floor's heat
      sizeMultiplier: agent?.sizeMultiplier ?? floor?.sizeMultiplier ?? 1,
      marks: readMarks,
    };
  }

  /** Mid prices of the tokens whose latest book has both sides, one MGET. */
  async function readMarks(tokenIds: readonly string[]): Promise<ReadonlyMap<string, bigint>> {
    const marks = new Map<string, bigint>();
    if (tokenIds.length === 0) return marks;
    const raws = await redis.mget(...tokenIds.map((t) => names.bookKey(t)));
    raws.forEach((raw, i) => {
      const tokenId = tokenIds[i];
      if (raw === null || tokenId === undefined) return;
      const parsed = parseJson(BookSnapshot, raw);
      const mid = parsed.ok ? midMicros(parsed.value) : undefined;
      if (mid !== undefined) marks.set(tokenId, mid);
    });
    return marks;
  }

  async function processIntentJob(wire: string): Promise<ProcessIntentResult> {
    const intent = parseWire(OrderIntent, wire, 'intent');
    if (live && routesLive(intent, opts.live?.venue)) return countLive(await live.processIntent(intent));
    const [market, book, preTrade] = await Promise.all([readMarket(intent.marketId), readBook(intent.tokenId), readPreTradeInputs(intent)]);
    const result = await processIntent(db, intent, { market, book, preTrade, nowMs: clock() });
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
      log.info({ ...bindings, code: result.denial.code, check: result.denial.check, detail: result.denial.message }, 'intent denied');
      return result;
    }
    for (const r of result.reductions) {
      metrics.reductions.inc({ check: r.check });
      log.info({ ...bindings, check: r.check, fromMicros: r.fromMicros.toString(), toMicros: r.toMicros.toString() }, 'intent size reduced by the risk engine');
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
        log,
        readMarket,
        readBook,
        readPreTradeInputs,
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

  /**
   * Postgres health. Down: pause both workers (the job in hand is put back by `runJob`), report degraded. Up again:
   * resume. Each transition is logged once.
   */
  const dbHealth = createDbHealth({
    probe: () => pingDb(db),
    probeMs: opts.dbProbeMs ?? 2_000,
    probeTimeoutMs: 5_000,
    onDown: async (reason) => {
      metrics.dbOutages.inc();
      log.warn({ reason }, 'Postgres unreachable: pausing the workers; the job in hand goes back to the head of its queue');
      reportState('degraded', `Postgres unreachable (${reason}); not taking intents until it answers`);
      await Promise.all(workers.map((w) => w.pause(true)));
    },
    onUp: (downForMs) => {
      if (closed) return;
      log.info({ downForMs }, 'Postgres answers again: resuming the workers');
      for (const w of workers) void w.resume();
      reportState('running', '');
    },
    clock,
  });

  /**
   * Runs a job's handler and tells BullMQ what to do with a failure (STYLE #10): an unreachable Postgres puts the
   * job back untouched (it keeps its attempts; its outcome was never committed, or it was and the re-run replays
   * it), a bad message fails for good, anything else is retried with backoff.
   */
  async function runJob(queue: string, job: Job<WireJob>, token: string | undefined, handle: (wire: string) => Promise<unknown>): Promise<void> {
    try {
      const data: unknown = job.data;
      const wire = typeof data === 'object' && data !== null && 'm' in data ? (data as { m: unknown }).m : undefined;
      if (typeof wire !== 'string') throw new BadMessageError('job data has no string field `m`', { queue, jobId: job.id });
      await handle(wire);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        await dbHealth.down(errorText(err));
        // RPUSH onto the wait list: the next job taken, so the queue's order survives the outage
        await job.moveToWait(token);
        throw new WaitingError();
      }
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
    const worker = new Worker<WireJob>(queue, (job, token) => runJob(queue, job, token, handle), {
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
    get databaseUp() {
      return dbHealth.up;
    },
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
      dbHealth.start();
      live?.startTimers();
      log.info({ queues: [Queues.intents, Queues.settlements], prefix: names.bullPrefix, live: live !== undefined }, 'executor taking jobs');
    },
    async close() {
      closed = true;
      dbHealth.stop();
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

/** A trading state as the engine reads it; a scope the Boss has not published is active. */
function scopedState(published: PublishedTradingState | undefined): ScopedTradingState {
  return published ? { state: published.state, reason: published.reason } : ACTIVE;
}

/** An error's message with its causes' (drizzle puts the driver's error in `cause`), for one log line. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let cur: unknown = err, i = 0; cur && i < 4; cur = cur instanceof Error ? cur.cause : undefined, i += 1) {
    const text = cur instanceof Error ? cur.message || ((cur as { code?: string }).code ?? cur.name) : String(cur);
    // drizzle's "Failed query: <sql> params: …" says nothing an operator needs here
    if (!text.startsWith('Failed query')) parts.push(text);
  }
  return parts.join(' <- ') || 'unknown error';
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
