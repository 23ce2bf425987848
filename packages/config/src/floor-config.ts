import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues, parseMicros } from '@floor/domain';

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

export const LimitsConfig = z
  .object({
    maxStakeUsd: UsdAmount.default(100_000_000n).describe('largest notional of one order, USD'),
    maxOpenOrdersPerAgent: z.number().int().positive().default(50),
    maxBookAgeMs: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        'deny a BUY when the book was published longer ago than this; 0 = trust the feed\'s stale flag only (a quiet book is not a stale one)',
      ),
  })
  .strict();

export const FeedConfig = z
  .object({
    source: z.enum(['replay', 'simulator']).default('replay').describe('where market data comes from'),
    dataset: z.string().default('data/demo.jsonl.gz').describe('replay dataset path, relative to the repo root'),
    speed: z.number().positive().default(1).describe('replay speed: 1 = recorded pace, 10 = ten times faster'),
    maxGapMs: z.number().int().positive().default(2_000).describe('longest pause between two replayed events, after speed-up'),
    loop: z.boolean().default(true).describe('restart the dataset (with fresh market ids) when it ends'),
    seed: z.number().int().default(42).describe('seed of the simulator source'),
    ratePerSec: z.number().positive().default(20).describe('simulator source: events published per second (wall clock)'),
  })
  .strict();

export const FloorConfig = z
  .object({
    bankrollUsd: UsdAmount.default(10_000_000_000n).describe('capital split across agents by weight'),
    execution: z
      .object({ mode: z.enum(['paper', 'live']).default('paper').describe('gate 1 of 3 for real orders') })
      .strict()
      .default({ mode: 'paper' }),
    feed: FeedConfig.default(FeedConfig.parse({})),
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
  return result.data;
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
