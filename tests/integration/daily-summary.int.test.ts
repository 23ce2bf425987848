import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { busNames, createRedis } from '@floor/bus';
import { appendAudit, createDb, type DbHandle } from '@floor/db';
import { maybeSendDailySummary } from '@floor/performance';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';
import { seedAgent, writeTradeFill } from '../setup/fill-writer.js';

describe('daily summary alert', () => {
  let handle: DbHandle;
  let drop: () => Promise<void>;
  const redisPrefix = createTestRedisPrefix('summary');
  const redis = createRedis(redisPrefix.redisUrl, 'summary-test');
  const names = busNames(redisPrefix.prefix);

  beforeAll(async () => {
    const t = await createTestDatabase('summary');
    drop = t.drop;
    handle = createDb(t.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await redisPrefix.cleanup();
    await handle.close();
    await drop();
  });

  it("sends yesterday's fills, volume, fees, PnL, exposure, denials, findings and the audit head, once", async () => {
    await seedAgent(handle.db, 'a1', 'momentum', 1_000_000_000n);
    await writeTradeFill(handle.db, { agentId: 'a1', marketId: 'm1', tokenId: 't1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 10_000_000n, feeMicros: 96_000n });
    await handle.db.execute(sql`INSERT INTO risk_events (agent_id, intent_id, code, detail) VALUES ('a1', 'int_x', 'MAX_STAKE_EXCEEDED', '{}'::jsonb)`);
    await appendAudit(handle.db, { actor: { type: 'system', app: 'test' }, action: 'test.row' });
    // everything above happened "today"; the summary for it is due after midnight UTC
    const today = new Date().toISOString().slice(0, 10);
    const tomorrowMs = Date.parse(`${today}T00:10:00Z`) + 86_400_000;

    const sent: unknown[] = [];
    const day = await maybeSendDailySummary({ db: handle.db, redis, names, nowMs: tomorrowMs, send: async (e) => sent.push(e) });
    expect(day).toBe(today);
    expect(sent).toEqual([
      expect.objectContaining({
        type: 'daily_summary',
        day: today,
        fills: 1,
        volumeMicros: 4_000_000n,
        feesMicros: 96_000n,
        realizedPnlAfterFeesMicros: -96_000n,
        openExposureMicros: 4_000_000n,
        riskDenials: 1,
        criticalFindings: 0,
        auditHead: expect.objectContaining({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
      }),
    ]);
    // a second monitor (or a restart) does not send it again; before 00:05 nothing is due
    expect(await maybeSendDailySummary({ db: handle.db, redis, names, nowMs: tomorrowMs + 60_000, send: async (e) => sent.push(e) })).toBeUndefined();
    expect(await maybeSendDailySummary({ db: handle.db, redis, names, nowMs: Date.parse(`${today}T00:01:00Z`), send: async (e) => sent.push(e) })).toBeUndefined();
    expect(sent).toHaveLength(1);
  });
});
