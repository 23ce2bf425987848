/**
 * `npm run bench:latency -- [--rate 100] [--seconds 20] [--agents 2]`
 *
 * Runs the real floor (Boss, collector, executor, auditor, monitor, agents) under a private PM2 daemon on
 * loopback, with its own database and Redis prefix, drives market events through the collector at a set rate,
 * and prints event→intent and intent→fill latency beside the raw round trip of one Redis hop measured in the
 * same run, so the ratio shows what our layers cost. The agents run the `latency-probe` strategy, which
 * round-trips the minimum size on every book update.
 *
 * Where the clocks are read (microseconds, one machine, one clock):
 *   event published  collector, just before its MULTI (`tracePublishedUs`)
 *   intent created   agent, at the door of the BullMQ queue (`traceCreatedUs`)
 *   fill published   executor, after the Postgres commit, before XADD (`tracePublishedUs` on the fill)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { Queue } from 'bullmq';
import { busNames, createRedis, Queues } from '@floor/bus';
import { sql } from 'drizzle-orm';
import { createDb, dropDatabase, ensureDatabase, migrateDb } from '@floor/db';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const PM2_BIN = join(ROOT, 'node_modules', '.bin', 'pm2');
const run = promisify(execFile);

const opts = new Command()
  .option('--rate <n>', 'market events per second through the collector', '100')
  .option('--seconds <n>', 'measured window, after a warm-up', '20')
  .option('--warmup <n>', 'seconds before measuring', '8')
  .option('--agents <n>', 'latency-probe agents', '2')
  .option('--database-url <url>', 'Postgres server (a throwaway database is created on it)', 'postgres://postgres@127.0.0.1:5432/postgres')
  .option('--redis-url <url>', 'Redis', 'redis://127.0.0.1:6379')
  .parse()
  .opts<{ rate: string; seconds: string; warmup: string; agents: string; databaseUrl: string; redisUrl: string }>();

const rate = Number(opts.rate);
const seconds = Number(opts.seconds);
const warmup = Number(opts.warmup);
const agents = Number(opts.agents);
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
function stats(samplesUs: number[]): Stats {
  const s = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}
const ms = (us: number) => (us / 1000).toFixed(3);

/** One Redis hop: a producer XADDs, a consumer blocked in XREAD receives it. */
async function measureRedisHop(redisUrl: string, prefix: string, n: number): Promise<{ hop: number[]; ping: number[] }> {
  const a = createRedis(redisUrl, 'bench-hop-a');
  const b = createRedis(redisUrl, 'bench-hop-b');
  const stream = `${prefix}:bench:hop`;
  const hop: number[] = [];
  const ping: number[] = [];
  try {
    let last = '$';
    for (let i = 0; i < n; i += 1) {
      const read = b.xread('BLOCK', 1000, 'STREAMS', stream, last) as Promise<Array<[string, Array<[string, string[]]>]> | null>;
      await sleep(0); // let the XREAD leave first, as a blocked consumer would be
      const t0 = nowUs();
      await a.xadd(stream, 'MAXLEN', '~', '1000', '*', 'm', String(t0));
      const got = await read;
      const t1 = nowUs();
      const id = got?.[0]?.[1]?.[0]?.[0];
      if (id) {
        last = id;
        hop.push(t1 - t0);
      }
      const p0 = nowUs();
      await a.ping();
      ping.push(nowUs() - p0);
    }
  } finally {
    await a.del(stream);
    a.disconnect();
    b.disconnect();
  }
  return { hop, ping };
}

async function main(): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const tmp = mkdtempSync(join(tmpdir(), 'floor-bench-'));
  const configDir = join(tmp, 'config');
  mkdirSync(join(configDir, 'strategies'), { recursive: true });
  const dbUrl = new URL(opts.databaseUrl);
  dbUrl.pathname = `/floor_bench_${tag}`;
  const prefix = `bench-${tag}`;
  const names = busNames(prefix);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PM2_HOME: join(tmp, 'pm2'),
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: opts.redisUrl,
    FLOOR_PREFIX: prefix,
    FLOOR_CONFIG_DIR: configDir,
    FLOOR_PM2_NAMESPACE: `bench-${tag}`,
    LOG_LEVEL: 'warn',
  };
  writeFileSync(
    join(configDir, 'floor.yaml'),
    [
      'bankrollUsd: 100000',
      'feed:',
      '  source: simulator',
      `  ratePerSec: ${rate}`,
      // the probes trade on every book update: lift the order-rate limits so every intent is decided by matching
      'risk:',
      '  agent: { maxOrdersPerWindow: 1000000 }',
      '  floor: { maxOrdersPerMarketWindow: 1000000 }',
      // the probe loses the spread on every round trip by design: its losing streak is not a reason to stop it
      '  breakers: { maxConsecutiveLosses: 1000000 }',
      'evolution: { enabled: false }',
      'checkpointIntervalMs: 5000',
      'metricsPorts: { monitor: 0, executor: 0, collector: 0, boss: 0, auditor: 0 }',
      '',
    ].join('\n'),
  );
  for (let i = 1; i <= agents; i += 1) {
    writeFileSync(join(configDir, 'strategies', `probe-${i}.yaml`), 'strategy: latency-probe\nweight: 1\nparams:\n  sizeShares: 5\n');
  }
  const redis = createRedis(opts.redisUrl, 'bench-latency');
  const pm2 = (...args: string[]) => run(PM2_BIN, args, { cwd: ROOT, env });
  try {
    await ensureDatabase(dbUrl.toString());
    await migrateDb(dbUrl.toString());
    process.stderr.write(`starting the floor: ${agents} latency-probe agents, ${rate} events/s, warm-up ${warmup} s, window ${seconds} s…\n`);
    await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'floor-start.ts')], { cwd: ROOT, env });
    await sleep(warmup * 1000);
    const windowStartUs = nowUs();
    const hopPromise = measureRedisHop(opts.redisUrl, prefix, 2000);
    await sleep(seconds * 1000);
    const windowEndUs = nowUs();
    const { hop, ping } = await hopPromise;
    await pm2('stop', 'collector');
    await sleep(2000);

    const queue = new Queue(Queues.intents, { connection: redis, prefix: names.bullPrefix });
    const jobs = await queue.getJobs(['completed'], 0, -1);
    await queue.close();
    const eventToIntent: number[] = [];
    for (const job of jobs) {
      const intent = JSON.parse((job.data as { m: string }).m) as { traceCreatedUs?: number; traceCausePublishedUs?: number };
      if (intent.traceCreatedUs === undefined || intent.traceCausePublishedUs === undefined) continue;
      if (intent.traceCreatedUs < windowStartUs || intent.traceCreatedUs > windowEndUs) continue;
      eventToIntent.push(intent.traceCreatedUs - intent.traceCausePublishedUs);
    }
    const fills = (await redis.xrange(names.fillsStream, '-', '+')) as Array<[string, string[]]>;
    const intentToFill: number[] = [];
    for (const [, fields] of fills) {
      const f = JSON.parse(fields[1] ?? '{}') as { traceIntentCreatedUs?: number; tracePublishedUs?: number };
      if (f.traceIntentCreatedUs === undefined || f.tracePublishedUs === undefined) continue;
      if (f.traceIntentCreatedUs < windowStartUs || f.traceIntentCreatedUs > windowEndUs) continue;
      intentToFill.push(f.tracePublishedUs - f.traceIntentCreatedUs);
    }

    const rows: Array<[string, Stats]> = [
      ['redis PING round trip', stats(ping)],
      ['redis one hop (XADD → blocked XREAD)', stats(hop)],
      ['event → intent', stats(eventToIntent)],
      ['intent → fill', stats(intentToFill)],
    ];
    // what became of the intents, so a reader sees whether the fill latency covers most of them
    const dbHandle = createDb(dbUrl.toString(), { max: 1, applicationName: 'bench-latency' });
    const outcomes = (
      await dbHandle.db.execute(sql`SELECT status, split_part(reason, ':', 1) AS code, COUNT(*)::int AS n FROM orders GROUP BY 1, 2 ORDER BY 3 DESC`)
    ).rows as Array<{ status: string; code: string; n: number }>;
    await dbHandle.close();

    const out: string[] = [];
    out.push(`floor latency, ${agents} agents, ${rate} market events/s, ${seconds} s window (loopback, ${new Date().toISOString()})`);
    out.push(`${'path'.padEnd(40)}${'n'.padStart(7)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'max ms'.padStart(10)}`);
    for (const [label, s] of rows) out.push(`${label.padEnd(40)}${String(s.n).padStart(7)}${ms(s.p50).padStart(10)}${ms(s.p99).padStart(10)}${ms(s.max).padStart(10)}`);
    const hopP99 = stats(hop).p99;
    const e2i = stats(eventToIntent).p99;
    out.push(`order outcomes over the whole run: ${outcomes.map((o) => `${o.status}${o.code ? ` ${o.code}` : ''} ${o.n}`).join(', ')}`);
    out.push(`event→intent p99 / two raw Redis hops p99 = ${(e2i / (2 * hopP99)).toFixed(1)}× (design target ≤ 10×)`);
    process.stdout.write(`${out.join('\n')}\n`);
    if (eventToIntent.length === 0 || intentToFill.length === 0) {
      process.stderr.write('no intents or fills were traced in the window: the floor did not trade (see `pm2 logs` under the bench PM2_HOME)\n');
      process.exitCode = 1;
    }
  } finally {
    await pm2('kill').catch(() => undefined);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await dropDatabase(dbUrl.toString()).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
