import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import type { FillApplied } from '@floor/domain';
import { appendAudit, createDb, recordFinding, type DbHandle } from '@floor/db';
import { createTestDatabase } from '../setup/harness.js';
import { seedAgent, writeSettlementFill, writeTradeFill } from '../setup/fill-writer.js';

/**
 * Runs every ```sql block of docs/audit-queries.md, as the read-only floor_auditor role, against a database
 * seeded with a small floor, and checks that each answers with the numbers the seed implies.
 */

const USD = 1_000_000n;
const DOC = fileURLToPath(new URL('../../docs/audit-queries.md', import.meta.url));

interface DocQuery {
  readonly title: string;
  readonly sql: string;
}

/** The `## N. Question` headings and the sql block under each. */
function readDocQueries(markdown: string): DocQuery[] {
  const queries: DocQuery[] = [];
  let title = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    if (line.startsWith('## ')) title = line.slice(3).trim();
    if (line.trim() !== '```sql') continue;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i]?.trim() !== '```'; i += 1) body.push(lines[i] ?? '');
    queries.push({ title, sql: body.join('\n') });
  }
  return queries;
}

/** A micro-unit amount as Postgres' micros_to_decimal prints it: six decimals, sign in front. */
function decimal(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  return `${sign}${abs / USD}.${(abs % USD).toString().padStart(6, '0')}`;
}

type Row = Record<string, unknown>;

describe('docs/audit-queries.md', () => {
  const queries = readDocQueries(readFileSync(DOC, 'utf8'));
  let handle: DbHandle;
  let drop: () => Promise<void>;
  let auditor: pg.Client;
  const seeded: Record<string, FillApplied> = {};

  beforeAll(async () => {
    const t = await createTestDatabase('audit_queries');
    drop = t.drop;
    handle = createDb(t.url);
    const db = handle.db;

    // A family (alpha → alpha-2 → alpha-2-1) and an unrelated agent; seedAgent allocates capital (4 audit rows).
    await seedAgent(db, 'alpha', 'momentum', 1_000n * USD);
    await seedAgent(db, 'alpha-2', 'momentum', 200n * USD);
    await seedAgent(db, 'alpha-2-1', 'momentum', 100n * USD);
    await seedAgent(db, 'beta', 'mean-reversion', 500n * USD);
    await db.execute(sql`UPDATE agents SET parent_id = 'alpha', generation = 1 WHERE id = 'alpha-2'`);
    await db.execute(sql`UPDATE agents SET parent_id = 'alpha-2', generation = 2, status = 'stopped' WHERE id = 'alpha-2-1'`);
    await db.execute(sql`
      INSERT INTO markets (market_id, question, category, info) VALUES
        ('m1', 'Will it rain in London tomorrow?', 'weather', '{}'),
        ('m2', 'Will the home team win?', 'sports', '{}'),
        ('m3', 'Will the bill pass?', 'politics', '{}')`);

    const trade = (agentId: string, marketId: string, tokenId: string, side: 'BUY' | 'SELL', priceMicros: bigint, sizeMicros: bigint, feeMicros = 0n) =>
      writeTradeFill(db, { agentId, marketId, tokenId, side, priceMicros, sizeMicros, feeMicros });
    seeded.alphaBuy = await trade('alpha', 'm1', 'yes1', 'BUY', 400_000n, 100n * USD, 480_000n);
    seeded.alphaSell = await trade('alpha', 'm1', 'yes1', 'SELL', 510_000n, 60n * USD, 299_880n);
    seeded.alphaBuy3 = await trade('alpha', 'm3', 'yes3', 'BUY', 200_000n, 50n * USD);
    seeded.betaBuy = await trade('beta', 'm2', 'no2', 'BUY', 700_000n, 20n * USD);
    seeded.betaSettle = await writeSettlementFill(db, { agentId: 'beta', marketId: 'm2', tokenId: 'no2', won: true });
    seeded.cloneBuy = await trade('alpha-2', 'm1', 'yes1', 'BUY', 500_000n, 10n * USD);
    seeded.cloneSell = await trade('alpha-2', 'm1', 'yes1', 'SELL', 300_000n, 10n * USD);
    await db.execute(sql`UPDATE orders SET intent_reason = 'momentum: 3 up-ticks' WHERE client_order_id = ${seeded.alphaBuy.clientOrderId}`);

    await db.execute(sql`
      INSERT INTO risk_events (agent_id, intent_id, code, detail) VALUES
        ('alpha-2', 'int_1', 'NOTIONAL_EXCEEDS_MAX_PER_ORDER', '{"message": "stake too large", "marketId": "m1"}'),
        ('alpha-2', 'int_2', 'NOTIONAL_EXCEEDS_MAX_PER_ORDER', '{"message": "stake too large", "marketId": "m1"}'),
        ('alpha-2', 'int_3', 'NOTIONAL_EXCEEDS_MAX_PER_ORDER', '{"message": "stake too large", "marketId": "m1"}'),
        ('beta', 'int_4', 'TRADING_HALTED', '{"message": "kill switch on", "marketId": "m2"}')`);
    await recordFinding(db, { severity: 'critical', rule: 'cash_non_negative', agentId: 'alpha', refId: 'fil_x', detail: { cashMicros: '-5' } });
    await recordFinding(db, { severity: 'warning', rule: 'malformed_event', agentId: null, refId: '1-0', detail: { problem: 'not JSON' } });
    await db.execute(sql`
      INSERT INTO lifecycle_events (app, agent_id, kind) VALUES
        ('boss', 'alpha', 'started'), ('boss', 'alpha-2', 'restarted_hung'),
        ('boss', 'alpha-2', 'restarted_hung'), ('boss', 'alpha-2', 'restarted_changed')`);
    await appendAudit(db, { actor: { type: 'operator', user: 'ops' }, action: 'killswitch.set', subject: 'floor', detail: { reason: 'drill' } });

    const url = new URL(t.url);
    url.searchParams.set('options', '-c role=floor_auditor');
    auditor = new pg.Client({ connectionString: url.toString() });
    await auditor.connect();
  });

  afterAll(async () => {
    await auditor?.end();
    await handle?.close();
    await drop?.();
  });

  const fill = (name: string): FillApplied => {
    const f = seeded[name];
    if (!f) throw new Error(`no seeded fill ${name}`);
    return f;
  };
  const run = async (n: number): Promise<Row[]> => {
    const q = queries[n - 1];
    if (!q) throw new Error(`the doc has no query ${n}`);
    return (await auditor.query(q.sql)).rows as Row[];
  };

  /** What each numbered query must answer, given the seed above. */
  const expectations: Record<number, (rows: Row[]) => void> = {
    1: (rows) => expect(rows).toEqual([{ rows_checked: '5', broken_rows: '0', first_broken_id: null }]),
    2: (rows) => {
      expect(rows.map((r) => [r.action, r.actor_type, r.actor_name, r.times])).toEqual([
        ['killswitch.set', 'operator', 'ops', '1'],
        ['capital.allocated', 'system', 'test', '4'],
      ]);
    },
    3: (rows) => {
      const alphaFees = fill('alphaBuy').feeMicros + fill('alphaSell').feeMicros;
      expect(rows.map((r) => [r.agent_id, r.strategy, r.trades, r.settlements, r.volume_usd, r.fees_usd, r.realized_pnl_after_fees_usd])).toEqual([
        // 5.00 + 3.00 traded; bought at 0.50, sold at 0.30: lost 2.00
        ['alpha-2', 'momentum', '2', '0', '8.000000', '0.000000', decimal(fill('cloneSell').realizedPnlMicros)],
        // 40.00 + 30.60 + 10.00 traded; 60 of 100 shares sold at 0.51 against a 0.40 cost, less both fees
        ['alpha', 'momentum', '3', '0', '80.600000', decimal(alphaFees), decimal(fill('alphaSell').realizedPnlMicros - alphaFees)],
        // 14.00 traded; 20 shares bought at 0.70, paid out at 1
        ['beta', 'mean-reversion', '1', '1', '14.000000', '0.000000', decimal(fill('betaSettle').realizedPnlMicros)],
      ]);
      expect(fill('cloneSell').realizedPnlMicros).toBe(-2n * USD);
      expect(fill('betaSettle').realizedPnlMicros).toBe(6n * USD);
    },
    4: (rows) => {
      expect(rows).toHaveLength(6);
      expect(rows[0]).toMatchObject({
        agent_id: 'alpha', strategy: 'momentum', market_category: 'weather', market_question: 'Will it rain in London tomorrow?',
        side: 'BUY', price: '0.400000', shares: '100.000000', fee_usd: '0.480000', intent_reason: 'momentum: 3 up-ticks', order_status: 'filled',
      });
      expect(rows.map((r) => r.agent_id)).toEqual(['alpha', 'alpha', 'alpha', 'beta', 'alpha-2', 'alpha-2']);
    },
    5: (rows) => {
      expect(rows.map((r) => [r.agent_id, r.strategy, r.code, r.denials])).toEqual([
        ['alpha-2', 'momentum', 'NOTIONAL_EXCEEDS_MAX_PER_ORDER', '3'],
        ['beta', 'mean-reversion', 'TRADING_HALTED', '1'],
      ]);
    },
    6: (rows) => {
      // alpha holds 40 of its 100 yes1 shares (cost 40.00 less the 24.00 sold) and 50 yes3 at 0.20;
      // beta's position was settled and alpha-2 sold all of its shares, so neither is open
      expect(rows).toEqual([
        { category: 'weather', agents: '1', positions: '1', at_cost_usd: '16.000000' },
        { category: 'politics', agents: '1', positions: '1', at_cost_usd: '10.000000' },
      ]);
    },
    7: (rows) => expect(rows).toEqual([{ ledger_total_micros: '0', agents_with_negative_cash: '0', capital_handed_out_usd: '1800.000000' }]),
    8: (rows) => {
      expect(rows.map((r) => [r.rule, r.agent_id, r.strategy, r.ref_id])).toEqual([['cash_non_negative', 'alpha', 'momentum', 'fil_x']]);
      expect(rows[0]?.detail).toEqual({ cashMicros: '-5' });
    },
    9: (rows) => {
      const alphaFees = fill('alphaBuy').feeMicros + fill('alphaSell').feeMicros;
      expect(rows.map((r) => [r.root_id, r.depth, r.path, r.status, r.realized_pnl_after_fees_usd])).toEqual([
        ['alpha', 0, 'alpha', 'active', decimal(fill('alphaSell').realizedPnlMicros - alphaFees)],
        ['alpha', 1, 'alpha > alpha-2', 'active', '-2.000000'],
        ['alpha', 2, 'alpha > alpha-2 > alpha-2-1', 'stopped', '0.000000'],
        ['beta', 0, 'beta', 'active', '6.000000'],
      ]);
    },
    10: (rows) => expect(rows.map((r) => [r.agent_id, r.strategy, r.restarts])).toEqual([['alpha-2', 'momentum', '3']]),
  };

  it('has ten numbered queries, one sql block each', () => {
    expect(queries).toHaveLength(10);
    queries.forEach((q, i) => expect(q.title).toMatch(new RegExp(`^${i + 1}\\. .+\\?$`)));
  });

  for (let n = 1; n <= 10; n += 1) {
    it(`query ${n} answers from the seeded floor`, async () => {
      const check = expectations[n];
      if (!check) throw new Error(`no expectation for query ${n}`);
      check(await run(n));
    });
  }
});
