import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { stringifyWire, type FillApplied } from '@floor/domain';
import { createDb, listFindings, type DbHandle } from '@floor/db';
import { appendToStream, busNames, createRedis, readKillSwitch, setAgentKillSwitch, STREAM_MAXLEN, type BusNames } from '@floor/bus';
import type { AlertEvent } from '@floor/alerts';
import { createLogger } from '@floor/telemetry';
import { RiskConfig } from '@floor/risk';
import {
  auditFill,
  AuditRules,
  failed,
  onCriticalFinding,
  recordOutcomes,
  startFillAuditConsumer,
  type CriticalFindingMode,
  type FillAuditContext,
} from '@floor/audit';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';
import { seedAgent, writeTradeFill } from '../setup/fill-writer.js';

const USD = 1_000_000n;
const log = createLogger('audit-kill-switch-test', 'silent');
/** A stake limit above the $1,200 overspend: what these tests plant is negative cash (audit-rules.int.test.ts: limits). */
const context: FillAuditContext = { risk: RiskConfig.parse({ agent: { maxStakeUsd: 5_000 } }) };

describe('a critical audit finding trips the configured kill switch', () => {
  const ctx = { handle: undefined as unknown as DbHandle, drop: async () => undefined as void };
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let redis: Redis;
  let streamRedis: Redis;
  let names: BusNames;

  beforeAll(() => {
    redisPrefix = createTestRedisPrefix('auditkill');
    redis = createRedis(redisPrefix.redisUrl, 'audit-kill-test');
    streamRedis = createRedis(redisPrefix.redisUrl, 'audit-kill-test-stream');
  });
  afterAll(async () => {
    streamRedis.disconnect();
    redis.disconnect();
    await redisPrefix.cleanup();
  });
  beforeEach(async () => {
    const t = await createTestDatabase('audit_kill');
    ctx.drop = t.drop;
    ctx.handle = createDb(t.url);
    names = busNames(`${redisPrefix.prefix}-${Math.random().toString(36).slice(2, 8)}`);
    await seedAgent(ctx.handle.db, 'alpha', 'momentum', 1_000n * USD);
    await seedAgent(ctx.handle.db, 'beta', 'mean-reversion', 500n * USD);
  });
  afterEach(async () => {
    await ctx.handle.close();
    await ctx.drop();
  });

  /** 2,000 shares at 0.60 = $1,200 of beta's $500: the executor's cash check would have refused it. */
  const overspend = (): Promise<FillApplied> =>
    writeTradeFill(ctx.handle.db, { agentId: 'beta', marketId: 'm4', tokenId: 'yes4', side: 'BUY', priceMicros: 600_000n, sizeMicros: 2_000n * USD });

  const handler = (mode: CriticalFindingMode, alerts: AlertEvent[] = []) =>
    onCriticalFinding({ redis, names, mode, log, db: ctx.handle.db, alert: async (e) => void alerts.push(e) });

  it("agent mode: a rule-breaking fill on the stream records a finding and sets that agent's switch", async () => {
    const alerts: AlertEvent[] = [];
    const bad = await overspend();
    const consumer = await startFillAuditConsumer({
      db: ctx.handle.db, context, redis: streamRedis, stream: names.fillsStream, group: 'auditor', consumer: 'auditor-1', log,
      blockMs: 100, onNewFindings: handler('agent', alerts),
    });
    try {
      await appendToStream(redis, names.fillsStream, stringifyWire(bad), STREAM_MAXLEN.fills);
      const findings = await waitFor(async () => {
        const stored = await listFindings(ctx.handle.db);
        return stored.length > 0 ? stored : undefined;
      }, { what: 'the finding' });
      expect(findings.map((f) => [f.rule, f.agentId, f.refId])).toEqual([[AuditRules.cashNonNegative, 'beta', bad.fillId]]);
    } finally {
      await consumer.stop();
    }
    expect(await readKillSwitch(redis, names, 'beta')).toEqual({ global: true, reason: `audit finding cash_non_negative on ${bad.fillId}` });
    expect(await redis.get(names.killSwitchKey)).toBeNull();
    expect(await readKillSwitch(redis, names, 'alpha')).toEqual({ global: false, reason: '' });
    expect(alerts.map((a) => a.type)).toEqual(['critical_finding', 'kill_switch_set']);
    expect(alerts[1]).toEqual({
      type: 'kill_switch_set', target: { scope: 'agent', agentId: 'beta' }, reason: `audit finding cash_non_negative on ${bad.fillId}`, actor: 'auditor',
    });
    // the switch is an admin action of record, like an operator's `floor kill`
    const rows = await ctx.handle.db.execute(sql`SELECT actor, subject, detail FROM audit_log WHERE action = 'killswitch.set'`);
    expect(rows.rows).toEqual([
      expect.objectContaining({ actor: { type: 'system', app: 'auditor' }, subject: 'beta', detail: expect.objectContaining({ on: true, rule: 'cash_non_negative' }) }),
    ]);
  });

  it('floor mode sets the floor switch; none mode records the finding and trips nothing', async () => {
    const bad = await overspend();
    const outcomes = await auditFill(ctx.handle.db, bad, context);

    expect(await recordOutcomes(ctx.handle.db, outcomes, undefined, handler('none'))).toHaveLength(1);
    expect(await readKillSwitch(redis, names, 'beta')).toEqual({ global: false, reason: '' });

    const other = await writeTradeFill(ctx.handle.db, { agentId: 'beta', marketId: 'm5', tokenId: 'yes5', side: 'BUY', priceMicros: 500_000n, sizeMicros: USD });
    expect(await recordOutcomes(ctx.handle.db, await auditFill(ctx.handle.db, other, context), undefined, handler('floor'))).toHaveLength(1);
    expect(await redis.get(names.killSwitchKey)).not.toBeNull();
    expect(await redis.get(names.agentKillKey('beta'))).toBeNull();
  });

  it('agent mode trips the floor switch for a finding that names no agent', async () => {
    const outcome = failed(AuditRules.ledgerBalanced, { agentId: null, refId: 'ledger@42' }, { expectedMicros: 0n, actualMicros: 5n });
    await recordOutcomes(ctx.handle.db, [outcome], undefined, handler('agent'));
    expect(await readKillSwitch(redis, names)).toEqual({ global: true, reason: 'audit finding ledger_balanced on ledger@42' });
  });

  it('does not overrule an operator: a finding already on record trips nothing again', async () => {
    const bad = await overspend();
    await recordOutcomes(ctx.handle.db, await auditFill(ctx.handle.db, bad, context), undefined, handler('agent'));
    await setAgentKillSwitch(redis, names, 'beta', false, 'operator cleared it');
    // the auditor re-checks the fill (after a crash): same finding, already stored
    expect(await recordOutcomes(ctx.handle.db, await auditFill(ctx.handle.db, bad, context), undefined, handler('agent'))).toHaveLength(0);
    expect(await readKillSwitch(redis, names, 'beta')).toEqual({ global: false, reason: '' });
  });

  it('stores nothing when the switch cannot be set, so the next check trips it', async () => {
    const bad = await overspend();
    const outcomes = await auditFill(ctx.handle.db, bad, context);
    const redisDown = async () => {
      throw new Error('redis unavailable');
    };
    await expect(recordOutcomes(ctx.handle.db, outcomes, undefined, redisDown)).rejects.toThrow('redis unavailable');
    expect(await listFindings(ctx.handle.db)).toHaveLength(0);
    expect(await recordOutcomes(ctx.handle.db, outcomes, undefined, handler('agent'))).toHaveLength(1);
    expect((await readKillSwitch(redis, names, 'beta')).global).toBe(true);
  });
});
