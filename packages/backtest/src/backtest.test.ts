import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_POSITION, fillEffect, type MarketEvent, type MarketInfo, type PositionState } from '@floor/domain';
import { readDataset } from '@floor/sim';
import { aiForecast, AiForecastParams, validateStrategyParams } from '@floor/strategies';
import { DAY_MS, runBacktest, type BacktestResult } from './backtest.js';
import { noisyOraclePort, outcomesOf } from './oracle-port.js';
import { renderReport, resultToJson, tradesCsv, equitySvg } from './report.js';

const DEMO = fileURLToPath(new URL('../../../data/demo.jsonl.gz', import.meta.url));
const CAPITAL = 1_000_000_000n;

let markets: MarketInfo[];
let events: MarketEvent[];

beforeAll(async () => {
  const dataset = await readDataset(DEMO);
  markets = dataset.header.markets;
  events = [];
  for await (const e of dataset.events) events.push(e);
});

function backtest(strategy: string, params: Record<string, unknown> = {}, extra: Partial<Parameters<typeof runBacktest>[0]> = {}): Promise<BacktestResult> {
  return runBacktest({ spec: { strategy, resolvedParams: validateStrategyParams(strategy, params) }, events, markets, capitalMicros: CAPITAL, ...extra });
}

/** Books every trade and settlement again with `fillEffect`, the executor's ledger posting, from nothing. */
function replayLedger(result: BacktestResult) {
  let cash = CAPITAL;
  let fees = 0n;
  let realized = 0n;
  const positions = new Map<string, PositionState>();
  for (const t of result.trades) {
    const effect = fillEffect('backtest', positions.get(t.tokenId) ?? EMPTY_POSITION, t.side, t.priceMicros, t.sizeMicros, t.feeMicros);
    expect(effect.cashDeltaMicros).toBe(t.cashDeltaMicros);
    expect(effect.realizedPnlMicros).toBe(t.realizedPnlMicros);
    cash += effect.cashDeltaMicros;
    fees += t.feeMicros;
    realized += effect.realizedPnlMicros;
    positions.set(t.tokenId, effect.position);
  }
  const atCost = [...positions.values()].reduce((s, p) => s + p.costMicros, 0n);
  return { cash, fees, realized, atCost };
}

describe('runBacktest on the demo dataset', () => {
  it.each(['momentum', 'mean-reversion', 'volume-spike', 'parity-arbitrage'])('%s: runs, reports, and its ledger balances', async (strategy) => {
    const result = await backtest(strategy);
    const r = result.report;
    expect(r.fault).toBeNull();
    expect(r.events).toBe(events.length);
    expect(r.markets).toMatchObject({ seen: 8, resolved: 8 });
    expect(r.ledger).toMatchObject({ identityHolds: true, kernelAgrees: true });
    if (strategy === 'momentum') expect(r.tradeCount).toBeGreaterThan(0);
    expect(renderReport(result)).toContain(`strategy ${strategy}`);

    // the executor's posting, replayed from the trade list, gives the same cash, fees and realized PnL
    const ledger = replayLedger(result);
    expect(ledger.cash).toBe(r.ledger.cashMicros);
    expect(ledger.fees).toBe(r.feesMicros);
    expect(ledger.realized).toBe(r.realizedPnlMicros);
    expect(ledger.cash + ledger.atCost).toBe(CAPITAL - ledger.fees + ledger.realized);
    // every market resolved, so nothing is left open and the PnL is all booked
    expect(r.pnlMicros).toBe(r.realizedPnlMicros - r.feesMicros);
  });

  it('is deterministic: the same input gives the same result, byte for byte', async () => {
    const to = events[0] ? events[0].tsEventMs + 2 * DAY_MS : 0;
    const a = await backtest('momentum', { lookback: 5, thresholdBps: 100 }, { toMs: to });
    const b = await backtest('momentum', { lookback: 5, thresholdBps: 100 }, { toMs: to });
    expect(a.report.tradeCount).toBeGreaterThan(0);
    expect(resultToJson(b)).toBe(resultToJson(a));
    expect(tradesCsv(b.trades)).toBe(tradesCsv(a.trades));
  });

  it('takes an async stream and a time window', async () => {
    const from = (events[0]?.tsEventMs ?? 0) + DAY_MS;
    const to = from + DAY_MS;
    async function* stream() {
      yield* events;
    }
    const result = await runBacktest({ spec: { strategy: 'momentum', resolvedParams: validateStrategyParams('momentum', {}) }, events: stream(), markets, capitalMicros: CAPITAL, fromMs: from, toMs: to });
    expect(result.report.fromMs).toBeGreaterThanOrEqual(from);
    expect(result.report.toMs).toBeLessThan(to);
    expect(result.report.events).toBe(events.filter((e) => e.tsEventMs >= from && e.tsEventMs < to).length);
  });

  it('writes an SVG with a polyline per equity point and labelled axes', async () => {
    const result = await backtest('parity-arbitrage');
    const svg = equitySvg(result.equity, { title: 'parity <test>', capitalMicros: CAPITAL });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('parity &lt;test&gt;');
    expect(svg).toContain('time (UTC)');
    const points = /points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    expect(points).toHaveLength(result.equity.length);
  });

  it('runs the AI strategy on forecasts from the backtest oracle and scores them', async () => {
    const yesOf = new Map(markets.map((m) => [m.marketId, m.tokens[0]?.tokenId]));
    const port = noisyOraclePort({ seed: 3, outcomes: await outcomesOf(events, (id) => yesOf.get(id)), skill: 1.5, noiseSd: 0.3 });
    const resolvedParams = AiForecastParams.parse({
      llm: { models: [{ provider: 'openai', model: 'gpt-test', inputUsdPerMTok: '0.4', outputUsdPerMTok: '1.6' }], cooldownMs: 3_600_000 },
      refreshMs: 6 * 3_600_000,
      maxStakeUsd: 50,
    });
    const run = () => runBacktest({ spec: { strategy: 'ai-forecast', resolvedParams }, strategy: aiForecast, events, markets, capitalMicros: CAPITAL, forecastPort: port });
    const result = await run();
    const f = result.report.forecasts;
    expect(f?.source).toBe('backtest:noisy-oracle');
    expect(f?.count).toBeGreaterThan(8);
    expect(f?.scored).toBe(f?.count);
    // an oracle pulled 1.5 logits toward the truth beats always saying 50%
    expect(f?.brier).toBeLessThan(0.2);
    expect(result.report.tradeCount).toBeGreaterThan(0);
    expect(result.report.ledger).toMatchObject({ identityHolds: true, kernelAgrees: true });
    expect(renderReport(result)).toContain('Brier');
    expect(resultToJson(await run())).toBe(resultToJson(result));
  });
});
