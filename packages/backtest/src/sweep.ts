import type { MarketEvent, MarketInfo } from '@floor/domain';
import type { ForecastPort } from '@floor/llm';
import type { AnyStrategy } from '@floor/strategies';
import { runBacktest, type BacktestReport, type BacktestSpec } from './backtest.js';
import { formatUsd } from './report.js';

/**
 * Parameter sweeps with walk-forward validation. Every combination of the grid is validated against the strategy's
 * schema (bounds included) before anything runs. The data's time span is cut into `folds + 1` equal segments; fold
 * i trains on segments 0..i−1 and tests on segment i. Combinations are ranked by their mean out-of-sample Sharpe
 * only: in-sample figures are shown beside them, as the warning they are, and never used to rank.
 */

export type GridValue = number | boolean | string;

export interface GridAxis {
  /** a param name; dotted for a nested one, e.g. `llm.minEdgeBps` */
  readonly key: string;
  readonly values: readonly GridValue[];
}

/** Parses `lookback=5,10,20;thresholdBps=50,100`. Numbers and booleans are typed; anything else stays a string. */
export function parseGrid(text: string): GridAxis[] {
  const axes = text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part): GridAxis => {
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      const values = eq > 0 ? part.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean) : [];
      if (!key || values.length === 0) throw new SweepError(`grid: '${part}' is not name=value,value,…`);
      return { key, values: values.map(parseValue) };
    });
  if (axes.length === 0) throw new SweepError('grid: empty; expected e.g. lookback=5,10;thresholdBps=50,100');
  const keys = axes.map((a) => a.key);
  const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
  if (repeated) throw new SweepError(`grid: '${repeated}' appears twice`);
  return axes;
}

function parseValue(raw: string): GridValue {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  return raw !== '' && Number.isFinite(n) ? n : raw;
}

export class SweepError extends Error {
  override readonly name = 'SweepError';
}

/** Every combination of the axes, the first axis varying slowest. */
export function gridCombinations(axes: readonly GridAxis[]): Array<Record<string, GridValue>> {
  return axes.reduce<Array<Record<string, GridValue>>>(
    (combos, axis) => combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v }))),
    [{}],
  );
}

/** `params` with each override written at its (possibly dotted) key. Does not mutate `params`. */
export function withOverrides(params: Record<string, unknown>, overrides: Record<string, GridValue>): Record<string, unknown> {
  const out = structuredClone(params);
  for (const [key, value] of Object.entries(overrides)) {
    const path = key.split('.');
    let node: Record<string, unknown> = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return out;
}

export interface Fold {
  readonly index: number;
  readonly trainFromMs: number;
  readonly trainToMs: number;
  readonly testFromMs: number;
  readonly testToMs: number;
}

/** Walk-forward folds over [fromMs, toMs]: `folds + 1` equal segments, fold i trains on 0..i−1 and tests on i. */
export function walkForwardFolds(fromMs: number, toMs: number, folds: number): Fold[] {
  if (!Number.isInteger(folds) || folds < 1) throw new SweepError('folds must be a positive integer');
  if (!(toMs > fromMs)) throw new SweepError('the data spans no time');
  const segmentMs = (toMs - fromMs) / (folds + 1);
  const at = (k: number) => (k === folds + 1 ? toMs + 1 : Math.round(fromMs + k * segmentMs));
  return Array.from({ length: folds }, (_, i) => ({
    index: i + 1,
    trainFromMs: fromMs,
    trainToMs: at(i + 1),
    testFromMs: at(i + 1),
    testToMs: at(i + 2),
  }));
}

export interface FoldScore {
  readonly fold: number;
  readonly inSampleSharpe: number | null;
  readonly outOfSampleSharpe: number | null;
  readonly outOfSamplePnlMicros: bigint;
  readonly outOfSampleTrades: number;
}

export interface SweepRow {
  /** 1 = best out-of-sample */
  readonly rank: number;
  readonly overrides: Record<string, GridValue>;
  /** mean over folds; a fold whose Sharpe is undefined (no variation, e.g. no trades) counts as 0 */
  readonly outOfSampleSharpe: number;
  readonly inSampleSharpe: number;
  readonly outOfSamplePnlMicros: bigint;
  readonly folds: readonly FoldScore[];
}

export interface SweepResult {
  readonly strategy: string;
  readonly folds: readonly Fold[];
  /** best out-of-sample first */
  readonly rows: readonly SweepRow[];
  /** walk-forward selection: per fold, the combination best in sample and how it then did out of sample */
  readonly selection: ReadonlyArray<{ readonly fold: number; readonly overrides: Record<string, GridValue>; readonly outOfSampleSharpe: number | null }>;
}

export interface RunSweepOptions {
  readonly spec: Omit<BacktestSpec, 'resolvedParams'> & { readonly params: Record<string, unknown> };
  readonly grid: readonly GridAxis[];
  readonly folds: number;
  /** the data, in time order; held in memory because every run reads it again */
  readonly events: readonly MarketEvent[];
  readonly markets?: readonly MarketInfo[];
  readonly capitalMicros: bigint;
  readonly periodMs?: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  /** validates params against the strategy's schema and fills defaults (`validateStrategyParams`) */
  readonly validate: (strategy: string, params: Record<string, unknown>) => Record<string, unknown>;
  readonly forecastPort?: ForecastPort;
  readonly strategy?: AnyStrategy;
  readonly onRun?: (done: number, total: number) => void;
}

export async function runSweep(opts: RunSweepOptions): Promise<SweepResult> {
  const combos = gridCombinations(opts.grid).map((overrides) => {
    try {
      return { overrides, params: opts.validate(opts.spec.strategy, withOverrides(opts.spec.params, overrides)) };
    } catch (err) {
      throw new SweepError(`grid combination ${describe(overrides)} is invalid: ${(err as Error).message}`);
    }
  });
  const first = opts.events.find((e) => opts.fromMs === undefined || e.tsEventMs >= opts.fromMs);
  const last = [...opts.events].reverse().find((e) => opts.toMs === undefined || e.tsEventMs < opts.toMs);
  if (!first || !last) throw new SweepError('no events in the chosen time range');
  const folds = walkForwardFolds(first.tsEventMs, last.tsEventMs, opts.folds);

  const total = combos.length * folds.length * 2;
  let done = 0;
  const run = async (params: Record<string, unknown>, fromMs: number, toMs: number): Promise<BacktestReport> => {
    const { report } = await runBacktest({
      spec: { ...opts.spec, resolvedParams: params },
      events: opts.events,
      ...(opts.markets ? { markets: opts.markets } : {}),
      capitalMicros: opts.capitalMicros,
      fromMs,
      toMs,
      ...(opts.periodMs !== undefined ? { periodMs: opts.periodMs } : {}),
      ...(opts.forecastPort ? { forecastPort: opts.forecastPort } : {}),
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
    });
    done += 1;
    opts.onRun?.(done, total);
    return report;
  };

  const scored: Array<Omit<SweepRow, 'rank'> & { order: number }> = [];
  for (const [order, combo] of combos.entries()) {
    const foldScores: FoldScore[] = [];
    for (const fold of folds) {
      const train = await run(combo.params, fold.trainFromMs, fold.trainToMs);
      const test = await run(combo.params, fold.testFromMs, fold.testToMs);
      foldScores.push({
        fold: fold.index,
        inSampleSharpe: train.sharpe,
        outOfSampleSharpe: test.sharpe,
        outOfSamplePnlMicros: test.pnlMicros,
        outOfSampleTrades: test.tradeCount,
      });
    }
    scored.push({
      order,
      overrides: combo.overrides,
      outOfSampleSharpe: meanOrZero(foldScores.map((f) => f.outOfSampleSharpe)),
      inSampleSharpe: meanOrZero(foldScores.map((f) => f.inSampleSharpe)),
      outOfSamplePnlMicros: foldScores.reduce((s, f) => s + f.outOfSamplePnlMicros, 0n),
      folds: foldScores,
    });
  }

  // out-of-sample Sharpe only; ties keep grid order so the ranking is deterministic
  const rows = [...scored]
    .sort((a, b) => b.outOfSampleSharpe - a.outOfSampleSharpe || a.order - b.order)
    .map(({ order: _order, ...row }, i) => ({ rank: i + 1, ...row }));

  const selection = folds.map((fold, i) => {
    const best = [...scored].sort((a, b) => (b.folds[i]?.inSampleSharpe ?? -Infinity) - (a.folds[i]?.inSampleSharpe ?? -Infinity) || a.order - b.order)[0];
    return { fold: fold.index, overrides: best?.overrides ?? {}, outOfSampleSharpe: best?.folds[i]?.outOfSampleSharpe ?? null };
  });
  return { strategy: opts.spec.strategy, folds, rows, selection };
}

function meanOrZero(values: ReadonlyArray<number | null>): number {
  if (values.length === 0) return 0;
  return values.reduce<number>((s, v) => s + (v ?? 0), 0) / values.length;
}

function describe(overrides: Record<string, GridValue>): string {
  return Object.entries(overrides)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** The ranking table, best out-of-sample first, and the walk-forward selection per fold. */
export function renderSweep(result: SweepResult): string {
  const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
  const header = ['rank', 'params', 'OOS Sharpe', 'IS Sharpe', 'OOS PnL', ...result.folds.map((f) => `fold ${f.index} OOS`)];
  const body = result.rows.map((r) => [
    String(r.rank),
    describe(r.overrides),
    r.outOfSampleSharpe.toFixed(2),
    r.inSampleSharpe.toFixed(2),
    formatUsd(r.outOfSamplePnlMicros),
    ...r.folds.map((f) => fmt(f.outOfSampleSharpe)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return [
    `Sweep: ${result.strategy}, ${result.rows.length} combinations, ${result.folds.length} walk-forward folds (train on earlier segments, test on the next)`,
    ...result.folds.map((f) => `  fold ${f.index}: train ${day(f.trainFromMs)} → ${day(f.trainToMs)}, test → ${day(f.testToMs)}`),
    'Ranked by mean out-of-sample Sharpe (IS = in-sample, shown for contrast, not used to rank):',
    line(header),
    ...body.map(line),
    'Walk-forward selection (best in sample per fold, then out of sample):',
    ...result.selection.map((s) => `  fold ${s.fold}: ${describe(s.overrides)} → OOS Sharpe ${fmt(s.outOfSampleSharpe)}`),
    '',
  ].join('\n');
}
