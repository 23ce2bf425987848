import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeartbeats, type BusNames } from '@floor/bus';
import { MarketEvent } from '@floor/domain';
import type { FaultPatch } from '@floor/venue-sim';
import { ROOT, type Pm2Proc } from '../setup/pm2.js';
import { expectBookOfRecordIntact } from '../setup/book-of-record.js';
import { freePort, waitFor } from '../setup/harness.js';
import { createTestFloor } from '../setup/test-floor.js';

/**
 * The whole floor in paper mode against the sandbox venue, under a private PM2 daemon: the sandbox is one more
 * PM2 app (FLOOR_SANDBOX_ARGS, as `npm run demo` does), the collector reads it through the live Polymarket code
 * path (`feed.source: sandbox`), two momentum agents trade on it, and a third runs a strategy that throws.
 *
 * A) Each venue fault in turn (WS drop, WS freeze, 429 and 500 on market data / Gamma, slow answers, a malformed
 *    frame) is switched on over the sandbox's control API; the collector must show it in its /metrics and its log;
 *    while a token's book was stale (as the collector published it) no agent may have decided a BUY that filled;
 *    once the fault is cleared trading resumes by itself. At the end no process crashed, the ledger balances and
 *    the auditor found nothing.
 * B) The agent `faulty-mom` runs tests/fixtures/faulty-agent.ts (the real agent, its strategy wrapped to throw on
 *    one market event): it reports `faulted` with the error in `floor status`, sends nothing more, is not restarted,
 *    and the other agents trade on.
 */

const HEALTHY_AGENTS = ['mom-a', 'mom-b'] as const;
const FAULTY_AGENT = 'faulty-mom';
const SERVICES = ['sandbox', 'boss', 'collector', 'executor', 'auditor', 'monitor'] as const;
const PROCESSES = [...SERVICES, ...[...HEALTHY_AGENTS, FAULTY_AGENT].map((id) => `agent-${id}`)];

// ------------------------------------------------------------------------------------------------ helpers

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus text exposition → samples (enough of the format for prom-client's output). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1] as string, l[2] as string]));
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** One scrape of a process's /metrics, with sums over the series that match some labels. */
class Scrape {
  constructor(private readonly samples: readonly Sample[]) {}

  private matching(name: string, labels: Record<string, string>): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  sum(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((total, s) => total + s.value, 0);
  }

  values(name: string): number[] {
    return this.matching(name, {}).map((s) => s.value);
  }
}

interface LogLine {
  readonly time: number;
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino line as an object; undefined for anything else (PM2's own lines, a line still being written). */
function parseJsonLine(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A stale period of one token, as the collector published it: from its first stale book to the next fresh one. */
interface StaleWindow {
  readonly tokenId: string;
  readonly marketId: string;
  readonly fromMs: number;
  /** the fresh book (or the resolution) that ended it; undefined while it lasts */
  toMs: number | undefined;
}

/**
 * Follows every market stream the collector writes and records when each token's book turned stale and fresh
 * again, by the books' own `stale` flag and publish time: the collector's account of the stale periods. Reads
 * incrementally (streams are trimmed), so it runs in the background for the whole test.
 */
class StaleTracker {
  readonly windows: StaleWindow[] = [];
  readonly #open = new Map<string, StaleWindow>();
  readonly #cursors = new Map<string, string>();
  #failure: unknown;
  #running = true;
  readonly #loop: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly names: BusNames,
  ) {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.poll().catch((err: unknown) => {
        this.#failure = err;
      });
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Reads what the streams gained since the last poll. */
  async poll(): Promise<void> {
    for (const marketId of await this.redis.hkeys(this.names.marketsHash)) {
      const stream = this.names.marketStream(marketId);
      const cursor = this.#cursors.get(stream);
      const entries = (await this.redis.xrange(stream, cursor ? `(${cursor}` : '-', '+')) as Array<[string, string[]]>;
      for (const [id, fields] of entries) {
        this.#cursors.set(stream, id);
        this.#absorb(MarketEvent.parse(JSON.parse(fields[fields.indexOf('m') + 1] as string)));
      }
    }
  }

  #absorb(event: MarketEvent): void {
    if (event.type === 'book') {
      const open = this.#open.get(event.tokenId);
      if (event.stale && !open) {
        const window: StaleWindow = { tokenId: event.tokenId, marketId: event.marketId, fromMs: event.tsPublishedMs, toMs: undefined };
        this.#open.set(event.tokenId, window);
        this.windows.push(window);
      } else if (!event.stale && open) {
        open.toMs = event.tsPublishedMs;
        this.#open.delete(event.tokenId);
      }
    } else if (event.type === 'resolved') {
      // a resolved market publishes no more books, and nobody may trade it: its stale periods end here
      for (const [tokenId, open] of this.#open) {
        if (open.marketId !== event.marketId) continue;
        open.toMs = event.tsPublishedMs;
        this.#open.delete(tokenId);
      }
    }
  }

  /** Whether the collector had published `tokenId`'s book as stale (and not yet fresh again) at `ms`. */
  staleAt(tokenId: string, ms: number): boolean {
    return this.windows.some((w) => w.tokenId === tokenId && w.fromMs <= ms && (w.toMs === undefined || ms < w.toMs));
  }

  since(ms: number): StaleWindow[] {
    return this.windows.filter((w) => w.fromMs >= ms);
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    if (this.#failure) throw this.#failure;
  }
}

// ------------------------------------------------------------------------------------------------ the faults

interface FaultCase {
  readonly name: string;
  readonly patch: FaultPatch;
  /** the fault cuts the market channel off: books go stale and fall back to REST */
  readonly staleFeed: boolean;
  /** the collector's metrics show it, against a scrape taken before it was switched on */
  readonly inMetrics: (now: Scrape, before: Scrape) => boolean;
  /** a collector log line that shows it */
  readonly inLog: (line: LogLine) => boolean;
}

const responses = (s: Scrape, family: string, status: string) => s.sum('floor_venue_http_responses_total', { family, status });
const backingOff = (status: string) => (l: LogLine) => l.msg === 'venue call failed, backing off' && l['status'] === status;
const FEED_DOWN = 'market channel down; books stale, polling REST';

/** How long each fault stays on once the collector shows it. */
const HOLD_FAULT_MS = 3_000;
/** The floor's HTTP timeout (polymarket.httpTimeoutMs below); the delay fault answers later than that. */
const HTTP_TIMEOUT_MS = 1_000;

const FAULTS: readonly FaultCase[] = [
  {
    name: 'WebSocket drop',
    patch: { ws: 'drop' },
    staleFeed: true,
    inMetrics: (now, before) => now.sum('floor_collector_reconnects_total') > before.sum('floor_collector_reconnects_total') && now.sum('floor_collector_stale_tokens') > 0,
    inLog: (l) => l.msg === 'market channel closed, reconnecting',
  },
  {
    name: 'WebSocket freeze',
    patch: { ws: 'freeze' },
    staleFeed: true,
    inMetrics: (now) => now.sum('floor_collector_stale_tokens') > 0 && now.values('floor_collector_ws_state').includes(0),
    inLog: (l) => l.msg === FEED_DOWN,
  },
  {
    // market data over REST is only asked for while the channel is down, so the socket is frozen too
    name: '429 on market data',
    patch: { ws: 'freeze', httpErrors: [{ family: 'market-data', status: 429, retryAfterSeconds: 1 }] },
    staleFeed: true,
    inMetrics: (now, before) => responses(now, 'clobBooks', '429') >= responses(before, 'clobBooks', '429') + 2,
    inLog: backingOff('429'),
  },
  {
    name: '500 on Gamma and market data',
    patch: { ws: 'freeze', httpErrors: [{ family: 'gamma', status: 500 }, { family: 'market-data', status: 500 }] },
    staleFeed: true,
    inMetrics: (now, before) =>
      responses(now, 'gammaMarkets', '500') > responses(before, 'gammaMarkets', '500') && responses(now, 'clobBooks', '500') > responses(before, 'clobBooks', '500'),
    inLog: backingOff('500'),
  },
  {
    // every HTTP answer comes later than the floor waits: discovery times out and retries; the socket is unaffected
    name: 'delayed answers',
    patch: { delayMs: HTTP_TIMEOUT_MS * 2 },
    staleFeed: false,
    inMetrics: (now, before) => responses(now, 'gammaMarkets', 'timeout') > responses(before, 'gammaMarkets', 'timeout'),
    inLog: backingOff('timeout'),
  },
  {
    name: 'a malformed frame',
    patch: { malformedFrame: true },
    staleFeed: false,
    inMetrics: (now, before) => now.sum('floor_collector_bad_frames_total', { kind: 'malformed' }) > before.sum('floor_collector_bad_frames_total', { kind: 'malformed' }),
    inLog: (l) => l.msg === 'skipped a market-channel message that did not parse' && l['eventType'] === 'price_change',
  },
];

// ------------------------------------------------------------------------------------------------ the test

describe('the floor against the sandbox venue, fault by fault, under PM2', () => {
  const floor = createTestFloor('faults');
  const { pm2Home, strategiesDir, names, redis, processes, online, script, floorCli } = floor;
  let sandboxUrl: string;
  let stale: StaleTracker;
  /** PM2's view once everything ran: no process may restart or change pid after this */
  let baseline: Map<string, Pm2Proc>;
  /** when the faulty agent's strategy threw (its own log line) */
  let faultedAtMs: number;

  const q = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => (await floor.db.execute(query)).rows as T[];

  const setFaults = async (patch: FaultPatch) => {
    const res = await fetch(`${sandboxUrl}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });
    expect(res.status, `POST /_sandbox/faults ${JSON.stringify(patch)}`).toBe(200);
  };

  /** The collector's /metrics, at the port its heartbeat announces. */
  const scrapeCollector = async (): Promise<Scrape> => {
    const beat = (await readHeartbeats(redis, names)).find((h) => h.app === 'collector' && h.metricsPort !== undefined);
    if (!beat) throw new Error('no collector heartbeat with a metrics port');
    const res = await fetch(`http://127.0.0.1:${beat.metricsPort}/metrics`);
    return new Scrape(parseExposition(await res.text()));
  };

  /** A PM2 process's log lines (pino JSON, stdout and stderr), in file order. */
  const logOf = (processName: string): LogLine[] => {
    const dir = join(pm2Home, 'logs');
    if (!existsSync(dir)) return [];
    const lines: LogLine[] = [];
    for (const file of readdirSync(dir).filter((f) => f.startsWith(`${processName}-out`) || f.startsWith(`${processName}-error`))) {
      for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const raw = parseJsonLine(text);
        if (raw) lines.push({ ...raw, time: Date.parse(String(raw['time'])), level: String(raw['level']), msg: String(raw['msg']) });
      }
    }
    return lines;
  };

  /** Trade fills of an agent's BUY orders the agent decided after `sinceMs`. */
  const buyFillsDecidedAfter = async (agentId: string, sinceMs: number) => {
    const [r] = await q<{ n: number }>(sql`
      SELECT COUNT(*)::int AS n FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
      WHERE f.agent_id = ${agentId} AND f.kind = 'trade' AND f.side = 'BUY' AND o.ts_intent_ms > ${sinceMs}`);
    return r?.n ?? 0;
  };

  /** Every BUY that filled, with the time its agent decided it, against the collector's stale periods. */
  const expectNoBuyDecidedOnStaleBooks = async () => {
    await stale.poll();
    const buys = await q<{ fill_id: string; agent_id: string; token_id: string; decided_ms: string }>(sql`
      SELECT f.fill_id, f.agent_id, f.token_id, o.ts_intent_ms::text AS decided_ms
      FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id
      WHERE f.kind = 'trade' AND f.side = 'BUY'`);
    expect(buys.length).toBeGreaterThan(0);
    const onStale = buys.filter((b) => stale.staleAt(b.token_id, Number(b.decided_ms)));
    expect(onStale, 'BUY fills decided while the collector had published the book stale').toEqual([]);
  };

  const expectLedgerBalanced = async () => {
    const book = await expectBookOfRecordIntact(floor.db);
    expect([...book.keys()].sort()).toEqual([FAULTY_AGENT, ...HEALTHY_AGENTS].sort());
  };

  beforeAll(async () => {
    const port = await freePort();
    sandboxUrl = `http://127.0.0.1:${port}`;
    floor.writeFloorYaml([
      'bankrollUsd: 10000',
      'execution: { mode: paper }',
      'feed: { source: sandbox }',
      'polymarket:',
      `  gammaUrl: ${sandboxUrl}/gamma`,
      `  clobUrl: ${sandboxUrl}`,
      `  wsUrl: ws://127.0.0.1:${port}/ws/market`,
      '  rediscoverMs: 1000',
      // a silent connection is down after 1.5 s, so each fault shows within seconds
      '  pingIntervalMs: 300',
      '  staleAfterMs: 1500',
      '  pollMs: 300',
      `  httpTimeoutMs: ${HTTP_TIMEOUT_MS}`,
      // loose limits: the agents should trade all the time, and only the feed's faults may stop them
      'risk:',
      '  agent: { maxStakeUsd: 100, maxOrdersPerWindow: 100000, maxOpenPositions: 100, maxCorrelatedPositions: 100, minLiquidityUsd: 1 }',
      '  floor: { maxOrdersPerMarketWindow: 100000 }',
      // venue errors (the collector's 429s and 500s count) trip the API-error breaker, which pauses entries until
      // its cooldown is over and the error rate is back under the limit: a short window and cooldown keep that quick
      '  breakers: { maxConsecutiveLosses: 100000, apiWindowMs: 10000, apiCooldownMs: 5000 }',
      'evolution: { enabled: false }',
      'heartbeat: { intervalMs: 300, staleAfterMs: 10000, startupGraceMs: 40000 }',
      'checkpointIntervalMs: 1000',
    ]);
    // small moves trigger entries and exits; a sim-minute passes every 100 ms at 600×
    const momentum = 'strategy: momentum\nweight: 1\nparams: { lookback: 3, thresholdBps: 30, stakeUsd: 20, takeProfitBps: 100, stopLossBps: 100, maxHoldMs: 600000 }\n';
    for (const id of [...HEALTHY_AGENTS, FAULTY_AGENT]) writeFileSync(join(strategiesDir, `${id}.yaml`), momentum);
    await floor.open({
      extraEnv: () => ({
        // the sandbox venue as a PM2 app, driven by the endless seeded simulator
        FLOOR_SANDBOX_ARGS: `--sim --seed 7 --speed 600 --port ${port}`,
        // every agent runs the real agent through this fixture; only `faulty-*` ids get the throwing strategy
        FLOOR_AGENT_SCRIPT: join(ROOT, 'tests', 'fixtures', 'faulty-agent.ts'),
      }),
    });
    stale = new StaleTracker(redis, names);
  });

  afterAll(async () => {
    await stale?.stop().catch(() => undefined);
    await floor.close();
  });

  it('starts with the sandbox as a PM2 app; the collector streams it live and the agents trade', async () => {
    await script('scripts/floor-start.ts');
    for (const name of PROCESSES) await waitFor(() => online(name), { timeoutMs: 60_000, what: `${name} online` });
    await waitFor(async () => (await scrapeCollector()).sum('floor_collector_events_total', { type: 'book' }) > 0, {
      timeoutMs: 60_000,
      what: 'collector publishing books from the sandbox',
    });
    for (const id of HEALTHY_AGENTS) {
      await waitFor(async () => (await buyFillsDecidedAfter(id, 0)) >= 2, { timeoutMs: 90_000, intervalMs: 1_000, what: `${id} trading` });
    }
    const stats = (await (await fetch(`${sandboxUrl}/_sandbox/stats`)).json()) as { sockets: { market: number } };
    expect(stats.sockets.market).toBeGreaterThan(0);
  });

  it('a strategy that throws faults its agent alone: `faulted` with the error in floor status, no restart, others trade on', async () => {
    const status = await waitFor(async () => {
      const s = JSON.parse(await floorCli('status', '--json')) as {
        agents: Array<{ agentId: string; process: { status: string; pid: number; restarts: number } | null; heartbeat: { state: string; detail: string } | null }>;
      };
      const faulty = s.agents.find((a) => a.agentId === FAULTY_AGENT);
      return faulty?.heartbeat?.state === 'faulted' ? s : undefined;
    }, { timeoutMs: 90_000, intervalMs: 1_000, what: `${FAULTY_AGENT} faulted in floor status` });
    const faulty = status.agents.find((a) => a.agentId === FAULTY_AGENT);
    expect(faulty?.heartbeat?.detail).toMatch(/momentum\.onMarketEvent threw: injected fault/);
    // a fault is not a crash: the process is up, never restarted
    expect(faulty?.process).toMatchObject({ status: 'online', restarts: 0 });
    for (const id of HEALTHY_AGENTS) expect(status.agents.find((a) => a.agentId === id)?.heartbeat?.state).toBe('running');

    // the Boss records it: the agent's row is `faulted` and a lifecycle event says why
    await waitFor(async () => {
      const rows = (await floor.db.execute(sql`
        SELECT a.status, (SELECT COUNT(*)::int FROM lifecycle_events e WHERE e.agent_id = a.id AND e.kind = 'faulted') AS events
        FROM agents a WHERE a.id = ${FAULTY_AGENT}`)).rows as Array<{ status: string; events: number }>;
      return rows[0]?.status === 'faulted' && rows[0].events === 1;
    }, { timeoutMs: 30_000, what: 'the Boss records the faulted agent' });

    const faultLine = logOf(`agent-${FAULTY_AGENT}`).find((l) => l.msg === 'strategy faulted: no more intents from this agent');
    expect(faultLine, 'the agent logs its fault').toBeDefined();
    faultedAtMs = faultLine?.time ?? Number.NaN;

    baseline = new Map((await processes()).map((p) => [p.name, p]));
    for (const name of PROCESSES) expect(baseline.get(name)?.restarts, `${name} restarts`).toBe(0);
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: visible in the collector's metrics and log, no BUY on stale books, trading resumes by itself`, async () => {
      const before = await scrapeCollector();
      const onAtMs = Date.now();
      await setFaults({ reset: true, ...fault.patch });

      await waitFor(async () => fault.inMetrics(await scrapeCollector(), before), { timeoutMs: 30_000, what: `${fault.name} in the collector's metrics` });
      await waitFor(() => logOf('collector').some((l) => l.time >= onAtMs && fault.inLog(l)), { timeoutMs: 30_000, what: `${fault.name} in the collector's log` });
      if (fault.staleFeed) {
        await waitFor(async () => {
          await stale.poll();
          return stale.since(onAtMs).length > 0;
        }, { timeoutMs: 30_000, what: 'stale books published' });
      }
      // left on a while, so the agents decide on what the faulty feed gives them (stale REST books, or nothing)
      await new Promise((r) => setTimeout(r, HOLD_FAULT_MS));

      await setFaults({ reset: true });
      const clearedAtMs = Date.now();
      await waitFor(async () => (await scrapeCollector()).sum('floor_collector_stale_tokens') === 0, { timeoutMs: 60_000, what: 'no stale tokens after the fault' });
      for (const id of HEALTHY_AGENTS) {
        await waitFor(async () => (await buyFillsDecidedAfter(id, clearedAtMs)) > 0, { timeoutMs: 60_000, intervalMs: 500, what: `${id} trading again after ${fault.name}` });
      }
      // every stale period this fault caused has ended, with a fresh book or the market's resolution
      await stale.poll();
      expect(stale.since(onAtMs).filter((w) => w.toMs === undefined)).toEqual([]);
      await expectNoBuyDecidedOnStaleBooks();
    });
  }

  it('afterwards: nothing crashed or restarted, the faulty agent sent nothing since its fault, the ledger balances, the auditor found nothing', async () => {
    const now = await processes();
    for (const name of PROCESSES) {
      const p = now.find((x) => x.name === name);
      expect(p, name).toMatchObject({ status: 'online', restarts: baseline.get(name)?.restarts, pid: baseline.get(name)?.pid });
    }

    // B: it traded until its strategy threw, and not one intent since, while the healthy agents traded through six faults
    const [sent] = await q<{ before: number; after: number }>(sql`
      SELECT COUNT(*) FILTER (WHERE ts_intent_ms < ${faultedAtMs})::int AS before, COUNT(*) FILTER (WHERE ts_intent_ms >= ${faultedAtMs})::int AS after
      FROM orders WHERE agent_id = ${FAULTY_AGENT}`);
    expect(sent?.before).toBeGreaterThan(0);
    expect(sent?.after).toBe(0);
    const faultyLog = logOf(`agent-${FAULTY_AGENT}`);
    const faultIndex = faultyLog.findIndex((l) => l.msg === 'strategy faulted: no more intents from this agent');
    expect(faultyLog.slice(faultIndex).filter((l) => l.msg === 'intent queued')).toEqual([]);
    for (const id of HEALTHY_AGENTS) expect(await buyFillsDecidedAfter(id, faultedAtMs)).toBeGreaterThan(FAULTS.length);
    const status = JSON.parse(await floorCli('status', '--json')) as { agents: Array<{ agentId: string; heartbeat: { state: string } | null }> };
    expect(status.agents.find((a) => a.agentId === FAULTY_AGENT)?.heartbeat?.state).toBe('faulted');

    await expectNoBuyDecidedOnStaleBooks();
    await expectLedgerBalanced();
    const findings = await q<{ rule: string; detail: unknown }>(sql`SELECT rule, detail FROM audit_findings`);
    expect(findings).toEqual([]);
  });
});
