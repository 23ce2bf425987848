import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { parseStrategyFile, type AgentSpec } from '@floor/config';
import { describeIssues, numberToMicros, type MarketEvent, type MarketInfo } from '@floor/domain';
import type { ForecastPort } from '@floor/llm';
import { readDataset, type OpenedDataset } from '@floor/sim';
import { aiForecast, validateStrategyParams } from '@floor/strategies';
import { DAY_MS, HOUR_MS, runBacktest } from './backtest.js';
import { noisyOraclePort, outcomesOf } from './oracle-port.js';
import { renderReport, resultToJson, ttyProgress, writeEquitySvg, writeTradesCsv } from './report.js';
import { parseGrid, renderSweep, runSweep, SweepError } from './sweep.js';

/**
 * `floor backtest` and `floor sweep` as functions: parsed options in, `{ exitCode, stdout, stderr }` out (plus the
 * files under `--out`). apps/cli owns the commander definitions and prints the strings; everything else is here.
 * Exit codes: 0 done, 1 the run failed (bad data, strategy fault, broken ledger), 2 bad options or strategy file.
 */

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const TimeOption = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not an ISO date (2025-01-07, 2025-01-07T12:00Z) or epoch ms` });
      return z.NEVER;
    }
    return ms;
  });

const PeriodOption = z
  .string()
  .regex(/^\d+(m|h|d)$/, "a period like '15m', '1h' or '1d'")
  .transform((s) => Number(s.slice(0, -1)) * { m: 60_000, h: HOUR_MS, d: DAY_MS }[s.slice(-1) as 'm' | 'h' | 'd']);

const CommonOptions = {
  /** a strategy file, e.g. config/strategies/momentum-fast.yaml */
  strategy: z.string().min(1),
  /** a floor-dataset file, e.g. data/demo.jsonl.gz */
  data: z.string().min(1),
  from: TimeOption.optional(),
  to: TimeOption.optional(),
  /** starting capital in USD (default 1,000) */
  capitalUsd: z.coerce.number().positive().default(1_000),
  /** Sharpe/Sortino return period and equity-curve spacing (default 1h) */
  period: PeriodOption.default(HOUR_MS),
  /** seed of the backtest forecast oracle (AI strategies only) */
  oracleSeed: z.coerce.number().int().default(1),
  json: z.boolean().default(false),
};

export const BacktestCommandOptions = z.object({
  ...CommonOptions,
  /** a directory for report.txt, report.json, trades.csv and equity.svg */
  out: z.string().min(1).optional(),
});
export type BacktestCommandOptions = z.input<typeof BacktestCommandOptions>;

export const SweepCommandOptions = z.object({
  ...CommonOptions,
  /** e.g. 'lookback=5,10,20;thresholdBps=50,100' */
  grid: z.string().min(1),
  folds: z.coerce.number().int().min(1).max(20).default(4),
});
export type SweepCommandOptions = z.input<typeof SweepCommandOptions>;

class UsageError extends Error {}

export async function runBacktestCommand(raw: BacktestCommandOptions, io: { stderr?: NodeJS.WriteStream } = {}): Promise<CommandResult> {
  return guarded(async () => {
    const opts = parseOptions(BacktestCommandOptions, raw);
    const spec = await loadSpec(opts.strategy);
    const dataset = await readDataset(opts.data);
    const port = await backtestForecastPort(spec, dataset, opts.oracleSeed);
    const progress = ttyProgress(io.stderr);
    const result = await runBacktest({
      spec,
      events: dataset.events,
      markets: dataset.header.markets,
      capitalMicros: numberToMicros(opts.capitalUsd),
      periodMs: opts.period,
      ...(opts.from !== undefined ? { fromMs: opts.from } : {}),
      ...(opts.to !== undefined ? { toMs: opts.to } : {}),
      ...(port ? { forecastPort: port } : {}),
      onProgress: (p) => progress.update(p),
    });
    progress.done();

    const text = `${port ? `${ORACLE_NOTE}\n` : ''}${renderReport(result)}`;
    if (opts.out) {
      await writeTradesCsv(join(opts.out, 'trades.csv'), result.trades);
      await writeEquitySvg(join(opts.out, 'equity.svg'), result);
      await writeFileAt(join(opts.out, 'report.txt'), text);
      await writeFileAt(join(opts.out, 'report.json'), resultToJson(result));
    }
    const files = opts.out ? `wrote ${['report.txt', 'report.json', 'trades.csv', 'equity.svg'].map((f) => join(opts.out as string, f)).join(', ')}\n` : '';
    const broken = !result.report.ledger.identityHolds || !result.report.ledger.kernelAgrees || result.report.fault !== null;
    return {
      exitCode: broken ? 1 : 0,
      stdout: opts.json ? resultToJson(result) : `${text}${files}`,
      stderr: broken ? 'backtest finished with a strategy fault or a ledger mismatch (see the report)\n' : '',
    };
  });
}

export async function runSweepCommand(raw: SweepCommandOptions, io: { stderr?: NodeJS.WriteStream } = {}): Promise<CommandResult> {
  return guarded(async () => {
    const opts = parseOptions(SweepCommandOptions, raw);
    const grid = parseGrid(opts.grid);
    const spec = await loadSpec(opts.strategy);
    const dataset = await readDataset(opts.data);
    const events: MarketEvent[] = [];
    for await (const e of dataset.events) events.push(e);
    const port = await backtestForecastPort(spec, { header: dataset.header, events }, opts.oracleSeed);
    const stream = io.stderr ?? process.stderr;
    const result = await runSweep({
      spec: { agentId: spec.agentId, strategy: spec.strategy, params: spec.params, markets: spec.markets },
      grid,
      folds: opts.folds,
      events,
      markets: dataset.header.markets,
      capitalMicros: numberToMicros(opts.capitalUsd),
      periodMs: opts.period,
      validate: validateStrategyParams,
      ...(opts.from !== undefined ? { fromMs: opts.from } : {}),
      ...(opts.to !== undefined ? { toMs: opts.to } : {}),
      ...(port ? { forecastPort: port } : {}),
      onRun: (done, total) => {
        if (stream.isTTY) stream.write(done === total ? '\r\x1b[2K' : `\r\x1b[2Ksweep ${Math.floor((100 * done) / total)}% (${done}/${total} runs)`);
      },
    });
    const json = () => `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
    return { exitCode: 0, stdout: opts.json ? json() : `${port ? `${ORACLE_NOTE}\n` : ''}${renderSweep(result)}`, stderr: '' };
  });
}

const ORACLE_NOTE =
  'NOTE: forecasts in this run come from the backtest noisy oracle, which knows the outcomes. It tests the AI agent\'s plumbing, calibration and sizing; its PnL says nothing about real models.';

/**
 * The forecast port of a backtest: for the AI strategy, the seeded noisy oracle over the dataset's outcomes;
 * otherwise none. (Recorded real forecasts would plug in here as another port.)
 */
async function backtestForecastPort(spec: AgentSpec, dataset: Pick<OpenedDataset, 'header'> & { events: AsyncIterable<MarketEvent> | Iterable<MarketEvent> }, seed: number): Promise<ForecastPort | undefined> {
  if (spec.strategy !== aiForecast.name) return undefined;
  const markets = new Map<string, MarketInfo>(dataset.header.markets.map((m) => [m.marketId, m]));
  const outcomes = await outcomesOf(dataset.events, (marketId) => markets.get(marketId)?.tokens[0]?.tokenId);
  return noisyOraclePort({ seed, outcomes });
}

async function loadSpec(file: string): Promise<AgentSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read the strategy file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    return parseStrategyFile(text, file, validateStrategyParams);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`invalid options: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

async function writeFileAt(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text, 'utf8');
}

async function guarded(run: () => Promise<CommandResult>): Promise<CommandResult> {
  try {
    return await run();
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof SweepError;
    return { exitCode: usage ? 2 : 1, stdout: '', stderr: `${(err as Error).message}\n` };
  }
}
