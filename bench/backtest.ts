/**
 * `npm run bench:backtest -- [--markets 1000] [--strategy momentum]`
 *
 * A 1,000-market daily-history backtest: markets from the seeded simulator stepped once per sim-day (30–180 days
 * each, listed 8 hours apart, about a year of history in all), generated into memory first, then one backtest
 * through the live kernel and the paper executor. Prints the generation time, the backtest's wall time and
 * events per second, and the report. The wall clock is read here, at the edge, never inside the backtest.
 */
import { parseArgs } from 'node:util';
import type { MarketEvent } from '@floor/domain';
import { dailyHistory, DAY_MS, renderReport, runBacktest } from '@floor/backtest';
import { validateStrategyParams } from '@floor/strategies';

const { values } = parseArgs({
  options: {
    markets: { type: 'string', default: '1000' },
    strategy: { type: 'string', default: 'momentum' },
    seed: { type: 'string', default: '11' },
  },
});
const markets = Number(values.markets);
const strategy = values.strategy;

let t = performance.now();
const history = dailyHistory({ seed: Number(values.seed), markets, startMs: Date.UTC(2024, 0, 1) });
const events: MarketEvent[] = [...history.events];
const generationMs = performance.now() - t;

// daily data: a 3-update lookback is three days; hold up to ten days
const params = strategy === 'momentum' ? { lookback: 3, thresholdBps: 300, maxHoldMs: 10 * DAY_MS, exitBeforeEndMs: DAY_MS, maxOpenPositions: 20 } : {};
t = performance.now();
const result = await runBacktest({
  spec: { agentId: `bench-${strategy}`, strategy, resolvedParams: validateStrategyParams(strategy, params) },
  events,
  markets: history.markets,
  capitalMicros: 10_000_000_000n,
  periodMs: DAY_MS,
});
const wallMs = performance.now() - t;

console.log(`markets ${markets}, events ${events.length.toLocaleString('en-US')} (generated in ${(generationMs / 1000).toFixed(2)} s)`);
console.log(`backtest wall time ${(wallMs / 1000).toFixed(2)} s, ${Math.round(events.length / (wallMs / 1000)).toLocaleString('en-US')} events/s`);
console.log(renderReport(result));
