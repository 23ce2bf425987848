import { formatMicros } from '@floor/domain';
import { countRejections } from '@floor/polymarket';
import type { BuildReport } from './build.js';

/**
 * The human report of a build: one summary line, then what was left out and why, most useful first.
 * Long lists are cut at `maxListed` lines each, with a count of the rest.
 */
export function formatBuildReport(out: string, report: BuildReport, opts: { maxListed?: number } = {}): string {
  const max = opts.maxListed ?? 20;
  const { markets, tokens, points, events } = report;
  const lines: string[] = [];
  lines.push(
    `wrote ${out}: ${markets.taken} markets, ${tokens.taken} tokens with price history, ${points.taken} price points → ` +
      `${events.listed + events.book + events.resolved} events (${events.listed} listed, ${events.book} book, ${events.resolved} resolved)`,
  );
  lines.push(
    `books are synthetic (from /prices-history): one level each side, spread = 1 tick, ${formatMicros(report.levelSizeMicros)} shares per level; ` +
      'the complement token mirrors at 1 − p',
  );

  if (markets.rejected.length > 0) {
    lines.push(`rejected markets: ${markets.rejected.length} (${formatCounts(countRejections(markets.rejected))})`);
    lines.push(
      ...listed(markets.rejected, max, (r) => `  - ${r.gammaId ?? r.marketId ?? '?'}${r.question ? ` ${JSON.stringify(r.question)}` : ''}: ${r.reason}: ${r.detail}`),
    );
  }
  if (markets.duplicates > 0) lines.push(`duplicate markets skipped: ${markets.duplicates} (same condition id seen again)`);
  if (tokens.rejected.length > 0) {
    lines.push(`rejected price histories: ${tokens.rejected.length} (${formatCounts(countBy(tokens.rejected, (r) => r.reason))})`);
    lines.push(...listed(tokens.rejected, max, (r) => `  - token ${r.tokenId} (${r.source}): ${r.reason}: ${r.detail}`));
  }
  const pointRejections = Object.values(points.rejected).reduce((a, b) => a + (b ?? 0), 0);
  if (pointRejections > 0) lines.push(`rejected price points: ${pointRejections} (${formatCounts(points.rejected)})`);
  if (points.resorted.length > 0) {
    lines.push(`histories not in time order (sorted): ${points.resorted.length}`);
    lines.push(...listed(points.resorted, max, (r) => `  - ${r.source}: points out of order: ${r.outOfOrder}`));
  }
  if (markets.withoutHistory.length > 0) {
    lines.push(`markets without price history (listed only): ${markets.withoutHistory.length}`);
    lines.push(...listed(markets.withoutHistory, max, (id) => `  - ${id}`));
  }
  if (markets.unresolvedClosed.length > 0) {
    lines.push(`closed markets without a resolved event: ${markets.unresolvedClosed.length}`);
    lines.push(...listed(markets.unresolvedClosed, max, (m) => `  - ${m.marketId}: ${m.why}`));
  }
  if (markets.warnings.length > 0) {
    lines.push(`warnings: ${markets.warnings.length}`);
    lines.push(...listed(markets.warnings, max, (w) => `  - ${w.marketId}: ${w.warning}`));
  }
  return `${lines.join('\n')}\n`;
}

/** "not_binary 2, no_order_book 1", largest first. */
export function formatCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function listed<T>(items: readonly T[], max: number, line: (item: T) => string): string[] {
  const shown = items.slice(0, max).map(line);
  return items.length > max ? [...shown, `  … and ${items.length - max} more`] : shown;
}
