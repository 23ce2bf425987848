import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { stringifyWire, type MarketEvent } from '@floor/domain';
import { DatasetError, readDataset, writeDataset, type SkippedLine } from './dataset.js';
import { simulatedDataset, writeDemoDataset } from './demo.js';

const dir = mkdtempSync(join(tmpdir(), 'floor-dataset-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small = () => simulatedDataset('small', { seed: 3, markets: 2, startMs: Date.UTC(2025, 0, 1), stepMs: 60_000, steps: 240 });

async function collect(events: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** A gzipped dataset from raw lines, to plant bad ones. */
function writeLines(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, gzipSync(`${lines.join('\n')}\n`));
  return path;
}

describe('dataset files', () => {
  it('round-trips a simulated dataset: header and every event come back equal, bigints included', async () => {
    const { header, events, markets } = small();
    const path = join(dir, 'round-trip.jsonl.gz');
    const written = await writeDataset(path, header, events);
    const opened = await readDataset(path);
    expect(opened.header.name).toBe('small');
    expect(opened.header.markets).toEqual(markets);
    const back = await collect(opened.events);
    expect(back).toEqual([...events]);
    expect(back).toHaveLength(written.events);
    // re-iterable: a second pass reads the file again
    expect(await collect(opened.events)).toHaveLength(written.events);
  });

  it('writes the same bytes for the same seed (the demo dataset regenerates byte for byte)', async () => {
    const a = join(dir, 'demo-a.jsonl.gz');
    const b = join(dir, 'demo-b.jsonl.gz');
    const first = await writeDemoDataset(a);
    await writeDemoDataset(b);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(first.markets).toBe(8);
    expect(readFileSync(a).length).toBeLessThan(3 * 1024 * 1024);
  });

  it('reports a bad line with the file, its line number and the zod issue', async () => {
    const { header, events } = small();
    const [listed, book] = [...events];
    const broken = { ...JSON.parse(stringifyWire(book)), bids: [{ priceMicros: 'half', sizeMicros: '1' }] };
    const path = writeLines('bad.jsonl.gz', [stringifyWire(header), stringifyWire(listed), JSON.stringify(broken)]);
    const opened = await readDataset(path);
    const err = await collect(opened.events).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).line).toBe(3);
    expect((err as Error).message).toMatch(new RegExp(`bad\\.jsonl\\.gz:3: invalid market event: .*bids\\.0\\.priceMicros`));
  });

  it('skips and reports bad lines when asked to, keeping the good ones', async () => {
    const { header, events } = small();
    const [listed, book, next] = [...events];
    const path = writeLines('skip.jsonl.gz', [stringifyWire(header), stringifyWire(listed), '{not json', stringifyWire(book), '{"type":"trade"}', stringifyWire(next)]);
    const skipped: SkippedLine[] = [];
    const opened = await readDataset(path, { onBadLine: 'skip', onSkip: (s) => skipped.push(s) });
    const good = await collect(opened.events);
    expect(good.map((e) => e.eventId)).toEqual([listed, book, next].map((e) => e!.eventId));
    expect(skipped.map((s) => s.line)).toEqual([3, 5]);
    expect(skipped[0]!.reason).toMatch(/not JSON/);
  });

  it('names the file when it is missing or its header is not a floor dataset', async () => {
    await expect(readDataset(join(dir, 'nope.jsonl.gz'))).rejects.toThrow(/nope\.jsonl\.gz: cannot open dataset \(ENOENT\)/);
    const path = writeLines('headless.jsonl.gz', ['{"format":"csv"}']);
    await expect(readDataset(path)).rejects.toThrow(/headless\.jsonl\.gz:1: not a floor-dataset v1 header: format/);
  });

  it('reports a corrupt gzip stream instead of hanging', async () => {
    const { header, events } = small();
    const good = gzipSync([stringifyWire(header), ...[...events].map((e) => stringifyWire(e))].join('\n'));
    const path = join(dir, 'truncated.jsonl.gz');
    writeFileSync(path, good.subarray(0, Math.floor(good.length / 2)));
    const opened = await readDataset(path);
    await expect(collect(opened.events)).rejects.toThrow(/truncated\.jsonl\.gz: cannot read dataset/);
  });

  it('refuses to write events out of time order or for markets the header does not list', async () => {
    const { header, events } = small();
    const [listed, book] = [...events];
    await expect(writeDataset(join(dir, 'order.jsonl.gz'), header, [book!, { ...listed!, tsEventMs: 0 }])).rejects.toThrow(/order\.jsonl\.gz:3: .*earlier/);
    await expect(writeDataset(join(dir, 'unknown.jsonl.gz'), { ...header, markets: [] }, [listed!])).rejects.toThrow(/does not list/);
  });
});
