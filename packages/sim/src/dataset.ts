import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { BadMessageError, describeIssues, MarketEvent, MarketInfo, stringifyWire } from '@floor/domain';

/**
 * The floor's own dataset format: gzipped JSON Lines. Line 1 is a header naming the dataset and listing its
 * markets; every further line is one `MarketEvent` in wire form (bigints as decimal strings), in time order.
 * The simulator writes it today; `floor data import/fetch/record` will write it for real data. JSON Lines
 * keeps it streamable and greppable (`zcat data/demo.jsonl.gz | head`), gzip keeps it small.
 */
export const DATASET_FORMAT = 'floor-dataset';

export const DatasetHeader = z.object({
  format: z.literal(DATASET_FORMAT),
  v: z.literal(1),
  name: z.string().min(1),
  createdAtMs: z.number().int().nonnegative(),
  /** what produced it, e.g. "floor-sim seed=7" or "polymarket-fetch" */
  generator: z.string(),
  /** every market an event refers to */
  markets: z.array(MarketInfo),
});
export type DatasetHeader = z.output<typeof DatasetHeader>;
export type DatasetHeaderWire = z.input<typeof DatasetHeader>;

/** A dataset that cannot be read: names the file and, for a bad line, its 1-based line number. */
export class DatasetError extends BadMessageError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`, { file, line }, options);
  }
}

/** A line that was skipped in `onBadLine: 'skip'` mode. */
export interface SkippedLine {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

export interface ReadDatasetOptions {
  /** 'throw' (default) stops at the first bad event line; 'skip' drops it and reports it to `onSkip` */
  readonly onBadLine?: 'throw' | 'skip';
  readonly onSkip?: (skipped: SkippedLine) => void;
}

export interface OpenedDataset {
  readonly header: DatasetHeader;
  /** the events in file order; each iteration reads the file again from the top */
  readonly events: AsyncIterable<MarketEvent>;
}

/**
 * Writes a dataset, streaming: events are serialised as they are pulled, so a long recording never sits in
 * memory. The file appears at `path` only when complete (written beside it, then renamed). Checks on the way
 * that events are in time order and belong to a market of the header. gzip output is deterministic, so the
 * same header and events give the same bytes.
 */
export async function writeDataset(
  path: string,
  header: DatasetHeaderWire,
  events: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
): Promise<{ events: number }> {
  const parsedHeader = DatasetHeader.parse(header);
  const known = new Set(parsedHeader.markets.map((m) => m.marketId));
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${stringifyWire(parsedHeader)}\n`;
    let lastTs = -Infinity;
    let batch: string[] = [];
    for await (const event of events) {
      if (event.tsEventMs < lastTs) throw new DatasetError(path, count + 2, `event ${event.eventId} is earlier than the one before it`);
      if (!known.has(event.marketId)) throw new DatasetError(path, count + 2, `event ${event.eventId} is for market ${event.marketId}, which the header does not list`);
      lastTs = event.tsEventMs;
      count += 1;
      batch.push(stringifyWire(event));
      // joining a few hundred lines per chunk keeps the stream machinery out of the per-event cost
      if (batch.length >= 500) {
        yield `${batch.join('\n')}\n`;
        batch = [];
      }
    }
    if (batch.length > 0) yield `${batch.join('\n')}\n`;
  }
  const partial = `${path}.partial-${process.pid}`;
  try {
    await pipeline(Readable.from(lines()), createGzip({ level: 9 }), createWriteStream(partial));
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return { events: count };
}

/** Reads only the header of a dataset (line 1). */
export async function readDatasetHeader(path: string): Promise<DatasetHeader> {
  const lines = await openLines(path);
  try {
    const first = await lines[Symbol.asyncIterator]().next();
    if (first.done) throw new DatasetError(path, undefined, 'empty file, expected a floor-dataset header on line 1');
    const json = parseJson(first.value);
    if (!json.ok) throw new DatasetError(path, 1, json.reason);
    const parsed = DatasetHeader.safeParse(json.value);
    if (!parsed.success) throw new DatasetError(path, 1, `not a floor-dataset v1 header: ${describeIssues(parsed.error.issues)}`);
    return parsed.data;
  } finally {
    lines.close();
  }
}

/**
 * Opens a dataset: validates the header now and hands back the events as an async iterable that validates
 * each line with zod as it goes. A bad line throws a `DatasetError` naming the file, the line number and the
 * zod issue, unless `onBadLine: 'skip'`. Events out of time order count as bad lines.
 */
export async function readDataset(path: string, opts: ReadDatasetOptions = {}): Promise<OpenedDataset> {
  const header = await readDatasetHeader(path);
  const events: AsyncIterable<MarketEvent> = {
    async *[Symbol.asyncIterator]() {
      const lines = await openLines(path);
      try {
        let lineNo = 0;
        let lastTs = -Infinity;
        for await (const text of lines) {
          lineNo += 1;
          if (lineNo === 1 || text.trim() === '') continue;
          const result = parseEventLine(text, lastTs);
          if (result.ok) {
            lastTs = result.event.tsEventMs;
            yield result.event;
          } else if (opts.onBadLine === 'skip') {
            opts.onSkip?.({ file: path, line: lineNo, reason: result.reason });
          } else {
            throw new DatasetError(path, lineNo, result.reason);
          }
        }
      } finally {
        lines.close();
      }
    },
  };
  return { header, events };
}

type LineResult = { ok: true; event: MarketEvent } | { ok: false; reason: string };

function parseEventLine(text: string, lastTs: number): LineResult {
  const json = parseJson(text);
  if (!json.ok) return json;
  const parsed = MarketEvent.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: `invalid market event: ${describeIssues(parsed.error.issues)}` };
  if (parsed.data.tsEventMs < lastTs) return { ok: false, reason: `tsEventMs ${parsed.data.tsEventMs} is earlier than the line before it (${lastTs})` };
  return { ok: true, event: parsed.data };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
}

/**
 * The text lines of a dataset. gzip is detected by its magic bytes, so a hand-edited plain .jsonl reads too.
 * Errors name the file: opening ones at once, a corrupt or truncated gzip stream while iterating.
 */
async function openLines(path: string): Promise<AsyncIterable<string> & { close(): void }> {
  let gzipped: boolean;
  try {
    const handle = await open(path, 'r');
    try {
      const magic = Buffer.alloc(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      gzipped = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new DatasetError(path, undefined, `cannot open dataset (${code})`, { cause: err });
  }
  const file = createReadStream(path);
  const text = gzipped ? file.pipe(createGunzip()) : file;
  // pipe() does not forward errors: hand a read error to the gunzip stream, whose errors readline rethrows
  if (text !== file) file.on('error', (err) => text.destroy(err));
  const rl = createInterface({ input: text, crlfDelay: Infinity });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for await (const line of rl) yield line;
      } catch (err) {
        throw new DatasetError(path, undefined, `cannot read dataset: ${(err as Error).message}`, { cause: err });
      }
    },
    close() {
      rl.close();
      file.destroy();
      if (text !== file) text.destroy();
    },
  };
}
