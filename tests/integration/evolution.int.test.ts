import type { AlertEvent } from '@floor/alerts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames, createRedis, floorTradingScope, readTradingStates, recordVenueCall, requestBreakerReset } from '@floor/bus';
import { parseFloorConfig, type FloorConfig } from '@floor/config';
import { createDb, listAgents, listEvolutionDecisions, readAgentPortfolio, type DbHandle } from '@floor/db';
import { createRng, randomEntryReturns } from '@floor/evolution';
import { collectFloorStatus } from '@floor/floor-status';
import { simulatedDataset, writeDataset } from '@floor/sim';
import { getStrategy, validateStrategyParams } from '@floor/strategies';
import { BreakerRunner, RETIRED_DIR, runEvaluationPeriod, type EvaluationDeps } from '@floor/supervisor';
import { createLogger } from '@floor/telemetry';
import { seedAgent, writeTradeFill } from '../setup/fill-writer.js';
import { createTestDatabase, createTestRedisPrefix } from '../setup/harness.js';

/**
 * The Boss's evaluation period and breakers, in-process, against a real Postgres and Redis: agents seeded with
 * strategy files, capital and round-trip fills whose returns are drawn (no edge, a real edge, a loser, a losing
 * streak), and a small generated dataset for the clone's backtest.
 */
const NULL_AGENTS = 12;
const TRADES = 24;
const PERIOD = 500_000;
const USD = 1_000_000n;
/** the momentum params of the edge agent: profitable on the trending clone-test dataset below */
const EDGE_PARAMS = { lookback: 10, thresholdBps: 100, stakeUsd: 20, takeProfitBps: 1000, stopLossBps: 2000, maxHoldMs: 86_400_000 };

describe('Floor Boss evaluation period and breakers', () => {
  const root = mkdtempSync(join(tmpdir(), 'floor-evolution-int-'));
  const strategiesDir = join(root, 'config', 'strategies');
  const redisPrefix = createTestRedisPrefix('evo');
  const names = busNames(redisPrefix.prefix);
  const redis = createRedis(redisPrefix.redisUrl, 'evolution-int');
  const log = createLogger('boss-test', 'silent');
  let database: { url: string; drop: () => Promise<void> };
  let dbHandle: DbHandle;
  let floor: FloorConfig;
  const nullIds = Array.from({ length: NULL_AGENTS }, (_, i) => `null-${String(i).padStart(2, '0')}`);

  const deps = (overrides: Partial<EvaluationDeps> = {}): EvaluationDeps => ({
    db: dbHandle.db,
    floor,
    strategiesDir,
    root,
    validateParams: validateStrategyParams,
    paramsSchema: (s) => getStrategy(s).params,
    log,
    redis,
    names,
    ...overrides,
  });
  const audit = async (action: string) =>
    (await dbHandle.db.execute(sql`SELECT subject, detail FROM audit_log WHERE action = ${action} ORDER BY id`)).rows as Array<{ subject: string; detail: Record<string, unknown> }>;

  /** One round trip per return: BUY 100 shares at 0.50, SELL them at 0.50 × (1 + r). */
  async function writeTrades(agentId: string, returns: readonly number[]): Promise<void> {
    for (const [i, r] of returns.entries()) {
      const tokenId = `${agentId}-t${i}`;
      const trade = { agentId, marketId: `m-${agentId}`, tokenId, sizeMicros: 100n * USD };
      await writeTradeFill(dbHandle.db, { ...trade, side: 'BUY', priceMicros: 500_000n });
      await writeTradeFill(dbHandle.db, { ...trade, side: 'SELL', priceMicros: BigInt(Math.round(500_000 * (1 + r))) });
    }
  }
  const writeStrategy = (agentId: string, params: Record<string, unknown>) =>
    writeFileSync(join(strategiesDir, `${agentId}.yaml`), `strategy: momentum\nparams: ${JSON.stringify(params)}\n`);

  beforeAll(async () => {
    database = await createTestDatabase('evolution');
    dbHandle = createDb(database.url);
    mkdirSync(strategiesDir, { recursive: true });
    mkdirSync(join(root, 'data'));

    // the clone-test dataset: six markets trending hard for two sim-days
    const { header, events } = simulatedDataset('clone-test', {
      seed: 11,
      markets: 6,
      startMs: Date.UTC(2025, 0, 1),
      stepMs: 60_000,
      steps: 2 * 24 * 60,
      staggerMs: 3_600_000,
      driftFor: (i) => (i % 2 ? 6 : -6),
    });
    await writeDataset(join(root, 'data', 'clone-test.jsonl.gz'), header, events);

    floor = parseFloorConfig({
      bankrollUsd: 10_000,
      evolution: { minTrades: 20, minPopulation: 2, maxPopulation: 30, cloneTestDataset: 'data/clone-test.jsonl.gz', backtest: { minTrades: 5 } },
    });

    const rng = createRng(2024);
    for (const id of nullIds) {
      writeStrategy(id, {});
      await seedAgent(dbHandle.db, id, 'momentum', 500n * USD);
      await writeTrades(id, randomEntryReturns(rng, TRADES, 0.02, 0));
    }
    writeStrategy('edge', EDGE_PARAMS);
    await seedAgent(dbHandle.db, 'edge', 'momentum', 500n * USD);
    await writeTrades('edge', randomEntryReturns(rng, TRADES, 0.02, 0.015));
    writeStrategy('loser', {});
    await seedAgent(dbHandle.db, 'loser', 'momentum', 500n * USD);
    await writeTrades('loser', randomEntryReturns(rng, TRADES, 0.02, -0.01));
    // on probation (5 trades), but five losses in a row
    writeStrategy('streaky', {});
    await seedAgent(dbHandle.db, 'streaky', 'momentum', 500n * USD);
    await writeTrades('streaky', [-0.02, -0.05, -0.01, -0.03, -0.04]);
  }, 120_000);

  afterAll(async () => {
    redis.disconnect();
    await redisPrefix.cleanup();
    await dbHandle?.close();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('five losing closed trades trip the agent into reducing: Redis, the audit log, breaker_events and floor status', async () => {
    const alerts: AlertEvent[] = [];
    const runner = new BreakerRunner({ db: dbHandle.db, redis, names, risk: floor.risk, bankrollMicros: floor.bankrollUsd, log, alert: (a) => alerts.push(a) });
    const events = await runner.tick(Date.now());
    // no-edge agents can have five losses in a row by chance too; the edge agent did not
    expect(events.map((e) => [e.breaker, e.scope, e.transition])).toContainEqual(['lossStreak', 'agent:streaky', 'tripped']);
    expect(events.every((e) => e.breaker === 'lossStreak' && e.transition === 'tripped' && e.scope !== 'agent:edge')).toBe(true);
    // every trip reaches people too
    expect(alerts).toContainEqual(expect.objectContaining({ type: 'breaker_tripped', breaker: 'lossStreak', agentId: 'streaky' }));
    expect(alerts).toHaveLength(events.length);

    const states = await readTradingStates(redis, names, ['agent:streaky', 'agent:edge', 'floor']);
    expect(states.get('agent:streaky')).toMatchObject({ state: 'reducing', reason: '5 losing trades in a row' });
    expect(states.get('agent:edge')?.state).toBe('active');
    expect(states.get('floor')?.state).toBe('active');

    const tripped = await audit('risk.breaker.tripped');
    expect(tripped).toHaveLength(events.length);
    expect(tripped).toContainEqual(expect.objectContaining({ subject: 'agent:streaky', detail: expect.objectContaining({ breaker: 'lossStreak', numbers: { consecutiveLosses: 5, limit: 5 } }) }));
    const rows = await dbHandle.db.execute(sql`SELECT breaker, scope, transition FROM breaker_events`);
    expect(rows.rows).toHaveLength(events.length);
    expect(rows.rows).toContainEqual({ breaker: 'lossStreak', scope: 'agent:streaky', transition: 'tripped' });

    const status = await collectFloorStatus({ db: dbHandle.db, redis, names });
    expect(status.breakers?.agents.find((a) => a.agentId === 'streaky')).toMatchObject({ state: 'reducing', trips: 1 });
    expect(status.breakers?.recent).toContainEqual(expect.objectContaining({ breaker: 'lossStreak', transition: 'tripped', scope: 'agent:streaky' }));

    // a restarted runner resumes from the saved position: nothing is counted twice
    const again = new BreakerRunner({ db: dbHandle.db, redis, names, risk: floor.risk, bankrollMicros: floor.bankrollUsd, log });
    expect(await again.tick(Date.now())).toEqual([]);
    expect(again.current.tripCounts['lossStreak/agent:streaky']).toBe(1);
    expect(Object.keys(again.current.tripCounts)).toHaveLength(events.length);

    // an operator's reset (`floor breaker reset lossStreak --agent streaky`) reaches the Boss through Redis
    await requestBreakerReset(redis, names, { breaker: 'lossStreak', scope: 'agent:streaky', by: 'ops', tsMs: Date.now() });
    const reset = await again.tick(Date.now());
    expect(reset).toContainEqual(expect.objectContaining({ breaker: 'lossStreak', scope: 'agent:streaky', transition: 'reset' }));
    const after = await collectFloorStatus({ db: dbHandle.db, redis, names });
    expect(after.breakers?.agents.find((a) => a.agentId === 'streaky')?.state).not.toBe('reducing');
    expect(await again.tick(Date.now())).toEqual([]);

    // the exchange failing a third of the calls (counted by the collector and executor in Redis) pauses new orders
    for (let i = 0; i < 30; i += 1) await recordVenueCall(redis, names, i % 3 !== 0);
    // the Boss reads whole seconds only: the next tick, a second later, sees these
    const api = await again.tick(Date.now() + 1_000);
    expect(api).toContainEqual(expect.objectContaining({ breaker: 'apiErrors', scope: 'floor', transition: 'tripped' }));
    expect((await readTradingStates(redis, names, [floorTradingScope])).get(floorTradingScope)?.state).toBe('reducing');
  });

  it('promotes the edge agent (clone file, lineage, decisions, audit), retires the loser, moves capital to the edge, promotes no no-edge agent', async () => {
    const before = await readAgentPortfolio(dbHandle.db, 'edge');
    const summary = await runEvaluationPeriod(deps(), PERIOD);
    expect(summary.skipped).toBe(false);

    // no-edge agents: at most 1 % promoted (of 12: none); promotion means a clone, or a clone refused for room
    const decisions = await listEvolutionDecisions(dbHandle.db, { period: PERIOD });
    const promotedNulls = decisions.filter((d) => nullIds.includes(d.agentId) && (d.kind === 'clone' || (d.kind === 'refuse' && (d.numbers as { refused?: string }).refused === 'clone')));
    expect(promotedNulls.length / NULL_AGENTS).toBeLessThanOrEqual(0.01);

    // the edge agent is cloned: decision, file with its header, agents row with lineage, audit rows
    const clone = decisions.find((d) => d.kind === 'clone');
    expect(clone?.agentId).toBe('edge');
    const lineage = clone?.lineage as { childAgentId: string; parentId: string; generation: number; mutated: Record<string, { from: unknown; to: unknown }> };
    expect(lineage).toMatchObject({ parentId: 'edge', generation: 1 });
    expect(Object.keys(lineage.mutated).length).toBeGreaterThan(0);
    expect(summary.cloned).toEqual([lineage.childAgentId]);
    const text = readFileSync(join(strategiesDir, `${lineage.childAgentId}.yaml`), 'utf8');
    expect(text).toMatch(/^# Clone of edge, generation 1/);
    expect(text).toMatch(/# Mutated params: /);
    const child = (await listAgents(dbHandle.db)).find((a) => a.id === lineage.childAgentId);
    expect(child).toMatchObject({ parentId: 'edge', generation: 1, status: 'active', live: false });
    expect((clone?.numbers as { backtestTrades: number }).backtestTrades).toBeGreaterThanOrEqual(5);
    expect((await audit('evolution.clone')).map((a) => a.subject)).toEqual(['edge']);
    expect((await audit('agent.cloned')).map((a) => a.subject)).toEqual([lineage.childAgentId]);

    // the loser is retired: file moved, row retired, idle capital back to the floor
    expect(summary.retired).toContain('loser');
    expect(existsSync(join(strategiesDir, 'loser.yaml'))).toBe(false);
    expect(existsSync(join(strategiesDir, RETIRED_DIR, 'loser.yaml'))).toBe(true);
    expect((await listAgents(dbHandle.db, { status: 'retired' })).map((a) => a.id)).toContain('loser');
    // every idle dollar goes back: what is left allotted is what it lost (allotment − cash), which no move can recover
    const loser = await readAgentPortfolio(dbHandle.db, 'loser');
    expect(loser.cashMicros).toBe(0n);
    expect(loser.allocatedMicros).toBe(-(loser.realizedPnlMicros - loser.feesMicros));
    expect((await audit('evolution.retire')).map((a) => a.subject)).toContain('loser');
    expect(decisions.find((d) => d.kind === 'retire' && d.agentId === 'loser')?.reason).toMatch(/PSR/);

    // capital moves toward the edge agent; the clone starts on probation capital (2 % of $10,000)
    const after = await readAgentPortfolio(dbHandle.db, 'edge');
    expect(after.allocatedMicros).toBeGreaterThan(before.allocatedMicros);
    // no no-edge agent gets more (a lucky one may share the per-agent cap, 20 %), and most get far less
    const nullAllotments = [];
    for (const id of nullIds) nullAllotments.push((await readAgentPortfolio(dbHandle.db, id)).allocatedMicros);
    for (const a of nullAllotments) expect(a).toBeLessThanOrEqual(after.allocatedMicros);
    const median = [...nullAllotments].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[NULL_AGENTS / 2] ?? 0n;
    expect(median * 2n).toBeLessThan(after.allocatedMicros);
    expect((await readAgentPortfolio(dbHandle.db, lineage.childAgentId)).allocatedMicros).toBe(200n * USD);
    const allocations = decisions.filter((d) => d.kind === 'allocate');
    expect(allocations.length).toBe(NULL_AGENTS + 2 - summary.retired.filter((id) => id !== 'loser').length + 1 /* clone */);
    expect((await audit('evolution.allocate')).length).toBe(allocations.length);
    expect(allocations.find((d) => d.agentId === 'edge')?.numbers).toMatchObject({ appliedTargetMicros: after.allocatedMicros.toString() });

    // the same period is never evaluated twice
    expect((await runEvaluationPeriod(deps(), PERIOD)).skipped).toBe(true);
  });

  it('refuses to start a clone without its test dataset, and says so', async () => {
    const noData = parseFloorConfig({ bankrollUsd: 10_000, evolution: { minTrades: 20, minPopulation: 2, maxPopulation: 30, cloneTestDataset: 'data/missing.jsonl.gz' } });
    await runEvaluationPeriod(deps({ floor: noData }), PERIOD + 1);
    const refusals = await listEvolutionDecisions(dbHandle.db, { period: PERIOD + 1, kind: 'refuse' });
    const edge = refusals.find((d) => d.agentId === 'edge');
    expect(edge?.reason).toMatch(/cannot be tested before it starts: the clone-test dataset data\/missing.jsonl.gz does not exist/);
    expect((await audit('evolution.refuse')).some((a) => a.subject === 'edge' && /does not exist/.test(String(a.detail.reason)))).toBe(true);
  });
});
