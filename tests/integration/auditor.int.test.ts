import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { Registry } from 'prom-client';
import type { Redis } from 'ioredis';
import { Accounts, stringifyWire, type FeeSchedule, type FillApplied, type Posting } from '@floor/domain';
import { createDb, findingId, listFindings, type DbHandle } from '@floor/db';
import { appendToStream, busNames, createRedis, STREAM_MAXLEN } from '@floor/bus';
import { createLogger } from '@floor/telemetry';
import { RiskConfig } from '@floor/risk';
import {
  auditFill,
  AuditRules,
  checkLedgerIdentity,
  createAuditMetrics,
  ensureGroup,
  findingsOf,
  recordOutcomes,
  startFillAuditConsumer,
  type FillAuditContext,
} from '@floor/audit';
import { createTestDatabase, createTestRedisPrefix, waitFor } from '../setup/harness.js';
import { seedAgent, writeSettlementFill, writeTradeFill } from '../setup/fill-writer.js';

const USD = 1_000_000n;
const log = createLogger('auditor-test', 'silent');
/** Market m1's fee schedule: 2 % taker, probability-weighted. */
const TWO_PERCENT: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
/**
 * The limits the auditor holds fills to. The stake limit is above every order written here (the negative-cash one
 * stakes $1,200): these tests are about the ledger; audit-rules.int.test.ts covers the limits.
 */
const context: FillAuditContext = { risk: RiskConfig.parse({ agent: { maxStakeUsd: 5_000 } }) };

/** Moves `micros` of the cash posting onto the fees posting: the txn still balances, the cash side is wrong. */
const shiftCashToFees =
  (micros: bigint) =>
  (postings: readonly Posting[]): Posting[] =>
    postings.map((p) =>
      p.account.endsWith(':cash')
        ? { ...p, amountMicros: p.amountMicros - micros }
        : p.account === Accounts.fees
          ? { ...p, amountMicros: p.amountMicros + micros }
          : p,
    );

/** A fresh database per test: floor-wide checks must only see what that test wrote. */
function useDatabase() {
  const ctx = { handle: undefined as unknown as DbHandle, url: '', drop: async () => undefined as void };
  beforeEach(async () => {
    const t = await createTestDatabase('auditor');
    ctx.url = t.url;
    ctx.drop = t.drop;
    ctx.handle = createDb(t.url);
    await seedAgent(ctx.handle.db, 'alpha', 'momentum', 1_000n * USD);
    await seedAgent(ctx.handle.db, 'beta', 'mean-reversion', 500n * USD);
  });
  afterEach(async () => {
    await ctx.handle.close();
    await ctx.drop();
  });
  return ctx;
}

/** A consistent little history: buys and a partial sell in a market with fees, and a settlement of another token. */
async function writeConsistentHistory(handle: DbHandle): Promise<FillApplied[]> {
  const db = handle.db;
  return [
    // fee 100 × 0.02 × 0.40 × 0.60 = 0.48
    await writeTradeFill(db, { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 100n * USD, feeSchedule: TWO_PERCENT }),
    await writeTradeFill(db, { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 450_001n, sizeMicros: 33_333_333n, feeSchedule: TWO_PERCENT }),
    // fee 60 × 0.02 × 0.51 × 0.49 = 0.29988
    await writeTradeFill(db, { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'SELL', priceMicros: 510_000n, sizeMicros: 60n * USD, feeSchedule: TWO_PERCENT }),
    await writeTradeFill(db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', side: 'BUY', priceMicros: 700_000n, sizeMicros: 20n * USD }),
    await writeSettlementFill(db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', won: true }),
  ];
}

describe('fill checks against the book of record', () => {
  const ctx = useDatabase();

  it('finds nothing wrong with consistent fills, per fill and floor-wide', async () => {
    const fills = await writeConsistentHistory(ctx.handle);
    for (const fill of fills) {
      const outcomes = await auditFill(ctx.handle.db, fill, context);
      expect(findingsOf(outcomes)).toEqual([]);
      expect(outcomes.map((o) => o.rule)).toEqual([
        AuditRules.fillRecorded,
        AuditRules.fillMatchesEvent,
        AuditRules.fillPriceWithinBook,
        AuditRules.feeMatchesSchedule,
        AuditRules.withinLimitsInForce,
        AuditRules.ledgerTxnBalanced,
        AuditRules.cashPostingMatchesFill,
        AuditRules.positionMatchesFills,
        AuditRules.cashNonNegative,
      ]);
    }
    expect(findingsOf(await checkLedgerIdentity(ctx.handle.db))).toEqual([]);
  });

  it('reports a cash posting that disagrees with the fill, with its rule, ids and numbers', async () => {
    await writeConsistentHistory(ctx.handle);
    const bad = await writeTradeFill(ctx.handle.db, {
      agentId: 'alpha', marketId: 'm3', tokenId: 'yes3', side: 'BUY', priceMicros: 250_000n, sizeMicros: 10n * USD, feeSchedule: TWO_PERCENT,
      tamperPostings: shiftCashToFees(1_234n),
    });
    const findings = findingsOf(await auditFill(ctx.handle.db, bad, context));
    expect(findings).toEqual([
      {
        severity: 'critical',
        rule: AuditRules.cashPostingMatchesFill,
        agentId: 'alpha',
        refId: bad.fillId,
        detail: {
          ledgerTxnId: expect.stringMatching(/^ltx_/) as unknown as string,
          expectedMicros: String(bad.cashDeltaMicros),
          actualMicros: String(bad.cashDeltaMicros - 1_234n),
          differenceMicros: '-1234',
        },
      },
    ]);

    // Stored once, however often it is re-found (the auditor re-checks after a crash).
    const outcomes = await auditFill(ctx.handle.db, bad, context);
    expect(await recordOutcomes(ctx.handle.db, outcomes)).toHaveLength(1);
    expect(await recordOutcomes(ctx.handle.db, outcomes)).toHaveLength(0);
    const stored = await listFindings(ctx.handle.db, { limit: 10 });
    expect(stored.map((f) => [f.id, f.rule, f.agentId, f.refId])).toEqual([
      [findingId({ rule: AuditRules.cashPostingMatchesFill, refId: bad.fillId }), AuditRules.cashPostingMatchesFill, 'alpha', bad.fillId],
    ]);

    // The floor-wide identity sees the same break from the other side: alpha's cash and floor:fees are off.
    const identityRules = findingsOf(await checkLedgerIdentity(ctx.handle.db)).map((f) => [f.rule, f.agentId]);
    expect(identityRules).toEqual([
      [AuditRules.feesAccountMatches, null],
      [AuditRules.agentIdentity, 'alpha'],
    ]);
  });

  it('reports an altered position row against the sum of all fills, whichever fill is checked', async () => {
    const fills = await writeConsistentHistory(ctx.handle);
    await ctx.handle.db.execute(sql`UPDATE positions SET size_micros = size_micros + 5 WHERE agent_id = 'alpha' AND token_id = 'yes1'`);
    const first = fills[0] as FillApplied;
    const findings = findingsOf(await auditFill(ctx.handle.db, first, context));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: AuditRules.positionMatchesFills,
      agentId: 'alpha',
      refId: first.fillId,
      detail: { tokenId: 'yes1', expectedMicros: String(100n * USD + 33_333_333n - 60n * USD), differenceMicros: '5' },
    });
  });

  it('reports a fill announced on the stream that Postgres does not have, and an announcement that differs', async () => {
    const [fill] = await writeConsistentHistory(ctx.handle);
    const ghost: FillApplied = { ...(fill as FillApplied), fillId: 'fil_ghost' };
    expect(findingsOf(await auditFill(ctx.handle.db, ghost, context)).map((f) => [f.rule, f.refId])).toEqual([[AuditRules.fillRecorded, 'fil_ghost']]);

    const misquoted: FillApplied = { ...(fill as FillApplied), cashDeltaMicros: 1n };
    const findings = findingsOf(await auditFill(ctx.handle.db, misquoted, context));
    expect(findings.map((f) => f.rule)).toEqual([AuditRules.fillMatchesEvent]);
    expect(findings[0]?.detail).toEqual({ 'cashDeltaMicros.stored': String((fill as FillApplied).cashDeltaMicros), 'cashDeltaMicros.event': '1' });
  });

  it('reports negative cash', async () => {
    // 2,000 shares at 0.60 cost $1,200 of beta's $500: the executor's cash check would refuse this.
    const fill = await writeTradeFill(ctx.handle.db, { agentId: 'beta', marketId: 'm4', tokenId: 'yes4', side: 'BUY', priceMicros: 600_000n, sizeMicros: 2_000n * USD });
    const findings = findingsOf(await auditFill(ctx.handle.db, fill, context));
    expect(findings.map((f) => [f.rule, f.agentId, f.refId, f.detail.cashMicros])).toEqual([
      [AuditRules.cashNonNegative, 'beta', fill.fillId, String(500n * USD - 1_200n * USD)],
    ]);
  });

  it('checks the ledger identity: passes when consistent, fails on a forced unbalanced allocation', async () => {
    await writeConsistentHistory(ctx.handle);
    expect(findingsOf(await checkLedgerIdentity(ctx.handle.db))).toEqual([]);

    // Postgres refuses an unbalanced txn at commit (deferred trigger). To plant one, this connection runs as a
    // replica: session_replication_role = replica (superuser only) disables ordinary triggers for the session.
    const client = new pg.Client({ connectionString: ctx.url });
    await client.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(`INSERT INTO ledger_txns (id, kind, ref, agent_id) VALUES ('ltx_forced', 'allocation', 'alpha:forced', 'alpha')`);
      await client.query(`
        INSERT INTO ledger_entries (txn_id, account, agent_id, amount_micros)
        VALUES ('ltx_forced', 'agent:alpha:cash', 'alpha', 5000000), ('ltx_forced', 'floor:capital', 'alpha', -4000000)`);
    } finally {
      await client.end();
    }

    const findings = findingsOf(await checkLedgerIdentity(ctx.handle.db));
    // The agent's own identity still holds (the allocation counts on both sides of it); the ledger as a whole does not.
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      severity: 'critical',
      rule: AuditRules.ledgerBalanced,
      agentId: null,
      refId: expect.stringMatching(/^ledger@\d+$/) as unknown as string,
      detail: { expectedMicros: '0', actualMicros: '1000000', unbalancedTxns: 'ltx_forced' },
    });
    // Re-checking an unchanged ledger re-finds the same finding, which is stored once.
    expect(await recordOutcomes(ctx.handle.db, await checkLedgerIdentity(ctx.handle.db))).toHaveLength(1);
    expect(await recordOutcomes(ctx.handle.db, await checkLedgerIdentity(ctx.handle.db))).toHaveLength(0);
  });
});

describe('auditor consumer over a Redis stream', () => {
  const ctx = useDatabase();
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let redis: Redis;
  let streamRedis: Redis;
  const group = 'auditor';

  beforeAll(() => {
    redisPrefix = createTestRedisPrefix('auditor');
    redis = createRedis(redisPrefix.redisUrl, 'auditor-test');
    streamRedis = createRedis(redisPrefix.redisUrl, 'auditor-test-stream');
  });
  afterAll(async () => {
    streamRedis.disconnect();
    redis.disconnect();
    await redisPrefix.cleanup();
  });

  /** Resolves once the group has been handed `lastId` and acknowledged everything it was handed. */
  async function waitUntilAudited(stream: string, lastId: string) {
    await waitFor(
      async () => {
        const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
        const info = groups.map((g) => Object.fromEntries(chunk(g)) as Record<string, unknown>).find((g) => g.name === group);
        return info && info['last-delivered-id'] === lastId && Number(info.pending) === 0;
      },
      { what: `group ${group} to acknowledge up to ${lastId}` },
    );
  }

  it('audits announced fills, records findings, survives a crash between read and ack', async () => {
    const names = busNames(`${redisPrefix.prefix}-e2e`);
    const stream = names.fillsStream;
    const add = (payload: string) => appendToStream(redis, stream, payload, STREAM_MAXLEN.fills);
    const [good] = await writeConsistentHistory(ctx.handle);
    const bad = await writeTradeFill(ctx.handle.db, {
      agentId: 'alpha', marketId: 'm3', tokenId: 'yes3', side: 'BUY', priceMicros: 250_000n, sizeMicros: 10n * USD,
      tamperPostings: shiftCashToFees(7n),
    });

    // Before any auditor runs: two entries are read but never acknowledged, as if auditors crashed mid-check,
    // one by this auditor's own consumer name and one by a consumer that never comes back.
    await ensureGroup(redis, stream, group);
    await add(stringifyWire(good));
    await redis.xreadgroup('GROUP', group, 'auditor-1', 'COUNT', 1, 'STREAMS', stream, '>');
    await add(stringifyWire(bad));
    await redis.xreadgroup('GROUP', group, 'auditor-gone', 'COUNT', 1, 'STREAMS', stream, '>');
    const notJson = await add('{not json');
    const wrongShape = await add(JSON.stringify({ type: 'fill', v: 1, fillId: 'fil_x' }));

    const registry = new Registry();
    const consumer = await startFillAuditConsumer({
      db: ctx.handle.db, context, redis: streamRedis, stream, group, consumer: 'auditor-1', log,
      metrics: createAuditMetrics(registry), blockMs: 100, claimIdleMs: 0,
    });
    try {
      await waitUntilAudited(stream, wrongShape);
      const byRule = async () => (await listFindings(ctx.handle.db)).map((f) => `${f.rule} ${f.refId}`).sort();
      expect(await byRule()).toEqual(
        [`${AuditRules.cashPostingMatchesFill} ${bad.fillId}`, `${AuditRules.malformedEvent} ${notJson}`, `${AuditRules.malformedEvent} ${wrongShape}`].sort(),
      );

      // Live entries, read with '>': one more consistent fill, then one whose position row was tampered with.
      const later = await writeTradeFill(ctx.handle.db, { agentId: 'beta', marketId: 'm5', tokenId: 'yes5', side: 'BUY', priceMicros: 300_000n, sizeMicros: USD });
      await ctx.handle.db.execute(sql`UPDATE positions SET size_micros = 0 WHERE agent_id = 'beta' AND token_id = 'yes5'`);
      const lastId = await add(stringifyWire(later));
      await waitUntilAudited(stream, lastId);
      expect(await byRule()).toContain(`${AuditRules.positionMatchesFills} ${later.fillId}`);
      expect(await byRule()).toHaveLength(4);

      const checks = await registry.getSingleMetric('floor_audit_checks_total')?.get();
      const count = (rule: string, result: string) =>
        checks?.values.find((v) => v.labels.rule === rule && v.labels.result === result)?.value ?? 0;
      expect(count(AuditRules.fillRecorded, 'pass')).toBe(3);
      expect(count(AuditRules.malformedEvent, 'fail')).toBe(2);
      expect(count(AuditRules.cashPostingMatchesFill, 'fail')).toBe(1);
      expect(count(AuditRules.positionMatchesFills, 'fail')).toBe(1);
    } finally {
      await consumer.stop();
    }
  });
});

function chunk(flat: unknown[]): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]]);
  return out;
}
