import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { AlertEvent } from '@floor/alerts';
import { verifyAuditChain } from '@floor/audit';
import type { BusNames } from '@floor/bus';
import type { Db } from '@floor/db';

type DailySummary = Extract<AlertEvent, { type: 'daily_summary' }>;

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Yesterday's numbers for the daily summary alert, from the self-explaining views; the audit chain's head goes along. */
export async function buildDailySummary(db: Db, day: string): Promise<DailySummary> {
  const perf = (
    await db.execute(sql`
      SELECT COALESCE(SUM(fills), 0)::int AS fills, COALESCE(SUM(volume_micros), 0)::text AS volume,
             COALESCE(SUM(fees_micros), 0)::text AS fees, COALESCE(SUM(realized_pnl_after_fees_micros), 0)::text AS pnl
      FROM v_agent_performance_daily WHERE day = ${day}::date`)
  ).rows[0] as { fills: number; volume: string; fees: string; pnl: string };
  const exposure = (await db.execute(sql`SELECT COALESCE(SUM(cost_micros), 0)::text AS cost FROM v_open_exposure`)).rows[0] as { cost: string };
  const denials = (
    await db.execute(sql`SELECT COUNT(*)::int AS n FROM risk_events WHERE (ts AT TIME ZONE 'UTC')::date = ${day}::date`)
  ).rows[0] as { n: number };
  const critical = (
    await db.execute(sql`SELECT COUNT(*)::int AS n FROM audit_findings WHERE severity = 'critical' AND (ts AT TIME ZONE 'UTC')::date = ${day}::date`)
  ).rows[0] as { n: number };
  const chain = await verifyAuditChain(db);
  return {
    type: 'daily_summary',
    day,
    fills: perf.fills,
    volumeMicros: BigInt(perf.volume),
    feesMicros: BigInt(perf.fees),
    realizedPnlAfterFeesMicros: BigInt(perf.pnl),
    openExposureMicros: BigInt(exposure.cost),
    riskDenials: denials.n,
    criticalFindings: critical.n,
    auditHead: chain.ok && chain.headId !== null ? { id: chain.headId.toString(), hash: chain.headHash } : null,
  };
}

/**
 * Sends the summary of the previous UTC day once, after `sendAfterMs` past midnight. Which day was sent is kept in
 * Redis, so a restarted (or second) monitor does not send it again. Returns the day sent, if any.
 */
export async function maybeSendDailySummary(opts: {
  db: Db;
  redis: Redis;
  names: BusNames;
  nowMs: number;
  send: (event: DailySummary) => Promise<unknown>;
  sendAfterMs?: number;
}): Promise<string | undefined> {
  const sinceMidnight = opts.nowMs % DAY_MS;
  if (sinceMidnight < (opts.sendAfterMs ?? 5 * 60_000)) return undefined;
  const day = utcDay(opts.nowMs - DAY_MS);
  const key = `${opts.names.prefix}:alerts:daily-summary`;
  // SET NX on the day: the first monitor to get here sends it
  const claimed = await opts.redis.set(`${key}:${day}`, String(opts.nowMs), 'EX', 3 * 86_400, 'NX');
  if (claimed !== 'OK') return undefined;
  await opts.send(await buildDailySummary(opts.db, day));
  return day;
}

/** Checks once a minute whether yesterday's summary is due; failures are logged and tried again next minute. */
export function startDailySummary(opts: {
  db: Db;
  redis: Redis;
  names: BusNames;
  send: (event: DailySummary) => Promise<unknown>;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}): { stop: () => void } {
  const check = () =>
    maybeSendDailySummary({ ...opts, nowMs: Date.now() })
      .then((day) => {
        if (day) opts.log.info({ day }, 'daily summary sent');
      })
      .catch((err: unknown) => opts.log.warn({ err }, 'daily summary failed; will try again'));
  const timer = setInterval(() => void check(), 60_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
