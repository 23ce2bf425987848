import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookSnapshot, MarketEvent } from '@floor/domain';
import { readDataset, simulateMarkets } from '@floor/sim';
import { replayInto, SandboxVenue, startSandboxServer } from '@floor/venue-sim';
import { runBacktest } from '@floor/backtest';
import { validateStrategyParams } from '@floor/strategies';
import { runDataFetch, runDataImport, runDataRecord } from '@floor/datasets';

/**
 * `floor data import / fetch / record` end to end: fixture files in the real Gamma and CLOB shapes, and
 * the sandbox venue (in process, on 127.0.0.1) standing in for Polymarket. Every dataset written must
 * be one `readDataset` accepts and the venue can replay.
 */

const fixtures = fileURLToPath(new URL('../../packages/datasets/test/fixtures/', import.meta.url));
const fixture = (name: string) => join(fixtures, name);
const A_YES = '21742633143463906290569050155826241533067272736897614950488156847949938836455';
const B_NO = '87584955359245246404952128082451897287778571240979823316620093987046202296181';

const dir = mkdtempSync(join(tmpdir(), 'floor-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(path: string): Promise<{ markets: number; events: MarketEvent[] }> {
  const dataset = await readDataset(path);
  const events: MarketEvent[] = [];
  for await (const e of dataset.events) events.push(e);
  return { markets: dataset.header.markets.length, events };
}

const countTypes = (events: readonly MarketEvent[]) =>
  events.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }), {});

const inTimeOrder = (events: readonly MarketEvent[]) => events.every((e, i) => i === 0 || (events[i - 1] as MarketEvent).tsEventMs <= e.tsEventMs);

describe('floor data import', () => {
  it('turns a Gamma /markets array and /prices-history files into a dataset, reporting what it took and rejected', async () => {
    const out = join(dir, 'imported.jsonl.gz');
    const result = await runDataImport({
      files: [fixture('gamma-markets.json'), fixture(`prices-history-${A_YES}.json`), fixture(`${B_NO}.json`), fixture('prices-history-99999999999999999999.json')],
      out,
      now: () => Date.UTC(2026, 7, 1),
    });
    expect(result.stderr).toBeUndefined();
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('4 markets, 2 tokens with price history, 11 price points → 27 events (4 listed, 22 book, 1 resolved)');
    expect(result.stdout).toContain('rejected markets: 2 (no_order_book 1, not_binary 1)');
    expect(result.stdout).toMatch(/601005 "Who wins the 2026 Copa final\?": not_binary: expected 2 outcomes, got 3/);
    expect(result.stdout).toContain('rejected price points: 3 (duplicate_time 1, invalid_point 1, price_out_of_range 1)');
    expect(result.stdout).toMatch(/token 99999999999999999999 .*: unknown_token/);
    expect(result.stdout).toMatch(/histories not in time order \(sorted\): 1/);
    expect(result.stdout).toMatch(/closed markets without a resolved event: 1\n.*50-50/);

    const dataset = await readDataset(out);
    expect(dataset.header).toMatchObject({ name: 'imported', createdAtMs: Date.UTC(2026, 7, 1), generator: expect.stringContaining('SYNTHETIC') });
    const { events } = await collect(out);
    expect(countTypes(events)).toEqual({ listed: 4, book: 22, resolved: 1 });
    expect(inTimeOrder(events)).toBe(true);
  });

  it('takes the token from --token when the file name does not say', async () => {
    const renamed = join(dir, 'history.json');
    writeFileSync(renamed, JSON.stringify({ history: [{ t: 1_785_513_600, p: 0.4 }] }));
    const out = join(dir, 'token-flag.jsonl.gz');
    const without = await runDataImport({ files: [fixture('gamma-markets.json'), renamed], out });
    expect(without).toMatchObject({ exitCode: 1, stderr: expect.stringContaining(`${renamed}: cannot tell which token`) });
    const withToken = await runDataImport({ files: [fixture('gamma-markets.json'), renamed], tokenId: A_YES, out });
    expect(withToken.exitCode).toBe(0);
    expect(withToken.stdout).toContain('1 tokens with price history, 1 price points');
  });

  it('names the file that is not JSON, or not a shape it knows, and writes nothing', async () => {
    const out = join(dir, 'never.jsonl.gz');
    const truncated = await runDataImport({ files: [fixture('gamma-markets.json'), fixture('truncated.json')], out });
    expect(truncated.exitCode).toBe(1);
    expect(truncated.stderr).toMatch(new RegExp(`^${escape(fixture('truncated.json'))}: not valid JSON`));

    const odd = join(dir, 'odd.json');
    writeFileSync(odd, JSON.stringify({ data: [], next_cursor: 'LTE=' }));
    const shape = await runDataImport({ files: [odd], out });
    expect(shape).toMatchObject({ exitCode: 1, stderr: expect.stringContaining(`${odd}: neither a Gamma /markets`) });

    const missing = await runDataImport({ files: [join(dir, 'nope.json')], out });
    expect(missing.stderr).toContain('nope.json: cannot read (ENOENT)');
    await expect(readDataset(out)).rejects.toThrow(/cannot open dataset/);
  });

  it('drives a backtest', async () => {
    const out = join(dir, 'imported.jsonl.gz');
    const dataset = await readDataset(out);
    const result = await runBacktest({
      spec: { agentId: 'import-check', strategy: 'momentum', resolvedParams: validateStrategyParams('momentum', {}) },
      events: dataset.events,
      markets: dataset.header.markets,
      capitalMicros: 1_000_000_000n,
    });
    expect(result.report.fault).toBeNull();
    expect(result.report.events).toBe(27);
    expect(result.report.markets.resolved).toBe(1);
  });
});

/** A sandbox whose clock follows the replayed events, so its price history spans sim time. */
async function sandboxWithHistory() {
  const sim = simulateMarkets({ seed: 11, markets: 3, startMs: Date.UTC(2026, 0, 5), stepMs: 60_000, steps: 240, staggerMs: 30 * 60_000 });
  let simNow = Date.UTC(2026, 0, 5);
  const sandbox = await startSandboxServer({ port: 0, clock: () => simNow });
  sandbox.venue.addMarkets(sim.markets);
  for (const event of sim.events) {
    simNow = event.tsEventMs;
    sandbox.venue.applyEvent(event);
  }
  return { sandbox, sim };
}

describe('floor data fetch', () => {
  it('downloads the sandbox’s markets (open and resolved) and their price history into a dataset', async () => {
    const sim = simulateMarkets({ seed: 11, markets: 3, startMs: Date.UTC(2026, 0, 5), stepMs: 60_000, steps: 240 });
    let simNow = Date.UTC(2026, 0, 5);
    const sandbox = await startSandboxServer({ port: 0, clock: () => simNow });
    try {
      sandbox.venue.addMarkets(sim.markets);
      const events = [...sim.events];
      // replay all but the last market's resolution, so both states are on Gamma
      const lastResolution = events.findLastIndex((e) => e.type === 'resolved');
      for (const [i, event] of events.entries()) {
        if (i === lastResolution) continue;
        simNow = event.tsEventMs;
        sandbox.venue.applyEvent(event);
      }

      const out = join(dir, 'fetched.jsonl.gz');
      const result = await runDataFetch({ gammaUrl: sandbox.urls.gamma, clobUrl: sandbox.urls.clob, out, closed: 'both', limit: 10, fidelityMin: 10, delayMs: 5 });
      expect(result.stderr).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/3 markets, 3 tokens with price history/);

      const dataset = await collect(out);
      expect(dataset.markets).toBe(3);
      const header = (await readDataset(out)).header;
      expect(header.markets.map((m) => m.marketId).sort()).toEqual(sim.markets.map((m) => m.marketId).sort());
      const types = countTypes(dataset.events);
      expect(types).toMatchObject({ listed: 3, resolved: 2 });
      expect(types['book']).toBeGreaterThan(3 * 2 * 10); // 4 sim-hours at 10-minute fidelity: ~24 points per market
      expect(inTimeOrder(dataset.events)).toBe(true);
      // every synthetic book brackets the sandbox's own mid history
      const yesToken = sim.markets[0]?.tokens[0]?.tokenId as string;
      const history = sandbox.venue.priceHistory(yesToken, 0, Math.floor(simNow / 1000), 10) ?? [];
      const books = dataset.events.filter((e): e is BookSnapshot => e.type === 'book' && e.tokenId === yesToken);
      expect(books).toHaveLength(history.length);
      for (const [i, b] of books.entries()) {
        const p = BigInt(Math.round((history[i]?.p ?? NaN) * 1e6));
        if (b.bids[0]) expect(b.bids[0].priceMicros).toBeLessThanOrEqual(p);
        if (b.asks[0]) expect(b.asks[0].priceMicros).toBeGreaterThanOrEqual(p);
      }
    } finally {
      await sandbox.close();
    }
  });

  it('honours 429 Retry-After and finishes once the venue lets it', async () => {
    const { sandbox } = await sandboxWithHistory();
    try {
      sandbox.applyFaults({ httpErrors: [{ family: 'market-data', status: 429, retryAfterSeconds: 1 }] });
      setTimeout(() => sandbox.applyFaults({ reset: true }), 300);
      const out = join(dir, 'fetched-429.jsonl.gz');
      const started = Date.now();
      const result = await runDataFetch({ gammaUrl: sandbox.urls.gamma, clobUrl: sandbox.urls.clob, out, closed: 'resolved', limit: 5, fidelityMin: 30, delayMs: 0 });
      expect(result.exitCode).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(result.stdout).toMatch(/requests: \d+ \(1 retried\)/);
      expect(sandbox.stats.snapshot()['GET /prices-history']).toBe(4); // 3 markets + the refused first try
    } finally {
      await sandbox.close();
    }
  });

  it('fails naming the URL when Gamma cannot be reached', async () => {
    const result = await runDataFetch({ gammaUrl: 'http://127.0.0.1:9/gamma', clobUrl: 'http://127.0.0.1:9', out: join(dir, 'x.jsonl.gz'), closed: 'open', limit: 1, maxRetries: 0 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:9\/gamma\/markets\?.*network error/);
  });
});

describe('floor data record', () => {
  it('records the live market channel at high speed into a dataset that reads back and replays in order', async () => {
    const sim = simulateMarkets({ seed: 5, markets: 2, startMs: Date.UTC(2026, 1, 1), stepMs: 60_000, steps: 120 });
    const sandbox = await startSandboxServer({ port: 0 });
    const replay = new AbortController();
    try {
      sandbox.venue.addMarkets(sim.markets);
      const all = [...sim.events];
      // list the markets first, so Gamma shows them when the recorder asks
      for (const e of all.filter((e) => e.type === 'listed')) sandbox.venue.applyEvent(e);
      const out = join(dir, 'recorded.jsonl.gz');
      const recording = runDataRecord({ wsUrl: sandbox.urls.wsMarket, clobUrl: sandbox.urls.clob, gammaUrl: sandbox.urls.gamma, out, seconds: 2.5, reorderWindowMs: 200, stopOnSigint: false });
      await new Promise((r) => setTimeout(r, 300));
      // 120 sim-minutes in ~1.5 s
      const replaying = replayInto({ venue: sandbox.venue, events: all.filter((e) => e.type !== 'listed'), speed: 5_000, signal: replay.signal });
      const result = await recording;
      replay.abort();
      await replaying;

      expect(result.stderr).toBeUndefined();
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/stopped: 2\.5 s elapsed/);
      const { markets, events } = await collect(out);
      expect(markets).toBe(2);
      const types = countTypes(events);
      expect(types['listed']).toBe(2);
      expect(types['book']).toBeGreaterThan(20);
      expect(types['trade']).toBeGreaterThan(0);
      expect(inTimeOrder(events)).toBe(true);
      // one event per id: the venue's per-token market_resolved becomes one resolution
      expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
      for (const marketId of new Set(events.map((e) => e.marketId))) {
        expect(events.find((e) => e.marketId === marketId)?.type).toBe('listed');
      }

      // it replays: a fresh venue takes every event and ends with books for the recorded tokens
      const venue = new SandboxVenue();
      const dataset = await readDataset(out);
      venue.addMarkets(dataset.header.markets);
      const replayed = await replayInto({ venue, events: dataset.events, speed: Infinity });
      expect(replayed.events).toBe(events.length);
      const lastBook = events.findLast((e): e is BookSnapshot => e.type === 'book');
      expect(lastBook && venue.publicBook(lastBook.tokenId)?.bids.length).toBeGreaterThan(0);
    } finally {
      replay.abort();
      await sandbox.close();
    }
  });

  it('stops after maxEvents with exactly that many events, and records only the markets asked for', async () => {
    const sim = simulateMarkets({ seed: 6, markets: 2, startMs: Date.UTC(2026, 1, 1), stepMs: 60_000, steps: 60 });
    const sandbox = await startSandboxServer({ port: 0 });
    const replay = new AbortController();
    try {
      sandbox.venue.addMarkets(sim.markets);
      const all = [...sim.events];
      for (const e of all.filter((e) => e.type === 'listed')) sandbox.venue.applyEvent(e);
      const chosen = sim.markets[1]?.marketId as string;
      const out = join(dir, 'recorded-max.jsonl.gz');
      const recording = runDataRecord({
        wsUrl: sandbox.urls.wsMarket,
        clobUrl: sandbox.urls.clob,
        gammaUrl: sandbox.urls.gamma,
        out,
        markets: [chosen, '0xnot-a-market'],
        maxEvents: 15,
        seconds: 20,
        reorderWindowMs: 0,
        stopOnSigint: false,
      });
      await new Promise((r) => setTimeout(r, 300));
      const replaying = replayInto({ venue: sandbox.venue, events: all.filter((e) => e.type !== 'listed'), speed: 2_000, signal: replay.signal });
      const result = await recording;
      replay.abort();
      await replaying;
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toMatch(/wrote .*: 15 events .*stopped: 15 events recorded/);
      expect(result.stdout).toContain('not found on Gamma (or closed): 0xnot-a-market');
      const { markets, events } = await collect(out);
      expect(markets).toBe(1);
      expect(events).toHaveLength(15);
      expect(new Set(events.map((e) => e.marketId))).toEqual(new Set([chosen]));
    } finally {
      replay.abort();
      await sandbox.close();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
