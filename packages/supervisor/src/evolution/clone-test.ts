import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { runBacktest } from '@floor/backtest';
import { returnMoments, sharpeRatio, type Backtest, type EvolutionConfig } from '@floor/evolution';
import { readDataset } from '@floor/sim';
import type { CloneTest } from './period.js';

/**
 * The clone's test before it starts: the same strategy code, through the backtester, over recorded data
 * (`evolution.cloneTestDataset`), with the capital it would start with (its probation capital). Its Sharpe is
 * per closed trade, from the trades' PnL, comparable with the per-trade Sharpes the Boss judges agents on when
 * stakes are steady. Without a readable dataset every clone is refused, with that reason.
 */
export async function cloneTestFor(opts: {
  config: EvolutionConfig;
  /** the repo root the dataset path is relative to */
  root: string;
  capitalMicros: bigint;
  validateParams: (strategy: string, params: Record<string, unknown>) => Record<string, unknown>;
}): Promise<CloneTest & { dataset: string }> {
  const { cloneTestDataset, cloneTestWindowMs } = opts.config;
  if (!cloneTestDataset) return { ok: false, reason: 'no clone-test dataset is configured (evolution.cloneTestDataset)', dataset: '' };
  const path = isAbsolute(cloneTestDataset) ? cloneTestDataset : join(opts.root, cloneTestDataset);
  if (!existsSync(path)) return { ok: false, reason: `the clone-test dataset ${cloneTestDataset} does not exist`, dataset: cloneTestDataset };
  let opened: Awaited<ReturnType<typeof readDataset>>;
  try {
    opened = await readDataset(path);
  } catch (err) {
    return { ok: false, reason: `the clone-test dataset ${cloneTestDataset} cannot be read: ${(err as Error).message}`, dataset: cloneTestDataset };
  }
  // "recent data": the window is counted back from the dataset's last event
  let fromMs: number | undefined;
  if (cloneTestWindowMs > 0) {
    let lastMs = -Infinity;
    for await (const e of opened.events) lastMs = e.tsEventMs;
    if (Number.isFinite(lastMs)) fromMs = lastMs - cloneTestWindowMs;
  }
  const run: Backtest = async (child) => {
    const { report, roundTrips } = await runBacktest({
      spec: { agentId: child.agentId, strategy: child.strategy, resolvedParams: opts.validateParams(child.strategy, { ...child.params }) },
      events: opened.events,
      markets: opened.header.markets,
      capitalMicros: opts.capitalMicros,
      ...(fromMs !== undefined ? { fromMs } : {}),
    });
    const moments = returnMoments(roundTrips.map((t) => Number(t.pnlMicros)));
    return { sharpe: round(sharpeRatio(moments)), trades: roundTrips.length, pnlMicros: report.pnlMicros };
  };
  return { ok: true, run, dataset: cloneTestDataset };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
