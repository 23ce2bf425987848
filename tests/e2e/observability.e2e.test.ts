import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setKillSwitch } from '@floor/bus';
import { allocateCapital, FORECASTS_TABLE_SQL, insertForecasts } from '@floor/db';
import { simulatedDataset, writeDataset } from '@floor/sim';
import { freePort, waitFor } from '../setup/harness.js';
import { ROOT } from '../setup/pm2.js';
import { createTestFloor } from '../setup/test-floor.js';

/**
 * Observability end to end: a real floor under a private PM2 daemon, a real Prometheus server scraping it through
 * the monitor's file_sd list, and every query of every provisioned Grafana dashboard run for real: each PromQL
 * `expr` against Prometheus's HTTP API must return data, and each Postgres panel's SQL must return rows from the
 * floor's database, run as the read-only floor_auditor role Grafana should use.
 *
 * Series that exist only after an event are made to exist: the kill switch is flipped to cause denials, markets
 * resolve in the dataset (settlements), and an AI agent's forecasts are written for resolved markets.
 */
const DASHBOARDS_DIR = join(ROOT, 'grafana', 'dashboards');

/**
 * The only expressions allowed to come back empty, and why. They belong to the live market-data feed
 * (`feed.source: polymarket | sandbox`), whose metrics are registered only when that source runs; this floor
 * replays a generated dataset, which has no WebSocket, no REST fallback and no venue HTTP calls.
 */
const LIVE_FEED_ONLY = new Set([
  'floor_collector_ws_state',
  'sum by (connection) (increase(floor_collector_reconnects_total[5m]))',
  'floor_collector_stale_tokens',
  'sum by (family, status) (rate(floor_venue_http_responses_total[5m]))',
]);

interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly kind: 'promql' | 'sql';
  readonly text: string;
}

/** Every query of every panel (rows' nested panels included) of every dashboard file. */
function dashboardQueries(): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const file of readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as { panels: Panel[] };
    const visit = (panels: readonly Panel[]) => {
      for (const p of panels) {
        visit(p.panels ?? []);
        for (const t of p.targets ?? []) {
          if (t.expr) out.push({ dashboard: file, panel: p.title, kind: 'promql', text: t.expr });
          if (t.rawSql) out.push({ dashboard: file, panel: p.title, kind: 'sql', text: t.rawSql });
        }
      }
    };
    visit(dashboard.panels);
  }
  return out;
}
interface Panel {
  readonly title: string;
  readonly panels?: Panel[];
  readonly targets?: Array<{ expr?: string; rawSql?: string }>;
}

/** Grafana's template variables: `$agent` is a multi-value regex with "All" = `.*`. */
const substituteVariables = (expr: string) => expr.replaceAll('$agent', '.*');

/** Grafana's Postgres macros, for a concrete time range. */
function substituteMacros(query: string, fromIso: string, toIso: string): string {
  return query
    .replace(/\$__timeFilter\(([^)]+)\)/g, `$1 BETWEEN '${fromIso}'::timestamptz AND '${toIso}'::timestamptz`)
    .replaceAll('$__timeFrom()', `'${fromIso}'::timestamptz`)
    .replaceAll('$__timeTo()', `'${toIso}'::timestamptz`);
}

interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

describe('observability, end to end: floor under PM2, a real Prometheus, every dashboard query', () => {
  const floor = createTestFloor('obs');
  const { tmp, configDir, strategiesDir, names, redis, script } = floor;
  const datasetPath = join(tmp, 'obs.jsonl.gz');
  const promDir = join(tmp, 'prometheus');
  const targetsFile = join(configDir, 'prometheus-targets.json');
  const startedAt = new Date();
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let promUrl = '';

  const q = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => (await floor.db.execute(query)).rows as T[];

  /** An instant PromQL query through Prometheus's HTTP API. */
  const promQuery = async (expr: string): Promise<PromSample[]> => {
    const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] | [number, string] } };
    if (body.status !== 'success') throw new Error(`PromQL ${expr}: ${body.error ?? res.status}`);
    const result = body.data?.result ?? [];
    // a scalar result (`time()` alone) is one value, not a list of series
    return body.data?.resultType === 'scalar' ? [{ metric: {}, value: result as [number, string] }] : (result as PromSample[]);
  };
  const hasData = async (expr: string) => (await promQuery(expr)).length > 0;

  beforeAll(async () => {
    await floor.open();
    mkdirSync(promDir, { recursive: true });
    // four markets a loop, a book per sim-minute at 3000×: a loop lasts ~7 s and ends with every market
    // resolving (settlement fills), then replays with fresh market ids
    const { header, events } = simulatedDataset('obs', { seed: 7, markets: 4, startMs: Date.UTC(2025, 0, 1), stepMs: 60_000, steps: 360 });
    await writeDataset(datasetPath, header, events);
    floor.writeFloorYaml([
      'bankrollUsd: 10000',
      'feed:',
      `  dataset: ${datasetPath}`,
      '  speed: 3000',
      '  maxGapMs: 50',
      '  loop: true',
      'limits:',
      '  maxStakeUsd: 100',
      'heartbeat:',
      '  intervalMs: 300',
      '  staleAfterMs: 10000',
      '  startupGraceMs: 40000',
      'checkpointIntervalMs: 1000',
      // a snapshot a second: Sharpe, Sortino and drawdown need a few points of equity history
      'monitor: { tickMs: 1000, snapshotIntervalMs: 1000 }',
    ]);
    const momentum = (lookback: number, thresholdBps: number) =>
      `strategy: momentum\nweight: 1\nparams:\n  lookback: ${lookback}\n  thresholdBps: ${thresholdBps}\n  stakeUsd: 20\n  takeProfitBps: 100\n  stopLossBps: 100\n  maxHoldMs: 3600000\n`;
    writeFileSync(join(strategiesDir, 'mom-a.yaml'), momentum(3, 60));
    writeFileSync(join(strategiesDir, 'mom-b.yaml'), momentum(6, 100));

    // Prometheus as CI runs it (the Debian package), scraping what the monitor lists, every second
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const promConfig = join(promDir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: floor',
        '    honor_labels: true',
        `    file_sd_configs: [{ files: ["${targetsFile}"], refresh_interval: 1s }]`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus.stderr?.on('data', (chunk: Buffer) => {
      prometheusLog = (prometheusLog + chunk.toString()).slice(-4_000);
    });
    await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, { timeoutMs: 30_000, what: `Prometheus ready (${prometheusLog})` });
  });

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await floor.close();
  });

  it('Prometheus discovers every process through the monitor’s file_sd list, agents included', async () => {
    await script('scripts/floor-start.ts');
    const apps = ['boss', 'collector', 'executor', 'auditor', 'monitor', 'agent'];
    await waitFor(async () => existsSync(targetsFile), { timeoutMs: 60_000, what: 'targets file written by the monitor' });
    await waitFor(
      async () => {
        const up = await promQuery('up{job="floor"} == 1');
        const seen = new Set(up.map((s) => s.metric.app));
        const agents = new Set(up.map((s) => s.metric.agent).filter(Boolean));
        return apps.every((a) => seen.has(a)) && agents.has('mom-a') && agents.has('mom-b');
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'every process (and both agents) scraped and up' },
    );
  });

  it('an agent the Boss starts later is scraped without touching Prometheus', async () => {
    writeFileSync(join(strategiesDir, 'mom-c.yaml'), 'strategy: momentum\nweight: 1\nparams:\n  lookback: 4\n  thresholdBps: 80\n  stakeUsd: 20\n');
    await waitFor(() => hasData('up{job="floor", agent="mom-c"} == 1'), { timeoutMs: 90_000, intervalMs: 1_000, what: 'mom-c scraped' });
  });

  it('the floor produces the event-driven series: trades, round trips, settlements, denials, forecasts', async () => {
    await waitFor(() => hasData('floor_agent_win_ratio'), { timeoutMs: 150_000, intervalMs: 1_000, what: 'a closed round trip' });
    await waitFor(() => hasData('floor_fills_total{kind="settlement"}'), { timeoutMs: 120_000, intervalMs: 1_000, what: 'a settlement' });
    await waitFor(() => hasData('floor_agent_sortino_ratio'), { timeoutMs: 120_000, intervalMs: 1_000, what: 'a losing period (Sortino)' });

    // a kill switch flip: every new intent is denied KILL_SWITCH until it is off again
    await setKillSwitch(redis, names, true, 'observability e2e: cause denials');
    try {
      await waitFor(() => hasData('floor_denials_total'), { timeoutMs: 90_000, intervalMs: 1_000, what: 'a denial counted by the executor' });
    } finally {
      await setKillSwitch(redis, names, false, 'observability e2e: done');
    }

    // an AI agent's forecasts for markets that have resolved (the AI-forecast strategy writes these rows live)
    const [present] = await q<{ present: boolean }>(sql`SELECT to_regclass('public.forecasts') IS NOT NULL AS present`);
    if (!present?.present) await floor.db.execute(sql.raw(FORECASTS_TABLE_SQL));
    const resolved = await q<{ market_id: string }>(sql`SELECT market_id FROM markets WHERE winning_token_id IS NOT NULL ORDER BY market_id LIMIT 4`);
    expect(resolved.length).toBeGreaterThan(0);
    await allocateCapital(floor.db, { agentId: 'ai-oracle', targetMicros: 100_000_000n, ref: 'obs-e2e', actor: { type: 'system', app: 'obs-e2e' } });
    await insertForecasts(
      floor.db,
      resolved.flatMap(({ market_id }, i) => {
        const probability = [0.15, 0.45, 0.75, 0.95][i] ?? 0.5;
        const row = { agentId: 'ai-oracle', marketId: market_id, confidence: 0.6, promptHash: `p${i}`, inputTokens: 900, outputTokens: 80, tsMs: 0 };
        return [
          { ...row, model: 'model-a', probability, costMicros: 2_000n, aggregated: false },
          { ...row, model: 'ensemble', probability, costMicros: 2_000n, aggregated: true },
        ];
      }),
    );
    await waitFor(() => hasData('floor_forecast_brier_score{agent="ai-oracle"}'), { timeoutMs: 60_000, intervalMs: 1_000, what: 'forecast scores scraped' });
    // the rate windows of the dashboards ([1m], [5m]) need two samples of each counter inside them
    await new Promise((r) => setTimeout(r, 5_000));
  });

  it('every PromQL expression of every dashboard returns data', async () => {
    const queries = dashboardQueries().filter((x) => x.kind === 'promql');
    expect(queries.length).toBeGreaterThan(40);
    const empty: string[] = [];
    for (const query of queries) {
      if (LIVE_FEED_ONLY.has(query.text)) continue;
      const samples = await promQuery(substituteVariables(query.text));
      const numeric = samples.filter((s) => Number.isFinite(Number(s.value[1])));
      if (numeric.length === 0) empty.push(`${query.dashboard} / ${query.panel}: ${query.text}`);
    }
    expect(empty, 'expressions with no data').toEqual([]);
    // and the exclusions are real: the live-feed-only expressions are all still in the dashboards
    const all = new Set(queries.map((x) => x.text));
    for (const excluded of LIVE_FEED_ONLY) expect(all.has(excluded), `excluded expression ${excluded} is used`).toBe(true);
  });

  it('every SQL query of the Postgres panels returns rows, run as the read-only floor_auditor role', async () => {
    const queries = dashboardQueries().filter((x) => x.kind === 'sql');
    expect(queries.length).toBeGreaterThan(5);
    const fromIso = new Date(startedAt.getTime() - 60_000).toISOString();
    const toIso = new Date(Date.now() + 60_000).toISOString();
    const empty: string[] = [];
    for (const query of queries) {
      const text = substituteMacros(query.text, fromIso, toIso);
      expect(text, `${query.panel}: an unsubstituted Grafana macro or variable`).not.toMatch(/\$/);
      const rows = await floor.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL ROLE floor_auditor`);
        return (await tx.execute(sql.raw(text))).rows;
      });
      if (rows.length === 0) empty.push(`${query.dashboard} / ${query.panel}`);
    }
    expect(empty, 'SQL panels with no rows').toEqual([]);
  });

  it('performance snapshots are written for every agent and the floor', async () => {
    const rows = await q<{ agent: string | null; n: number }>(sql`SELECT agent_id AS agent, count(*)::int AS n FROM performance_snapshots GROUP BY 1`);
    const byAgent = new Map(rows.map((r) => [r.agent, r.n]));
    expect(byAgent.get(null)).toBeGreaterThan(5);
    expect(byAgent.get('mom-a')).toBeGreaterThan(5);
  });
});
