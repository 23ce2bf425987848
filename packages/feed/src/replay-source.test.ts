import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifyWire, type MarketEvent } from '@floor/domain';
import { simulatedDataset, writeDataset } from '@floor/sim';
import { ReplaySource, type ReplaySourceOptions } from './replay-source.js';

const dir = mkdtempSync(join(tmpdir(), 'floor-replay-'));
const path = join(dir, 'r.jsonl.gz');
const { header, events } = simulatedDataset('r', { seed: 9, markets: 2, startMs: Date.UTC(2025, 0, 1), stepMs: 60_000, steps: 60 });
const recorded = [...events];

beforeAll(async () => {
  await writeDataset(path, header, recorded);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A replay whose pauses are recorded instead of slept. */
function replay(opts: Partial<ReplaySourceOptions> = {}) {
  const pauses: number[] = [];
  const source = new ReplaySource({
    path,
    speed: 60,
    maxGapMs: 500,
    loop: false,
    sleep: async (ms) => {
      pauses.push(ms);
      return true;
    },
    ...opts,
  });
  return { source, pauses };
}

async function take(source: ReplaySource, n = Infinity): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of source.events()) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

describe('ReplaySource', () => {
  it('plays the dataset in order as source "replay", pausing Δt / speed capped at maxGapMs', async () => {
    const { source, pauses } = replay();
    const played = await take(source);
    expect(played.map((e) => e.eventId)).toEqual(recorded.map((e) => e.eventId));
    expect(played.every((e) => e.source === 'replay')).toBe(true);
    const expected = recorded
      .slice(1)
      .map((e, i) => Math.min((e.tsEventMs - recorded[i]!.tsEventMs) / 60, 500))
      .filter((ms) => ms >= 1);
    expect(pauses).toEqual(expected);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(500);
    expect(source.cursor()).toEqual({ round: 0, index: recorded.length });
  });

  it('resumes after the cursor without repeating events', async () => {
    const first = replay().source;
    const head = await take(first, 40);
    const cursor = first.cursor();
    expect(cursor).toEqual({ round: 0, index: 40 });
    const second = replay().source;
    expect(second.resume(cursor)).toBe(true);
    const tail = await take(second);
    expect([...head, ...tail].map((e) => e.eventId)).toEqual(recorded.map((e) => e.eventId));
    expect(replay().source.resume({ round: 'x' })).toBe(false);
  });

  it('loops with fresh ids per round and timestamps after the previous round', async () => {
    const { source } = replay({ loop: true });
    const played = await take(source, recorded.length * 2 + 1);
    const round1 = played.slice(recorded.length, recorded.length * 2);
    const lastOfRound0 = played[recorded.length - 1]!;
    expect(round1[0]!.tsEventMs).toBeGreaterThan(lastOfRound0.tsEventMs);
    for (const [i, e] of round1.entries()) {
      const original = recorded[i]!;
      expect(e.marketId).toBe(`${original.marketId}-r1`);
      expect(e.eventId).not.toBe(original.eventId);
      expect(e.tsEventMs - original.tsEventMs).toBe(round1[0]!.tsEventMs - recorded[0]!.tsEventMs);
      if (e.type === 'listed') {
        expect(e.market.marketId).toBe(e.marketId);
        expect(e.market.tokens.every((t) => t.tokenId.endsWith('-r1'))).toBe(true);
      }
      if (e.type === 'book' || e.type === 'trade') expect(e.tokenId.endsWith('-r1')).toBe(true);
      if (e.type === 'resolved') expect(e.winningTokenId.endsWith('-r1')).toBe(true);
    }
    expect(played.at(-1)!.marketId.endsWith('-r2')).toBe(true);
    expect(source.cursor()).toEqual({ round: 2, index: 1 });
  });

  it('stops at once when the signal aborts during a pause', async () => {
    const stop = new AbortController();
    const source = new ReplaySource({ path, speed: 1, maxGapMs: 60_000, loop: false });
    const seen: MarketEvent[] = [];
    for await (const e of source.events(stop.signal)) {
      seen.push(e);
      if (seen.length === 3) stop.abort();
    }
    expect(seen).toHaveLength(3);
  });

  it('fails to open, naming the file and line, when the dataset is missing or has a bad line', async () => {
    const open = (file: string) => new ReplaySource({ path: join(dir, file), speed: 1, maxGapMs: 1, loop: false }).open();
    await expect(open('missing.jsonl.gz')).rejects.toThrow(/missing\.jsonl\.gz: cannot open dataset/);
    const lines = [stringifyWire(header), ...recorded.slice(0, 5).map((e) => stringifyWire(e)), '{"v":1,"type":"book"}'];
    writeFileSync(join(dir, 'bad.jsonl.gz'), gzipSync(lines.join('\n')));
    await expect(open('bad.jsonl.gz')).rejects.toThrow(/bad\.jsonl\.gz:7: invalid market event/);
  });
});
