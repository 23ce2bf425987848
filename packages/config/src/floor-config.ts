import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues, parseMicros } from '@floor/domain';
import { EvolutionConfig } from '@floor/evolution';
import { RiskConfig } from '@floor/risk';
import { DiscoveryFilterSettings } from '@floor/polymarket';

/** A dollar amount written as a number or a decimal string in YAML, parsed exactly into micro-USDC. */
export const UsdAmount = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    try {
      return parseMicros(typeof v === 'number' ? String(v) : v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a dollar amount: ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/**
 * Floor-wide order limits. `maxStakeUsd` and `maxBookAgeMs` predate the `risk:` section and are kept only so
 * existing files still load: what the executor enforces is `risk.agent.maxStakeUsd` and `risk.agent.maxDataAgeMs`
 * (per agent, with a strategy file's `risk:` override merged over them). `parseFloorConfig` moves an old key into
 * its `risk.agent` twin when the twin is not set, and refuses a file that sets both to different values.
 */
export const LimitsConfig = z
  .object({
    maxStakeUsd: UsdAmount.optional().describe('deprecated: use risk.agent.maxStakeUsd (same meaning; this key fills it in when that is not set)'),
    maxOpenOrdersPerAgent: z.number().int().positive().default(50),
    maxBookAgeMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('deprecated: use risk.agent.maxDataAgeMs (same meaning; this key fills it in when that is not set)'),
  })
  .strict();

export const FeedConfig = z
  .object({
    source: z
      .enum(['replay', 'simulator', 'polymarket', 'sandbox'])
      .default('replay')
      .describe("where market data comes from: a dataset, the simulator, live Polymarket, or the sandbox venue (see `polymarket`)"),
    dataset: z.string().default('data/demo.jsonl.gz').describe('replay dataset path, relative to the repo root'),
    speed: z.number().positive().default(1).describe('replay speed: 1 = recorded pace, 10 = ten times faster'),
    maxGapMs: z.number().int().positive().default(2_000).describe('longest pause between two replayed events, after speed-up'),
    loop: z.boolean().default(true).describe('restart the dataset (with fresh market ids) when it ends'),
    seed: z.number().int().default(42).describe('seed of the simulator source'),
    ratePerSec: z.number().positive().default(20).describe('simulator source: events published per second (wall clock)'),
  })
  .strict();

/** Real Polymarket hosts (docs.polymarket.com), used by `feed.source: polymarket` unless overridden. */
export const POLYMARKET_ENDPOINTS = {
  gammaUrl: 'https://gamma-api.polymarket.com',
  clobUrl: 'https://clob.polymarket.com',
  wsUrl: 'wss://ws-subscriptions-clob.polymarket.com/ws/market',
} as const;

/** The sandbox venue as `npm run sandbox` starts it, used by `feed.source: sandbox` unless overridden. */
export const SANDBOX_ENDPOINTS = {
  gammaUrl: 'http://127.0.0.1:8787/gamma',
  clobUrl: 'http://127.0.0.1:8787',
  wsUrl: 'ws://127.0.0.1:8787/ws/market',
} as const;

const HttpUrl = z.url({ protocol: /^https?$/ });
const WsUrl = z.url({ protocol: /^wss?$/ });

/**
 * The live market-data source (`feed.source: polymarket | sandbox`): endpoints, discovery and the feed's
 * health thresholds. Unset URLs default per source (POLYMARKET_ENDPOINTS / SANDBOX_ENDPOINTS).
 */
export const PolymarketConfig = z
  .object({
    gammaUrl: HttpUrl.optional().describe('Gamma API base URL (the sandbox serves it under /gamma)'),
    clobUrl: HttpUrl.optional().describe('CLOB REST base URL'),
    wsUrl: WsUrl.optional().describe('CLOB WebSocket market channel URL'),
    discovery: DiscoveryFilterSettings.default(DiscoveryFilterSettings.parse({})).describe('which discovered markets the floor trades'),
    maxMarkets: z.number().int().positive().default(50).describe('trade at most this many markets (best 24-hour volume first)'),
    maxDiscoveryPages: z.number().int().positive().default(50).describe('Gamma pages (100 markets each) read per discovery round'),
    rediscoverMs: z.number().int().positive().default(300_000).describe('discovery runs again this often, ms: new markets listed, closed ones resolved'),
    maxAssetsPerConnection: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(200)
      .describe('tokens per WebSocket connection; more open another connection (the venue stops sending snapshots past ~500)'),
    pingIntervalMs: z.number().int().positive().default(10_000).describe('text PING keepalive period, ms (the venue answers PONG)'),
    staleAfterMs: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe('a connection silent this long, ms, is down: its books go stale and are polled over REST until it recovers'),
    tokenQuietAfterMs: z.number().int().positive().default(300_000).describe('a token with no WebSocket message this long, ms, gets one REST /book check'),
    pollMs: z.number().int().positive().default(2_000).describe('REST /books polling period for tokens whose connection is down, ms'),
    httpTimeoutMs: z.number().int().positive().default(10_000).describe('timeout of one HTTP attempt, ms'),
  })
  .strict()
  .refine((c) => c.staleAfterMs > c.pingIntervalMs, {
    message: 'staleAfterMs must exceed pingIntervalMs, or every healthy connection looks silent between PONGs',
    path: ['staleAfterMs'],
  });
export type PolymarketConfig = z.output<typeof PolymarketConfig>;

/** The endpoints a live source connects to: the configured URLs, else the defaults of its source. */
export function feedEndpoints(source: 'polymarket' | 'sandbox', config: PolymarketConfig): { gammaUrl: string; clobUrl: string; wsUrl: string } {
  const defaults = source === 'polymarket' ? POLYMARKET_ENDPOINTS : SANDBOX_ENDPOINTS;
  return { gammaUrl: config.gammaUrl ?? defaults.gammaUrl, clobUrl: config.clobUrl ?? defaults.clobUrl, wsUrl: config.wsUrl ?? defaults.wsUrl };
}

export const FloorConfig = z
  .object({
    bankrollUsd: UsdAmount.default(10_000_000_000n).describe('capital split across agents by weight'),
    execution: z
      .object({
        mode: z.enum(['paper', 'live']).default('paper').describe('gate 1 of 3 for real orders'),
        /**
         * How the executor talks to the Polymarket CLOB when all three gates are open. Secrets (private key, L2
         * credentials) are never here: they come from the environment (POLYMARKET_*).
         */
        live: z
          .object({
            host: z.string().url().default('https://clob.polymarket.com').describe('CLOB REST base URL'),
            chainId: z.union([z.literal(137), z.literal(80002)]).default(137).describe('137 Polygon, 80002 Amoy'),
            signatureType: z
              .union([z.literal(0), z.literal(1), z.literal(2)])
              .default(0)
              .describe('0 EOA, 1 POLY_PROXY (email/Magic), 2 POLY_GNOSIS_SAFE; POLY_1271 deposit wallets are not supported yet'),
            funder: z
              .string()
              .regex(/^0x[0-9a-fA-F]{40}$/)
              .optional()
              .describe('address holding the funds (the Polymarket proxy/safe); default: the signing wallet itself'),
            cancelOnShutdown: z.boolean().default(true).describe('cancel resting live orders when the executor stops'),
            heartbeatMs: z
              .number()
              .int()
              .min(1_000)
              .max(9_000)
              .default(5_000)
              .describe('venue heartbeat period while orders rest; Polymarket cancels everything after 10 s of silence'),
            submitTimeoutMs: z
              .number()
              .int()
              .positive()
              .default(15_000)
              .describe('a submit unanswered after this long is pending_unknown (never rejected) until the venue shows it'),
            pollMs: z.number().int().positive().default(2_000).describe('how often open orders and trades are read from the venue'),
            pendingUnknownGraceMs: z
              .number()
              .int()
              .positive()
              .default(60_000)
              .describe('a pending_unknown order the venue shows no trace of after this long is marked not_found'),
            reconcileLookbackMs: z
              .number()
              .int()
              .positive()
              .default(86_400_000)
              .describe('how far back boot reconciliation reads venue trades'),
            reconcileRetryMaxMs: z.number().int().positive().default(60_000).describe('longest wait between reconciliation attempts'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    feed: FeedConfig.default(FeedConfig.parse({})),
    polymarket: PolymarketConfig.default(PolymarketConfig.parse({})),
    limits: LimitsConfig.default(LimitsConfig.parse({})),
    heartbeat: z
      .object({
        intervalMs: z.number().int().positive().default(1_000),
        staleAfterMs: z.number().int().positive().default(15_000).describe('an agent silent this long is restarted'),
        startupGraceMs: z.number().int().positive().default(30_000),
      })
      .strict()
      .default({ intervalMs: 1_000, staleAfterMs: 15_000, startupGraceMs: 30_000 }),
    checkpointIntervalMs: z.number().int().positive().default(5_000),
    audit: z
      .object({
        onCriticalFinding: z
          .enum(['agent', 'floor', 'none'])
          .default('agent')
          .describe(
            "what a new critical audit finding trips: 'agent' = that agent's kill switch (the floor's when the finding names no agent), 'floor' = the floor kill switch, 'none' = record and alert only",
          ),
      })
      .strict()
      .default({ onCriticalFinding: 'agent' }),
    metricsPorts: z
      .object({
        monitor: z.number().int().default(9464),
        executor: z.number().int().default(9465),
        collector: z.number().int().default(9466),
        boss: z.number().int().default(9467),
        auditor: z.number().int().default(9468),
      })
      .strict()
      .default({ monitor: 9464, executor: 9465, collector: 9466, boss: 9467, auditor: 9468 }),
    monitor: z
      .object({
        tickMs: z.number().int().positive().default(3_000).describe('how often the monitor recomputes its gauges, ms'),
        snapshotIntervalMs: z
          .number()
          .int()
          .positive()
          .default(30_000)
          .describe('how often it writes performance_snapshots and recomputes Sharpe, Sortino, drawdown, win rate and forecast scores, ms'),
        statsWindowMs: z.number().int().positive().default(86_400_000).describe('the equity history those statistics cover, ms'),
        prometheusTargetsFile: z
          .string()
          .default('prometheus-targets.json')
          .describe("file_sd file the monitor keeps listing every live process's /metrics, relative to the config folder"),
      })
      .strict()
      .prefault({})
      .describe('performance monitor (apps/monitor)'),
    risk: RiskConfig.prefault({}).describe('pre-trade limits, sizing, drawdown heat and circuit breakers (packages/risk/src/config.ts)'),
    evolution: EvolutionConfig.prefault({}).describe("the Boss's evaluation period: capital by performance, clones of winners, retirement of losers (packages/evolution/src/config.ts)"),
  })
  .strict();
export type FloorConfig = z.output<typeof FloorConfig>;

/** Parses YAML text, naming the file and line of a syntax error. */
export function parseYamlFile(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const where = err.linePos?.[0] ? ` line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
      throw new ConfigError(`${file}:${where} YAML syntax error: ${err.message.split('\n')[0]}`, { file });
    }
    throw err;
  }
}

export function parseFloorConfig(raw: unknown, file = 'floor.yaml'): FloorConfig {
  const result = FloorConfig.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${file}: ${describeIssues(result.error.issues)}`, { file });
  return foldLegacyLimits(result.data, raw, file);
}

/** The deprecated `limits` keys and the `risk.agent` keys that replace them (see LimitsConfig). */
const LEGACY_LIMITS = [
  ['maxStakeUsd', 'maxStakeUsd'],
  ['maxBookAgeMs', 'maxDataAgeMs'],
] as const;

/** Moves each deprecated `limits` key into its `risk.agent` twin; one source of truth for the executor. */
function foldLegacyLimits(config: FloorConfig, raw: unknown, file: string): FloorConfig {
  const explicitAgentRisk = (((raw as { risk?: { agent?: Record<string, unknown> } } | null)?.risk?.agent ?? {}) as Record<string, unknown>);
  let agent = config.risk.agent;
  for (const [legacy, current] of LEGACY_LIMITS) {
    const old = config.limits[legacy];
    if (old === undefined) continue;
    if (explicitAgentRisk[current] !== undefined) {
      if (agent[current] !== old) {
        throw new ConfigError(`${file}: limits.${legacy} (deprecated) and risk.agent.${current} disagree; keep risk.agent.${current} only`, { file });
      }
      continue;
    }
    agent = { ...agent, [current]: old };
  }
  return agent === config.risk.agent ? config : { ...config, risk: { ...config.risk, agent } };
}

export function loadFloorConfig(path: string): FloorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read floor config (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { file: path });
  }
  return parseFloorConfig(parseYamlFile(text, path), path);
}
