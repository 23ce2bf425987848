import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { BookSnapshot, MarketInfo, type FeeSchedule, type FillApplied } from '@floor/domain';
import { appendAudit, createDb, listFindings, processIntent, settleMarket, upsertMarket, type DbHandle } from '@floor/db';
import { busNames, createRedis, readKillSwitch, type BusNames } from '@floor/bus';
import { ACTIVE, RiskConfig } from '@floor/risk';
import { createLogger } from '@floor/telemetry';
import {
  auditFill,
  AuditRules,
  findingsOf,
  KILL_SWITCH_GRACE_MS,
  onCriticalFinding,
  recordOutcomes,
  type AuditRule,
  type FillAuditContext,
} from '@floor/audit';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';
import { permissiveRisk, TEST_BANKROLL_MICROS } from '../setup/risk.js';
import { seedAgent, writeSettlementFill, writeTradeFill } from '../setup/fill-writer.js';

/**
 * The checks of a fill against the decision behind it: fill_price_within_book, fee_matches_schedule and
 * within_limits_in_force. Each gets a consistent history (no finding) and planted fills the executor would never
 * have written (a finding with its rule, ids and numbers, which trips the agent's kill switch in 'agent' mode).
 */

const USD = 1_000_000n;
const log = createLogger('audit-rules-test', 'silent');
const TWO_PERCENT: FeeSchedule = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
/** floor.yaml without a risk section: every agent may stake $100 per entry. */
const context: FillAuditContext = { risk: RiskConfig.parse({}) };

describe('the auditor checks each fill against the decision that produced it', () => {
  const ctx = { handle: undefined as unknown as DbHandle, drop: async () => undefined as void };
  let redisPrefix: ReturnType<typeof createTestRedisPrefix>;
  let redis: Redis;
  let names: BusNames;

  beforeAll(() => {
    redisPrefix = createTestRedisPrefix('auditrules');
    redis = createRedis(redisPrefix.redisUrl, 'audit-rules-test');
  });
  afterAll(async () => {
    redis.disconnect();
    await redisPrefix.cleanup();
  });
  beforeEach(async () => {
    const t = await createTestDatabase('audit_rules');
    ctx.drop = t.drop;
    ctx.handle = createDb(t.url);
    names = busNames(`${redisPrefix.prefix}-${Math.random().toString(36).slice(2, 8)}`);
    await seedAgent(ctx.handle.db, 'alpha', 'momentum', 1_000n * USD);
  });
  afterEach(async () => {
    await ctx.handle.close();
    await ctx.drop();
  });

  const db = () => ctx.handle.db;
  const findings = async (fill: FillApplied) => findingsOf(await auditFill(db(), fill, context));
  const setAgentRisk = (risk: Record<string, unknown>) => db().execute(sql`UPDATE agents SET risk = ${JSON.stringify(risk)}::jsonb WHERE id = 'alpha'`);

  /** Audits the fill as the auditor does (new critical findings trip the agent's switch, then are stored). */
  async function auditAsTheAuditor(fill: FillApplied) {
    return recordOutcomes(db(), await auditFill(db(), fill, context), undefined, onCriticalFinding({ redis, names, mode: 'agent', log }));
  }

  /** The one finding of `fill` is `rule`'s, critical, on alpha and the fill; recording it trips alpha's switch. */
  async function expectCriticalFinding(fill: FillApplied, rule: AuditRule): Promise<Record<string, string>> {
    const found = await findings(fill);
    expect(found.map((f) => [f.severity, f.rule, f.agentId, f.refId])).toEqual([['critical', rule, 'alpha', fill.fillId]]);
    expect(await auditAsTheAuditor(fill)).toHaveLength(1);
    expect(await readKillSwitch(redis, names, 'alpha')).toEqual({ global: true, reason: `audit finding ${rule} on ${fill.fillId}` });
    expect((await listFindings(db())).map((f) => f.rule)).toEqual([rule]);
    return found[0]?.detail ?? {};
  }

  it('finds nothing wrong with fills the executor could have written', async () => {
    await setAgentRisk({ maxStakeUsd: 150 });
    const fills = [
      // a BUY limited at 0.45 that took the whole 0.40 level and part of 0.42, fee by the 2 % schedule
      await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 50n * USD, feeSchedule: TWO_PERCENT,
        order: { limitPriceMicros: 450_000n, sizeMicros: 70n * USD, bookLevels: [{ priceMicros: 400_000n, sizeMicros: 50n * USD }, { priceMicros: 420_000n, sizeMicros: 30n * USD }] },
      }),
      // a stake of $140: over the floor's $100, within alpha's own $150
      await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 700_000n, sizeMicros: 200n * USD, feeSchedule: TWO_PERCENT,
      }),
      // a SELL limited at 0.50 that hit the 0.55 bid
      await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'SELL', priceMicros: 550_000n, sizeMicros: 100n * USD, feeSchedule: TWO_PERCENT,
        order: { limitPriceMicros: 500_000n, bookLevels: [{ priceMicros: 550_000n, sizeMicros: 120n * USD }] },
      }),
      await writeSettlementFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', won: true }),
      await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm2', tokenId: 'no2', side: 'BUY', priceMicros: 300_000n, sizeMicros: 10n * USD }),
      await writeSettlementFill(db(), { agentId: 'alpha', marketId: 'm2', tokenId: 'no2', won: false }),
    ];
    for (const fill of fills) {
      const outcomes = await auditFill(db(), fill, context);
      expect(findingsOf(outcomes)).toEqual([]);
      expect(outcomes.map((o) => o.rule)).toEqual(expect.arrayContaining([AuditRules.fillPriceWithinBook, AuditRules.feeMatchesSchedule, AuditRules.withinLimitsInForce]));
    }
  });

  it("finds nothing wrong with what the executor itself writes: a walk over an empty level, a SELL, settlement", async () => {
    const risk = permissiveRisk({ agent: { maxStakeUsd: 50 } });
    const info = MarketInfo.parse({
      marketId: 'mx',
      question: 'Will mx happen?',
      endDateMs: Date.now() + 86_400_000,
      fee: { rateMicros: '40000', exponent: 1, takerOnly: true },
      tokens: [{ tokenId: 'mx-yes', outcome: 'Yes' }, { tokenId: 'mx-no', outcome: 'No' }],
    });
    await upsertMarket(db(), info);
    // empty ask levels between the two the BUY takes (feed artefacts the match skips): book_seen must still reach 0.52
    const book = BookSnapshot.parse({
      v: 1, type: 'book', eventId: 'evt_book_mx', marketId: 'mx', tokenId: 'mx-yes', tsEventMs: Date.now(), tsPublishedMs: Date.now(),
      source: 'simulator', stale: false,
      bids: [{ priceMicros: '480000', sizeMicros: '10000000' }],
      asks: [
        { priceMicros: '500000', sizeMicros: '10000000' },
        { priceMicros: '505000', sizeMicros: '0' },
        { priceMicros: '510000', sizeMicros: '0' },
        { priceMicros: '520000', sizeMicros: '20000000' },
      ],
    });
    const decide = (side: 'BUY' | 'SELL', limitPriceMicros: bigint, sizeMicros: bigint, n: number) =>
      processIntent(db(), {
        type: 'intent', v: 1, intentId: `int_audit_rules_${n}`, agentId: 'alpha', marketId: 'mx', tokenId: 'mx-yes', side, orderType: 'FAK',
        limitPriceMicros, sizeMicros, reason: 'test', causationId: `evt_cause_${n}`, tsEventMs: Date.now(), tsCreatedMs: Date.now(), live: false,
      }, {
        market: info,
        book,
        preTrade: {
          risk, bankrollMicros: TEST_BANKROLL_MICROS, killSwitch: { global: null, agent: null, market: null },
          tradingState: { floor: ACTIVE, agent: ACTIVE }, sizeMultiplier: 1, marks: async () => new Map(),
        },
        nowMs: Date.now(),
      });
    const buy = await decide('BUY', 550_000n, 25n * USD, 1);
    expect(buy.fills.map((f) => f.priceMicros)).toEqual([500_000n, 520_000n]);
    const sell = await decide('SELL', 450_000n, 5n * USD, 2);
    const settled = await settleMarket(db(), { marketId: 'mx', winningTokenId: 'mx-no', tokenIds: ['mx-yes', 'mx-no'] });

    const checked = { ...context, risk };
    for (const fill of [...buy.fills, ...sell.fills, ...settled.fills]) {
      expect(findingsOf(await auditFill(db(), fill, checked))).toEqual([]);
    }
    expect(settled.fills).toHaveLength(1);
  });

  describe(AuditRules.fillPriceWithinBook, () => {
    it('reports a fill at a price that is not a level of the book the executor saw', async () => {
      const fill = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 410_000n, sizeMicros: 10n * USD,
        order: { limitPriceMicros: 450_000n, bookLevels: [{ priceMicros: 400_000n, sizeMicros: 5n * USD }, { priceMicros: 420_000n, sizeMicros: 50n * USD }] },
      });
      expect(await expectCriticalFinding(fill, AuditRules.fillPriceWithinBook)).toEqual({
        priceMicros: '410000',
        sizeMicros: '10000000',
        clientOrderId: fill.clientOrderId,
        side: 'BUY',
        bookPricesMicros: '400000,420000',
        problem: 'fill price is not a level of the book the executor saw',
      });
    });

    it('reports a fill through the limit, and more filled at a price than the level offered', async () => {
      await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 20n * USD });
      // a SELL limited at 0.50 sold at 0.48
      const sell = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'SELL', priceMicros: 480_000n, sizeMicros: 5n * USD,
        order: { limitPriceMicros: 500_000n, bookLevels: [{ priceMicros: 480_000n, sizeMicros: 10n * USD }] },
      });
      expect(await findings(sell)).toMatchObject([
        { rule: AuditRules.fillPriceWithinBook, detail: { priceMicros: '480000', limitPriceMicros: '500000', side: 'SELL', problem: 'fill is through the order limit' } },
      ]);

      const overLevel = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 8n * USD,
        order: { bookLevels: [{ priceMicros: 400_000n, sizeMicros: 5n * USD }] },
      });
      expect(await findings(overLevel)).toMatchObject([
        {
          rule: AuditRules.fillPriceWithinBook,
          detail: { levelSizeMicros: '5000000', filledAtPriceMicros: '8000000', problem: 'the order filled more at this price than the level offered' },
        },
      ]);
    });

    it('reports a settlement that does not pay what the recorded winner says', async () => {
      await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 10n * USD });
      const settlement = await writeSettlementFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', won: true });
      expect(await findings(settlement)).toEqual([]);
      // the market's row names the other token the winner: yes1 should have paid 0
      await db().execute(sql`UPDATE markets SET winning_token_id = 'no1' WHERE market_id = 'm1'`);
      expect(await expectCriticalFinding(settlement, AuditRules.fillPriceWithinBook)).toEqual({
        priceMicros: '1000000',
        sizeMicros: '10000000',
        tokenId: 'yes1',
        winningTokenId: 'no1',
        expectedPriceMicros: '0',
        problem: 'a losing token settles at 0',
      });
    });
  });

  describe(AuditRules.feeMatchesSchedule, () => {
    it('reports a fee 10 micros off the schedule recorded with the order', async () => {
      // 100 × 0.02 × 0.40 × 0.60 = 0.48
      const fill = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 100n * USD, feeSchedule: TWO_PERCENT, feeMicros: 480_010n,
      });
      expect(await expectCriticalFinding(fill, AuditRules.feeMatchesSchedule)).toEqual({
        priceMicros: '400000',
        sizeMicros: '100000000',
        rateMicros: '20000',
        exponent: '1',
        source: 'order',
        expectedMicros: '480000',
        actualMicros: '480010',
        differenceMicros: '10',
      });
    });

    it("falls back to the markets row's schedule for an order that recorded none, and warns when there is neither", async () => {
      const unexplained = await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 100n * USD, feeMicros: 480_000n });
      expect((await findings(unexplained)).map((f) => [f.severity, f.rule, f.detail.problem])).toEqual([
        ['warning', AuditRules.feeMatchesSchedule, 'no fee schedule recorded with the order or the market'],
      ]);
      await db().execute(sql`
        INSERT INTO markets (market_id, question, category, info)
        VALUES ('m1', 'Will it?', 'other', '{"fee": {"rateMicros": "20000", "exponent": 1, "takerOnly": true}}'::jsonb)`);
      expect(await findings(unexplained)).toEqual([]);
    });
  });

  describe(AuditRules.withinLimitsInForce, () => {
    it('reports an entry over the stake limit: the floor default, then the agent override', async () => {
      // 200 shares limited at 0.60 stake $120 of the $100 allowed
      const fill = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 550_000n, sizeMicros: 200n * USD,
        order: { limitPriceMicros: 600_000n, bookLevels: [{ priceMicros: 550_000n, sizeMicros: 500n * USD }] },
      });
      expect(await expectCriticalFinding(fill, AuditRules.withinLimitsInForce)).toEqual({
        clientOrderId: fill.clientOrderId,
        side: 'BUY',
        limitPriceMicros: '600000',
        orderSizeMicros: '200000000',
        stakeMicros: '120000000',
        maxStakeMicros: '100000000',
        problem: 'order stake over the agent maxStakeUsd',
      });

      // alpha's strategy file allows $200: fine; one that allows $20 makes a $40 entry too large
      await setAgentRisk({ maxStakeUsd: 200 });
      expect(await findings(fill)).toEqual([]);
      await setAgentRisk({ maxStakeUsd: '20' });
      const small = await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm2', tokenId: 'yes2', side: 'BUY', priceMicros: 400_000n, sizeMicros: 100n * USD });
      expect(await findings(small)).toMatchObject([{ rule: AuditRules.withinLimitsInForce, detail: { stakeMicros: '40000000', maxStakeMicros: '20000000' } }]);
    });

    it('reports a fill on a denied order', async () => {
      const fill = await writeTradeFill(db(), {
        agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 10n * USD, order: { status: 'denied' },
      });
      expect(await expectCriticalFinding(fill, AuditRules.withinLimitsInForce)).toEqual({
        clientOrderId: fill.clientOrderId,
        side: 'BUY',
        orderStatus: 'denied',
        problem: 'fill on a denied order',
      });
    });

    it("reports an order decided while the agent's or the floor's kill switch was on, by the audit log", async () => {
      // the database stamps audit rows with the clock, so the test waits out the grace around each flip
      const pastTheGrace = () => new Promise((resolve) => setTimeout(resolve, KILL_SWITCH_GRACE_MS + 100));
      const flip = (subject: string, on: boolean, reason: string) =>
        appendAudit(db(), { actor: { type: 'operator', user: 'ops' }, action: 'killswitch.set', subject, detail: { on, reason } });
      // the floor switch was on and off again at once; alpha's own is set and stays on; beta's is no concern of alpha's
      await flip('floor', true, 'drill');
      await flip('floor', false, 'drill over');
      await flip('alpha', true, 'ops: alpha misbehaves');
      await flip('beta', true, 'ops: beta misbehaves');
      await pastTheGrace();

      const fill = await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 10n * USD });
      const detail = await expectCriticalFinding(fill, AuditRules.withinLimitsInForce);
      expect(detail).toMatchObject({
        clientOrderId: fill.clientOrderId,
        scope: 'agent',
        switchReason: 'ops: alpha misbehaves',
        problem: 'order decided while the agent kill switch was on',
      });
      expect(Date.parse(detail.orderDecidedAt ?? '') - Date.parse(detail.switchSetAt ?? '')).toBeGreaterThan(KILL_SWITCH_GRACE_MS);

      // once it is cleared, orders are the executor's to take again
      await flip('alpha', false, 'ops: fixed');
      await pastTheGrace();
      const later = await writeTradeFill(db(), { agentId: 'alpha', marketId: 'm1', tokenId: 'yes1', side: 'BUY', priceMicros: 400_000n, sizeMicros: 10n * USD });
      expect(await findings(later)).toEqual([]);
    });
  });
});
