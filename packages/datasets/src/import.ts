import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GammaMarket, GammaRejection } from '@floor/polymarket';
import { writeDataset } from '@floor/sim';
import { buildDataset, type HistoryInput } from './build.js';
import { datasetNameOf, failed, usage, type CommandResult } from './command.js';
import { classifyInput, InputShapeError, tokenIdFromFileName } from './inputs.js';
import { formatBuildReport } from './report.js';

/**
 * `floor data import <file>...`: Gamma `/markets` dumps and `/prices-history` files → one dataset.
 * See build.ts for what the dataset holds and inputs.ts for the file shapes recognised.
 */
export interface DataImportOptions {
  readonly files: readonly string[];
  /** the token of the (single) prices-history file, when its name does not say */
  readonly tokenId?: string;
  readonly out: string;
  /** dataset name; default the output file's name */
  readonly name?: string;
  /** size of each synthetic book level, in share micros; default 1,000 shares */
  readonly levelSizeMicros?: bigint;
  /** clock for the header's `createdAtMs` (tests pin it) */
  readonly now?: () => number;
}

export async function runDataImport(opts: DataImportOptions): Promise<CommandResult> {
  if (opts.files.length === 0) return usage('floor data import: give at least one file (Gamma /markets JSON and /prices-history JSON)');

  const markets: GammaMarket[] = [];
  const rejectedMarkets: GammaRejection[] = [];
  const histories: Array<{ file: string; points: readonly unknown[] }> = [];
  for (const file of opts.files) {
    const loaded = await loadJson(file);
    if (!loaded.ok) return failed(loaded.message);
    try {
      const input = classifyInput(loaded.json);
      if (input.kind === 'gamma') {
        markets.push(...input.batch.accepted);
        rejectedMarkets.push(...input.batch.rejected);
      } else {
        histories.push({ file, points: input.points });
      }
    } catch (err) {
      if (err instanceof InputShapeError) return failed(`${file}: ${err.message}`);
      throw err;
    }
  }

  if (opts.tokenId !== undefined && histories.length !== 1) {
    return usage(`--token names the token of one prices-history file, but ${histories.length} were given; name each file <tokenId>.json instead`);
  }
  const withTokens: HistoryInput[] = [];
  for (const history of histories) {
    const tokenId = opts.tokenId ?? tokenIdFromFileName(history.file);
    if (tokenId === null) {
      return failed(`${history.file}: cannot tell which token this price history is for; name it <tokenId>.json or prices-history-<tokenId>.json, or pass --token`);
    }
    withTokens.push({ source: history.file, tokenId, points: history.points });
  }
  if (markets.length === 0) {
    const why = rejectedMarkets.length > 0 ? `all ${rejectedMarkets.length} Gamma markets were rejected` : 'no Gamma /markets file among the inputs';
    return failed(`floor data import: no usable markets (${why}); the markets say which market each token belongs to`);
  }

  const built = buildDataset({
    name: opts.name ?? datasetNameOf(opts.out),
    generator: `floor data import (${opts.files.length} files)`,
    createdAtMs: (opts.now ?? Date.now)(),
    markets,
    rejectedMarkets,
    histories: withTokens,
    ...(opts.levelSizeMicros !== undefined ? { levelSizeMicros: opts.levelSizeMicros } : {}),
  });
  try {
    await mkdir(dirname(opts.out), { recursive: true });
    await writeDataset(opts.out, built.header, built.events);
  } catch (err) {
    return failed(`${opts.out}: cannot write the dataset: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { exitCode: 0, stdout: formatBuildReport(opts.out, built.report) };
}

type Loaded = { ok: true; json: unknown } | { ok: false; message: string };

async function loadJson(file: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { ok: false, message: `${file}: cannot read (${code})` };
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}
