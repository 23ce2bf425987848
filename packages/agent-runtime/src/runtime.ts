import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { AgentSpec } from '@floor/config';
import { AgentOrderEvent, describeIssues, MarketEvent, MarketInfo, nowUs, type OrderIntent, type ProcessState } from '@floor/domain';
import { loadCheckpoint, readAgentPortfolio, saveCheckpoint, type Db, type SaveCheckpointInput } from '@floor/db';
import { createIntentsQueue, enqueueIntent, lastStreamId, readStreams, type BusNames, type StreamEntry } from '@floor/bus';
import { readLocalCheckpoint, removeLocalCheckpoint, writeLocalCheckpoint } from './local-checkpoint.js';
import { createKernel, KernelCheckpoint, type ForecastBroker, type Kernel, type KernelPortfolio } from '@floor/kernel';
import { getStrategy, type AnyStrategy } from '@floor/strategies';
import { matchesSelector } from './selector.js';

/** The part of a heartbeat handle the runtime drives (`startHeartbeat` from @floor/bus fits). */
export interface HeartbeatSink {
  setState(state: ProcessState, detail?: string): void;
}

export interface AgentRuntimeOptions {
  readonly agentId: string;
  readonly spec: AgentSpec;
  /** the strategy to run; default: the registry's `spec.strategy` (tests pass their own) */
  readonly strategy?: AnyStrategy;
  readonly db: Db;
  readonly redis: {
    /** dedicated to the blocking XREAD: nothing else may queue behind it */
    readonly reader: Redis;
    /** everything else: registry reads, BullMQ */
    readonly writer: Redis;
  };
  readonly names: BusNames;
  readonly log: Logger;
  /** wall clock for intent timestamps, cause age and checkpoint timing (default Date.now) */
  readonly clock?: () => number;
  readonly checkpointIntervalMs: number;
  /** a fill is checkpointed at the next quiet moment at least this long after the previous attempt (default 250) */
  readonly fillCheckpointDebounceMs?: number;
  readonly heartbeat?: HeartbeatSink;
  /** XREAD BLOCK (default 1000 ms): also the longest a stop waits for the loop */
  readonly blockMs?: number;
  /** XREAD COUNT per stream (default 100) */
  readonly batchSize?: number;
  /** decisions on events published longer ago than this send nothing (default 60 s); see KernelOptions */
  readonly maxCauseAgeMs?: number;
  /**
   * The AI agent's forecast broker (@floor/kernel `createForecastBroker` over an `ensemblePort`): after each entry
   * the runtime serves the strategy's forecast requests and queues the intents the answers lead to. Absent for
   * strategies that never ask.
   */
  readonly forecasts?: ForecastBroker;
  /**
   * Where checkpoints go while Postgres is unreachable (one JSON file per agent); the newer of file and row wins at
   * boot. Without it a failed checkpoint is only retried.
   */
  readonly localCheckpointDir?: string;
}

/** What the runtime is doing, for tests, logs and `floor status`. Amounts in micros. */
export interface AgentRuntimeStatus {
  readonly status: 'starting' | 'running' | 'faulted' | 'stopped';
  readonly fault?: string;
  readonly eventsProcessed: bigint;
  readonly malformedEntries: number;
  readonly intentsQueued: number;
  readonly offsets: Readonly<Record<string, string>>;
  readonly portfolio: KernelPortfolio;
  readonly lastCheckpointAtMs?: number;
}

export interface AgentRuntime {
  /** Restores (checkpoint + ledger) and starts the loop; resolves once the loop runs. Rejects if boot fails. */
  start(): Promise<void>;
  /** Stops the loop, writes a last checkpoint and closes the queue. The caller closes db and redis. */
  stop(): Promise<void>;
  inspect(): AgentRuntimeStatus;
}

const DEFAULT_BLOCK_MS = 1_000;
const DEFAULT_BATCH = 100;
const DEFAULT_MAX_CAUSE_AGE_MS = 60_000;
const DEFAULT_FILL_DEBOUNCE_MS = 250;
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5_000;

/**
 * The live loop of one trader agent: Redis streams in, kernel in the middle, BullMQ intents out, checkpoints
 * to Postgres on the side.
 *
 * Consistency rules, in short:
 * - a stream offset advances only after its entry went through the kernel AND its intents are on the queue, so a
 *   crash at any instant replays from a point whose intents were either sent or will be re-sent with the same ids;
 * - checkpoints are captured only between entries (state and offsets describe the same instant, never offsets
 *   ahead of the state) and written without blocking the loop; a failed write is retried later;
 * - the hot path never waits on Postgres.
 */
export function createAgentRuntime(opts: AgentRuntimeOptions): AgentRuntime {
  const { agentId, spec, db, names } = opts;
  const { reader, writer } = opts.redis;
  const clock = opts.clock ?? Date.now;
  const blockMs = opts.blockMs ?? DEFAULT_BLOCK_MS;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const fillDebounceMs = opts.fillCheckpointDebounceMs ?? DEFAULT_FILL_DEBOUNCE_MS;
  const log = opts.log.child({ component: 'agent-runtime' });

  const strategy = opts.strategy ?? getStrategy(spec.strategy);
  const kernel: Kernel = createKernel({
    agentId,
    strategy,
    // validated against the strategy's schema when the file was loaded (validateStrategyParams)
    params: spec.resolvedParams,
    live: spec.live,
    clock,
    maxCauseAgeMs: opts.maxCauseAgeMs ?? DEFAULT_MAX_CAUSE_AGE_MS,
    onDrop: (d) => log.debug({ reason: d.reason, causationId: d.causationId, tokenId: d.draft.tokenId, side: d.draft.side }, 'draft not sent'),
  });
  const queue = createIntentsQueue(writer, names);
  const agentStream = names.agentEventsStream(agentId);

  /** stream → id of the last entry fully handled */
  const offsets = new Map<string, string>();
  /** market streams no longer read (their market resolved) */
  const closedStreams = new Set<string>();
  /** intents decided but not yet on the queue; non-empty only while Redis refuses writes */
  const outbox: OrderIntent[] = [];

  let phase: AgentRuntimeStatus['status'] = 'starting';
  let stopping = false;
  let booting: Promise<void> | undefined;
  let loopDone: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let eventsProcessed = 0n;
  let malformedEntries = 0;
  let intentsQueued = 0;
  let faultReported = false;

  let checkpointing: Promise<void> | undefined;
  /** a checkpoint lives in the local file because Postgres refused it */
  let localCheckpointInUse = false;
  let checkpointedEvents = -1n;
  let fillsApplied = 0;
  let fillsCheckpointed = 0;
  let lastCheckpointAttemptMs = 0;
  let lastCheckpointAtMs: number | undefined;

  /** Sleeps, but wakes at once when stop() is called. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  function parseEntry<T extends z.ZodType>(entry: StreamEntry, schema: T): z.output<T> | undefined {
    let raw: unknown;
    try {
      raw = JSON.parse(entry.payload);
    } catch (err) {
      malformedEntries += 1;
      log.warn({ stream: entry.stream, entryId: entry.id, issue: (err as Error).message }, 'skipping stream entry that is not JSON');
      return undefined;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      malformedEntries += 1;
      log.warn({ stream: entry.stream, entryId: entry.id, issue: describeIssues(parsed.error.issues) }, 'skipping malformed stream entry');
      return undefined;
    }
    return parsed.data;
  }

  function reportFault(): void {
    const fault = kernel.fault;
    if (!fault || faultReported) return;
    faultReported = true;
    phase = 'faulted';
    log.error({ err: fault.error, hook: fault.hook, causationId: fault.causationId }, 'strategy faulted: no more intents from this agent');
    // keep beating: the Boss shows a faulted agent rather than restarting a silent one
    opts.heartbeat?.setState('faulted', fault.error.message);
  }

  /** Boot, retried while Postgres or Redis is unreachable (crash-looping under PM2 would help nobody). */
  async function bootUntilReady(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await boot();
        return;
      } catch (err) {
        if (stopping) throw err;
        log.warn({ err, attempt }, 'boot failed (Postgres or Redis unreachable?); retrying');
        opts.heartbeat?.setState('degraded', `waiting for Postgres/Redis: ${(err as Error).message}`);
        await pause(Math.min(RETRY_BASE_MS * 2 ** attempt, RETRY_MAX_MS));
      }
    }
  }

  async function boot(): Promise<void> {
    const dbRow = await loadCheckpoint(db, agentId);
    const local = opts.localCheckpointDir ? readLocalCheckpoint(opts.localCheckpointDir, agentId) : undefined;
    // a file written during an outage holds more events than the row Postgres kept: it is the later state
    const row = local && local.eventsProcessed > (dbRow?.eventsProcessed ?? -1n) ? local : dbRow;
    localCheckpointInUse = row === local && local !== undefined;
    if (localCheckpointInUse) log.info({ eventsProcessed: row?.eventsProcessed }, 'restoring from the local checkpoint file (newer than Postgres)');
    let checkpoint: KernelCheckpoint | undefined;
    if (row) {
      const parsed = KernelCheckpoint.safeParse(row.state);
      if (parsed.success) checkpoint = parsed.data;
      // an unreadable state must not crash-loop the agent: money comes from the ledger anyway
      else log.warn({ issue: describeIssues(parsed.error.issues) }, 'checkpoint state unreadable, starting the strategy afresh');
    }
    const portfolio = await readAgentPortfolio(db, agentId);
    kernel.restore({ checkpoint, portfolio, nowMs: clock() });
    eventsProcessed = row?.eventsProcessed ?? 0n;
    checkpointedEvents = row ? eventsProcessed : -1n;
    const saved = row?.streamOffsets ?? {};

    // the index offset is fixed before the registry is read: a market listed in between then appears on the
    // index stream, and discovering a market twice is harmless
    offsets.set(names.marketsIndexStream, saved[names.marketsIndexStream] ?? (await lastStreamId(writer, names.marketsIndexStream)));
    const registry = await writer.hgetall(names.marketsHash);
    for (const [marketId, json] of Object.entries(registry)) {
      const info = parseEntry({ stream: names.marketsHash, id: marketId, payload: json }, MarketInfo);
      if (!info || !matchesSelector(spec.markets, info) || kernel.isResolved(info.marketId)) continue;
      kernel.addMarket(info);
      const stream = names.marketStream(info.marketId);
      // a market without a saved offset is joined at its present: an agent trades on new data only
      offsets.set(stream, saved[stream] ?? (await lastStreamId(writer, stream)));
    }
    // our own order events from where the checkpoint left off; fills before that are in the ledger already
    offsets.set(agentStream, saved[agentStream] ?? '0');

    const p = kernel.portfolio();
    log.info(
      {
        fromCheckpoint: Boolean(checkpoint),
        markets: offsets.size - 2,
        cashMicros: p.cashMicros,
        positions: p.positions.length,
        lastFillSeq: p.lastFillSeq,
        pending: p.pendingTokenIds.length,
      },
      'agent restored',
    );
  }

  /** A market listed on the index stream: start reading its stream from the beginning if we trade it. */
  function discover(entry: StreamEntry): void {
    const event = parseEntry(entry, MarketEvent);
    if (!event || event.type !== 'listed') return;
    const info = event.market;
    if (!matchesSelector(spec.markets, info) || kernel.isResolved(info.marketId)) return;
    kernel.addMarket(info);
    const stream = names.marketStream(info.marketId);
    if (offsets.has(stream) || closedStreams.has(stream)) return;
    offsets.set(stream, '0');
    log.info({ marketId: info.marketId, question: info.question }, 'market discovered');
  }

  async function handle(entry: StreamEntry): Promise<void> {
    if (entry.stream === names.marketsIndexStream) {
      discover(entry);
      return;
    }
    if (entry.stream === agentStream) {
      const event = parseEntry(entry, AgentOrderEvent);
      if (!event) return;
      const { applied, intents } = kernel.onAgentEvent(event);
      if (applied) fillsApplied += 1;
      outbox.push(...intents);
    } else {
      const event = parseEntry(entry, MarketEvent);
      if (!event) return;
      outbox.push(...kernel.onMarketEvent(event));
      // settlement reaches us as fills on our own stream; the market's stream has nothing more for us
      if (event.type === 'resolved') closedStreams.add(entry.stream);
    }
    // forecasts are asked between entries, so a slow model delays the loop but never reorders it
    if (opts.forecasts) outbox.push(...(await opts.forecasts.serve(kernel)));
    reportFault();
    await flushOutbox();
  }

  /** Puts decided intents on the queue, retrying until Redis takes them (or we stop). */
  async function flushOutbox(): Promise<void> {
    let attempt = 0;
    while (outbox.length > 0) {
      const intent = outbox[0] as OrderIntent;
      try {
        // jobId = intentId: a replayed intent is recognised by BullMQ and not queued twice
        // stamped at the door of the queue: the benchmark's event→intent and intent→fill meet here
        await enqueueIntent(queue, { ...intent, traceCreatedUs: nowUs() });
        outbox.shift();
        intentsQueued += 1;
        log.info(
          { intentId: intent.intentId, marketId: intent.marketId, tokenId: intent.tokenId, side: intent.side, sizeMicros: intent.sizeMicros, limitPriceMicros: intent.limitPriceMicros, reason: intent.reason },
          'intent queued',
        );
      } catch (err) {
        if (stopping) return;
        attempt += 1;
        log.warn({ err, intentId: intent.intentId, attempt }, 'could not queue intent, retrying');
        await pause(Math.min(RETRY_BASE_MS * 2 ** attempt, RETRY_MAX_MS));
      }
    }
  }

  function advance(entry: StreamEntry): void {
    eventsProcessed += 1n;
    if (closedStreams.has(entry.stream)) offsets.delete(entry.stream);
    else offsets.set(entry.stream, entry.id);
  }

  function capture(): SaveCheckpointInput {
    const book = kernel.portfolio();
    return {
      agentId,
      // `agentView` is what this process believes it holds, beside the strategy state, so an operator (or a
      // test) can compare it with the ledger in SQL; restore ignores it, because the ledger is the truth.
      state: {
        ...kernel.snapshot(),
        agentView: {
          cashMicros: book.cashMicros.toString(),
          lastFillSeq: book.lastFillSeq.toString(),
          positions: book.positions.map((p) => ({ tokenId: p.tokenId, sizeMicros: p.sizeMicros.toString(), costMicros: p.costMicros.toString() })),
        },
      },
      streamOffsets: Object.fromEntries(offsets),
      lastFillSeq: kernel.portfolio().lastFillSeq,
      eventsProcessed,
    };
  }

  async function writeCheckpoint(cp: SaveCheckpointInput, fills: number, why: string): Promise<void> {
    lastCheckpointAttemptMs = clock();
    try {
      const written = await saveCheckpoint(db, cp);
      if (opts.localCheckpointDir && localCheckpointInUse) {
        removeLocalCheckpoint(opts.localCheckpointDir, agentId);
        localCheckpointInUse = false;
        log.info('Postgres takes checkpoints again; local checkpoint file removed');
        if (phase === 'running') opts.heartbeat?.setState('running');
      }
      checkpointedEvents = cp.eventsProcessed;
      fillsCheckpointed = fills;
      lastCheckpointAtMs = clock();
      if (!written) log.warn({ eventsProcessed: cp.eventsProcessed }, 'a newer checkpoint exists: another process runs this agent?');
      else log.debug({ why, eventsProcessed: cp.eventsProcessed, lastFillSeq: cp.lastFillSeq }, 'checkpoint written');
    } catch (err) {
      // Postgres down must not stop trading: the checkpoint goes to a local file until Postgres is back
      if (opts.localCheckpointDir) {
        try {
          writeLocalCheckpoint(opts.localCheckpointDir, cp, clock());
          checkpointedEvents = cp.eventsProcessed;
          fillsCheckpointed = fills;
          if (!localCheckpointInUse) {
            log.warn({ err, why, dir: opts.localCheckpointDir }, 'checkpoint to Postgres failed; keeping it in a local file until Postgres is back');
            if (phase === 'running') opts.heartbeat?.setState('degraded', 'Postgres unreachable: checkpointing to a local file');
          }
          localCheckpointInUse = true;
          return;
        } catch (fileErr) {
          log.error({ err: fileErr }, 'local checkpoint failed too');
        }
      }
      log.warn({ err, why }, 'checkpoint failed, will retry');
    }
  }

  /** Called between entries only, where kernel state and offsets agree. Never awaits the write. */
  function maybeCheckpoint(): void {
    if (checkpointing || outbox.length > 0) return;
    const sinceAttempt = clock() - lastCheckpointAttemptMs;
    const fillDue = fillsApplied !== fillsCheckpointed && sinceAttempt >= fillDebounceMs;
    const timerDue = eventsProcessed !== checkpointedEvents && sinceAttempt >= opts.checkpointIntervalMs;
    if (!fillDue && !timerDue) return;
    checkpointing = writeCheckpoint(capture(), fillsApplied, fillDue ? 'fill' : 'interval').finally(() => {
      checkpointing = undefined;
    });
  }

  /**
   * Reconciles with the ledger every checkpoint interval: the Boss can move capital, and no fill event says so.
   * The read is awaited off the loop; its result is applied between entries, and only if it includes exactly the
   * fills the kernel has applied (otherwise the next read will).
   */
  let ledgerRead: Promise<void> | undefined;
  let ledgerReadResult: Awaited<ReturnType<typeof readAgentPortfolio>> | undefined;
  let lastLedgerReadMs = clock();
  function maybeReconcile(): void {
    if (ledgerReadResult) {
      const before = kernel.portfolio().cashMicros;
      if (kernel.reconcile(ledgerReadResult) && kernel.portfolio().cashMicros !== before) {
        log.info({ cashMicros: kernel.portfolio().cashMicros, wasMicros: before }, 'cash reconciled with the ledger');
      }
      ledgerReadResult = undefined;
    }
    if (ledgerRead || clock() - lastLedgerReadMs < opts.checkpointIntervalMs) return;
    lastLedgerReadMs = clock();
    ledgerRead = readAgentPortfolio(db, agentId)
      .then((p) => {
        ledgerReadResult = p;
      })
      .catch((err: unknown) => log.warn({ err }, 'ledger read for reconciliation failed, will retry'))
      .finally(() => {
        ledgerRead = undefined;
      });
  }

  async function loop(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        const entries = await readStreams(reader, offsets, { blockMs, count: batchSize });
        failures = 0;
        for (const entry of entries) {
          if (stopping) break;
          if (closedStreams.has(entry.stream) && !offsets.has(entry.stream)) continue;
          await handle(entry);
          // an intent still unsent (only when stopping): leave the offset so a restart re-decides this entry
          if (outbox.length > 0) break;
          advance(entry);
          maybeCheckpoint();
        }
        maybeReconcile();
        maybeCheckpoint();
      } catch (err) {
        failures += 1;
        log.error({ err, failures }, 'stream read failed, retrying');
        await pause(Math.min(RETRY_BASE_MS * 2 ** failures, RETRY_MAX_MS));
      }
    }
  }

  return {
    async start() {
      if (booting) throw new Error('agent runtime already started');
      opts.heartbeat?.setState('starting');
      booting = bootUntilReady();
      await booting;
      if (stopping) return;
      phase = 'running';
      opts.heartbeat?.setState('running');
      reportFault();
      loopDone = loop();
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      wake?.();
      await booting?.catch(() => undefined);
      await loopDone;
      await checkpointing;
      if (booting && phase !== 'starting') {
        if (outbox.length > 0) {
          log.warn({ unsent: outbox.length }, 'stopping with unsent intents: keeping the previous checkpoint so a restart re-sends them');
        } else {
          await writeCheckpoint(capture(), fillsApplied, 'stop');
        }
      }
      phase = 'stopped';
      await queue.close();
    },

    inspect() {
      const fault = kernel.fault;
      return {
        status: phase,
        ...(fault ? { fault: fault.error.message } : {}),
        eventsProcessed,
        malformedEntries,
        intentsQueued,
        offsets: Object.fromEntries(offsets),
        portfolio: kernel.portfolio(),
        ...(lastCheckpointAtMs !== undefined ? { lastCheckpointAtMs } : {}),
      };
    },
  };
}
