import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { divRound, formatMicros } from '@floor/domain';
import type { BacktestReport, BacktestResult, EquityPoint } from './backtest.js';
import type { BacktestTrade } from './sim-executor.js';

/**
 * The ways a backtest result leaves the process: a text report for people, JSON for machines (bigints as decimal
 * strings, the wire form), a trades CSV and an equity-curve SVG. The renderers are pure; the writers do the I/O.
 */

/** USD rounded to the cent, e.g. `-$412.60`. */
export function formatUsd(micros: bigint): string {
  const cents = divRound(micros < 0n ? -micros : micros, 10_000n, 'halfUp');
  return `${micros < 0n ? '-' : ''}$${formatMicros(cents * 10_000n, 2)}`;
}
const pct = (fraction: number): string => `${(fraction * 100).toFixed(2)}%`;
const ratio = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(2));
const isoTime = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

export function renderReport(result: Pick<BacktestResult, 'report'>): string {
  const r = result.report;
  const lines = [
    `Backtest: ${r.agentId} (strategy ${r.strategy})`,
    `  period          ${isoTime(r.fromMs)} → ${isoTime(r.toMs)}, ${r.events.toLocaleString('en-US')} events, ${r.markets.seen} markets (${r.markets.resolved} resolved, ${r.markets.traded} traded)`,
    `  capital         ${formatUsd(r.capitalMicros)} → ${formatUsd(r.finalEquityMicros)} (open positions marked at the mid)`,
    `  PnL             ${formatUsd(r.pnlMicros)} (${pct(r.returnFraction)}); realized ${formatUsd(r.realizedPnlMicros)} before fees, unrealized ${formatUsd(r.unrealizedPnlMicros)}`,
    `  fees            ${formatUsd(r.feesMicros)}`,
    `  Sharpe          ${ratio(r.sharpe)}   Sortino ${ratio(r.sortino)}   (per-${r.period.label} equity returns, ${r.period.returns} periods, annualised over 365 days)`,
    `  max drawdown    ${formatUsd(r.maxDrawdownMicros)} (${pct(r.maxDrawdownFraction)} of the peak)`,
    `  trades          ${r.tradeCount} fills, ${r.settlementCount} settlements; orders ${formatCounts(r.orders)}`,
    `  round trips     ${r.roundTrips.closed} closed, ${r.roundTrips.wins} won, ${r.roundTrips.losses} lost, win rate ${r.roundTrips.winRate === null ? 'n/a' : pct(r.roundTrips.winRate)}`,
    `  exposure        average ${formatUsd(r.exposure.averageMicros)}, max ${formatUsd(r.exposure.maxMicros)} (${pct(r.exposure.maxFractionOfEquity)} of equity)`,
    `  ledger          cash ${formatUsd(r.ledger.cashMicros)} + positions at cost ${formatUsd(r.ledger.positionsAtCostMicros)} = capital − fees + realized: ${r.ledger.identityHolds ? 'holds' : 'BROKEN'}; kernel mirror ${r.ledger.kernelAgrees ? 'agrees' : 'DIVERGED'}`,
  ];
  const drops = formatCounts(r.drops);
  if (drops) lines.push(`  refused drafts  ${drops}`);
  if (r.unansweredForecastRequests > 0) lines.push(`  forecasts       ${r.unansweredForecastRequests} requests unanswered (no forecast port)`);
  if (r.fault) lines.push(`  FAULT           ${r.fault}`);
  if (r.forecasts) {
    const f = r.forecasts;
    lines.push(
      `  forecasts       ${f.count} from ${f.source}, ${f.scored} scored against resolutions; Brier ${f.brier === null ? 'n/a' : f.brier.toFixed(4)} (0.25 = always 50%)`,
      `                  budget/cooldown skipped ${formatCounts(f.broker.skipped) || 'none'}; model cost ${formatUsd(f.broker.costMicros)}`,
      '  calibration     forecast bucket   n     mean forecast   observed YES rate',
      ...f.calibration
        .filter((b) => b.count > 0)
        .map((b) => `                  ${b.from.toFixed(1)}–${b.to.toFixed(1)}       ${String(b.count).padStart(5)}   ${b.meanProbability.toFixed(3).padStart(13)}   ${b.observedRate.toFixed(3).padStart(17)}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function formatCounts(counts: Readonly<Record<string, number | undefined>>): string {
  return Object.entries(counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** The result as JSON: report, orders, trades and equity curve, with bigints as decimal strings. */
export function resultToJson(result: BacktestResult): string {
  const body = { report: result.report, orders: result.orders, trades: result.trades, equity: result.equity, roundTrips: result.roundTrips };
  return `${JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

const CSV_COLUMNS = ['seq', 'time', 'kind', 'fill_id', 'intent_id', 'market_id', 'token_id', 'outcome', 'side', 'price', 'size', 'fee', 'cash_delta', 'realized_pnl', 'reason'] as const;

/** Trades as CSV: one row per fill, amounts in USD / shares with six decimals, times in ISO 8601. */
export function tradesCsv(trades: readonly BacktestTrade[]): string {
  const rows = trades.map((t) =>
    [
      String(t.seq),
      new Date(t.tsMs).toISOString(),
      t.kind,
      t.fillId,
      t.intentId ?? '',
      t.marketId,
      t.tokenId,
      t.outcome,
      t.side,
      formatMicros(t.priceMicros, 6),
      formatMicros(t.sizeMicros, 6),
      formatMicros(t.feeMicros, 6),
      formatMicros(t.cashDeltaMicros, 6),
      formatMicros(t.realizedPnlMicros, 6),
      t.reason,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export async function writeTradesCsv(path: string, trades: readonly BacktestTrade[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, tradesCsv(trades), 'utf8');
}

const SVG = { width: 960, height: 420, left: 90, right: 24, top: 48, bottom: 56 } as const;

/**
 * The equity curve as a standalone SVG (opens in any browser): a polyline over time, a dashed line at the starting
 * capital, five labelled ticks on each axis. Hand-written, no chart library.
 */
export function equitySvg(equity: readonly EquityPoint[], opts: { title: string; capitalMicros: bigint }): string {
  const plotW = SVG.width - SVG.left - SVG.right;
  const plotH = SVG.height - SVG.top - SVG.bottom;
  const points = equity.length > 0 ? equity : [{ tsMs: 0, equityMicros: opts.capitalMicros, cashMicros: opts.capitalMicros, exposureMicros: 0n }];
  const t0 = points[0]?.tsMs ?? 0;
  const t1 = Math.max(points[points.length - 1]?.tsMs ?? 0, t0 + 1);
  const values = [...points.map((p) => Number(p.equityMicros) / 1e6), Number(opts.capitalMicros) / 1e6];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-6) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (ts: number) => SVG.left + ((ts - t0) / (t1 - t0)) * plotW;
  const y = (v: number) => SVG.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const polyline = points.map((p) => `${f(x(p.tsMs))},${f(y(Number(p.equityMicros) / 1e6))}`).join(' ');
  const capitalY = y(Number(opts.capitalMicros) / 1e6);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const yTicks = ticks.map((k) => {
    const v = lo + k * (hi - lo);
    return `<line x1="${SVG.left - 5}" x2="${SVG.left + plotW}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e7eb"/><text x="${SVG.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}</text>`;
  });
  const xTicks = ticks.map((k) => {
    const ts = t0 + k * (t1 - t0);
    return `<line x1="${f(x(ts))}" x2="${f(x(ts))}" y1="${SVG.top + plotH}" y2="${SVG.top + plotH + 5}" stroke="#374151"/><text x="${f(x(ts))}" y="${SVG.top + plotH + 20}" text-anchor="middle">${new Date(ts).toISOString().slice(0, 16).replace('T', ' ')}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SVG.width}" height="${SVG.height}" viewBox="0 0 ${SVG.width} ${SVG.height}" font-family="system-ui, sans-serif" font-size="12" fill="#111827">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${SVG.left}" y="28" font-size="16" font-weight="600">${escapeXml(opts.title)}</text>`,
    ...yTicks,
    ...xTicks,
    `<line x1="${SVG.left}" x2="${SVG.left}" y1="${SVG.top}" y2="${SVG.top + plotH}" stroke="#374151"/>`,
    `<line x1="${SVG.left}" x2="${SVG.left + plotW}" y1="${SVG.top + plotH}" y2="${SVG.top + plotH}" stroke="#374151"/>`,
    `<line x1="${SVG.left}" x2="${SVG.left + plotW}" y1="${f(capitalY)}" y2="${f(capitalY)}" stroke="#9ca3af" stroke-dasharray="4 4"/>`,
    `<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${polyline}"/>`,
    `<text x="${SVG.left + plotW / 2}" y="${SVG.height - 12}" text-anchor="middle">time (UTC)</text>`,
    `<text transform="translate(16 ${SVG.top + plotH / 2}) rotate(-90)" text-anchor="middle">equity, USD (marked at the mid)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function writeEquitySvg(path: string, result: Pick<BacktestResult, 'equity'> & { report: Pick<BacktestReport, 'agentId' | 'strategy' | 'capitalMicros'> }): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const title = `${result.report.agentId} (${result.report.strategy}): equity`;
  await writeFile(path, equitySvg(result.equity, { title, capitalMicros: result.report.capitalMicros }), 'utf8');
}

/**
 * A progress line on stderr, rewritten in place, only when stderr is a terminal (never in pipes, logs or CI).
 * Percentage by markets resolved out of those selected, with the event count beside it.
 */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): { update(p: { events: number; marketsResolved: number; marketsTotal: number }): void; done(): void } {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update(p) {
      const percent = p.marketsTotal > 0 ? Math.floor((100 * p.marketsResolved) / p.marketsTotal) : 0;
      stream.write(`\r\x1b[2Kbacktest ${String(percent).padStart(3)}%  ${p.marketsResolved}/${p.marketsTotal} markets resolved, ${p.events.toLocaleString('en-US')} events`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
