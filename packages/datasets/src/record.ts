import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import WebSocket from 'ws';
import { DATASET_FORMAT, writeDataset, type DatasetHeaderWire } from '@floor/sim';
import type { MarketEvent } from '@floor/domain';
import { parseMarketFrame, parseRestBook, type GammaMarket, type ResyncRequest } from '@floor/polymarket';
import { AsyncQueue } from './async-queue.js';
import { datasetNameOf, failed, usage, type CommandResult } from './command.js';
import { endpoint, gammaMarketsByConditionId, listGammaMarkets } from './gamma.js';
import { HttpFetchError, PoliteHttp } from './http.js';
import { FeedRecorder, type RecorderStats } from './recorder.js';
import { formatCounts } from './report.js';

/**
 * `floor data record`: records the live market channel to a dataset, so users can build replay data of
 * their own. Markets come from Gamma (the given condition ids, or the open markets by 24 h volume); the
 * WebSocket feed goes through `FeedRecorder` (recorder.ts) and streams into `writeDataset`, which
 * writes beside the target and renames at the end: the dataset appears complete or not at all.
 *
 * Stops after `seconds`, after `maxEvents` events, on `signal`, or on SIGINT; a dropped socket is
 * reconnected (the venue re-sends full books on subscribe). Plain `ws` + `fetch`, like fetch.ts.
 */
export interface DataRecordOptions {
  readonly wsUrl: string;
  readonly clobUrl: string;
  readonly gammaUrl: string;
  readonly out: string;
  /** stop after this long; without it (and without maxEvents) only SIGINT / `signal` stop it */
  readonly seconds?: number;
  /** stop once this many events are recorded; the file holds exactly the first this many */
  readonly maxEvents?: number;
  /** condition ids to record; default the open markets on Gamma, most traded first */
  readonly markets?: readonly string[];
  /** how many open markets when `markets` is not given; default 50 */
  readonly maxMarkets?: number;
  readonly name?: string;
  /** see FeedRecorder; default 2,000 ms */
  readonly reorderWindowMs?: number;
  readonly signal?: AbortSignal;
  /** install a SIGINT handler that stops the recording cleanly; default true */
  readonly stopOnSigint?: boolean;
  readonly log?: (line: string) => void;
  readonly now?: () => number;
}

const PING_EVERY_MS = 10_000;
const MAX_RECONNECT_DELAY_MS = 30_000;

export async function runDataRecord(opts: DataRecordOptions): Promise<CommandResult> {
  if (opts.seconds !== undefined && !(opts.seconds > 0)) return usage('--seconds must be a positive number');
  if (opts.maxEvents !== undefined && (!Number.isInteger(opts.maxEvents) || opts.maxEvents < 1)) return usage('--max-events must be a positive integer');
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const http = new PoliteHttp({ delayMs: 100, ...(opts.signal ? { signal: opts.signal } : {}), log });

  let markets: GammaMarket[];
  const notes: string[] = [];
  try {
    if (opts.markets && opts.markets.length > 0) {
      const found = await gammaMarketsByConditionId(http, opts.gammaUrl, opts.markets);
      markets = found.accepted;
      if (found.missing.length > 0) notes.push(`not found on Gamma (or closed): ${found.missing.join(', ')}`);
      for (const r of found.rejected) notes.push(`not recordable: ${r.marketId ?? r.gammaId ?? '?'}: ${r.reason}: ${r.detail}`);
    } else {
      markets = (await listGammaMarkets(http, opts.gammaUrl, 'open', opts.maxMarkets ?? 50, log)).accepted;
    }
  } catch (err) {
    if (err instanceof HttpFetchError) return failed(`floor data record: ${err.message}`);
    throw err;
  }
  if (markets.length === 0) return failed(`floor data record: no open binary markets to record${notes.length ? `\n${notes.join('\n')}` : ''}`);

  const recorder = new FeedRecorder({ markets, ...(opts.reorderWindowMs !== undefined ? { reorderWindowMs: opts.reorderWindowMs } : {}) });
  const startedMs = now();
  const queue = new AsyncQueue<MarketEvent>();
  try {
    await mkdir(dirname(opts.out), { recursive: true });
  } catch (err) {
    return failed(`${opts.out}: cannot create its directory: ${err instanceof Error ? err.message : String(err)}`);
  }
  const header: DatasetHeaderWire = {
    format: DATASET_FORMAT,
    v: 1,
    name: opts.name ?? datasetNameOf(opts.out),
    createdAtMs: startedMs,
    generator: `floor data record (ws ${opts.wsUrl}, ${markets.length} markets): books rebuilt from book + price_change messages`,
    markets: markets.map((m) => m.info),
  };

  const session = new RecordingSession(opts, recorder, queue, http, log);
  const writing = writeDataset(opts.out, header, queue);
  // a write failure (disk full, …) ends the recording; the error is reported below
  writing.catch(() => session.stop('write failed'));

  const onSigint = () => session.stop('SIGINT');
  if (opts.stopOnSigint !== false) process.once('SIGINT', onSigint);
  const timer = opts.seconds === undefined ? null : setTimeout(() => session.stop(`${opts.seconds} s elapsed`), opts.seconds * 1000);
  const onAbort = () => session.stop('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) session.stop('aborted');

  let stopReason: string;
  try {
    stopReason = await session.run();
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSigint);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  try {
    const { events } = await writing;
    return { exitCode: 0, stdout: formatRecordReport(opts.out, events, stopReason, (now() - startedMs) / 1000, markets.length, session, recorder.stats(), notes) };
  } catch (err) {
    return failed(`${opts.out}: cannot write the dataset: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * One recording: the socket (reconnected when it drops), the resync fetches, and the hand-off of
 * recorder output to the writer queue. `run` resolves with the stop reason once everything recorded
 * has been queued and the queue is closed.
 */
class RecordingSession {
  #socket: WebSocket | null = null;
  #stopReason: string | null = null;
  #stopped!: () => void;
  readonly #stoppedPromise = new Promise<void>((resolve) => (this.#stopped = resolve));
  #queued = 0;
  #resyncing = new Set<string>();
  #resyncChain: Promise<void> = Promise.resolve();
  connects = 0;
  parseFailures = 0;
  resyncFailures = 0;

  constructor(
    private readonly opts: DataRecordOptions,
    private readonly recorder: FeedRecorder,
    private readonly queue: AsyncQueue<MarketEvent>,
    private readonly http: PoliteHttp,
    private readonly log: (line: string) => void,
  ) {}

  stop(reason: string): void {
    if (this.#stopReason !== null) return;
    this.#stopReason = reason;
    this.#socket?.terminate();
    this.#stopped();
  }

  async run(): Promise<string> {
    let failuresInARow = 0;
    while (this.#stopReason === null) {
      const opened = await this.#connectOnce();
      if (this.#stopReason !== null) break;
      failuresInARow = opened ? 0 : failuresInARow + 1;
      const delayMs = Math.min(MAX_RECONNECT_DELAY_MS, 500 * 2 ** failuresInARow);
      this.log(`market socket closed; reconnecting in ${delayMs} ms`);
      await Promise.race([sleep(delayMs), this.#stoppedPromise]);
    }
    await this.#resyncChain;
    this.#enqueue(this.recorder.flush());
    this.queue.close();
    return this.#stopReason ?? 'stopped';
  }

  /** One connection's life; resolves when it closes. True when it got as far as opening. */
  #connectOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new WebSocket(this.opts.wsUrl);
      this.#socket = socket;
      let opened = false;
      let ping: NodeJS.Timeout | null = null;
      socket.on('open', () => {
        opened = true;
        this.connects += 1;
        socket.send(JSON.stringify({ assets_ids: this.recorder.tokenIds(), type: 'market', custom_feature_enabled: true }));
        ping = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('PING'), PING_EVERY_MS);
      });
      socket.on('message', (data) => this.#onFrame(data.toString()));
      socket.on('error', (err) => this.log(`market socket error: ${err.message}`));
      socket.on('close', () => {
        if (ping) clearInterval(ping);
        resolve(opened);
      });
    });
  }

  #onFrame(text: string): void {
    if (this.#stopReason !== null) return;
    const receivedAtMs = (this.opts.now ?? Date.now)();
    for (const result of parseMarketFrame(text)) {
      if (!result.ok) {
        this.parseFailures += 1;
        this.log(`skipped a ${result.eventType ?? 'market'} message: ${result.kind}: ${result.detail}`);
        continue;
      }
      const output = this.recorder.onMessage(result.value, receivedAtMs);
      this.#enqueue(output.events);
      for (const request of output.resyncs) this.#resync(request);
    }
  }

  /** Fetches `/book` for a token whose local book went bad; one at a time, one per token in flight. */
  #resync(request: ResyncRequest): void {
    if (this.#resyncing.has(request.tokenId)) return;
    this.#resyncing.add(request.tokenId);
    this.log(`resyncing ${request.tokenId}: ${request.reason} (${request.detail})`);
    this.#resyncChain = this.#resyncChain.then(async () => {
      try {
        if (this.#stopReason !== null) return;
        const parsed = parseRestBook(await this.http.getJson(endpoint(this.opts.clobUrl, '/book', { token_id: request.tokenId })));
        if (!parsed.ok) throw new Error(parsed.detail);
        this.#enqueue(this.recorder.applyRestBook(parsed.value, (this.opts.now ?? Date.now)()).events);
      } catch (err) {
        this.resyncFailures += 1;
        this.log(`resync of ${request.tokenId} failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.#resyncing.delete(request.tokenId);
      }
    });
  }

  /** Queues events for the writer, keeping to `maxEvents` and stopping when it is reached. */
  #enqueue(events: readonly MarketEvent[]): void {
    if (this.queue.closed || events.length === 0) return;
    const room = this.opts.maxEvents === undefined ? events.length : Math.max(0, this.opts.maxEvents - this.#queued);
    const taken = events.slice(0, room);
    this.#queued += taken.length;
    this.queue.push(...taken);
    if (this.opts.maxEvents !== undefined && this.#queued >= this.opts.maxEvents) this.stop(`${this.opts.maxEvents} events recorded`);
  }
}

function formatRecordReport(
  out: string,
  events: number,
  stopReason: string,
  seconds: number,
  markets: number,
  session: RecordingSession,
  stats: RecorderStats,
  notes: readonly string[],
): string {
  const lines = [
    `wrote ${out}: ${events} events (${formatCounts(stats.events) || 'none'}) from ${markets} markets in ${seconds.toFixed(1)} s; stopped: ${stopReason}`,
    `messages: ${formatCounts(stats.messages) || 'none'}; connections: ${session.connects}`,
  ];
  const problems = [
    stats.resyncs > 0 ? `book resyncs ${stats.resyncs} (failed ${session.resyncFailures})` : '',
    session.parseFailures > 0 ? `unparseable messages ${session.parseFailures}` : '',
    stats.restamped > 0 ? `late events re-stamped ${stats.restamped}` : '',
    stats.foreign > 0 ? `messages for other markets ${stats.foreign}` : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) lines.push(`attention: ${problems.join(', ')}`);
  lines.push(...notes);
  return `${lines.join('\n')}\n`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
