import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { appendAudit, createDb, type Actor, type DbHandle } from '@floor/db';
import { auditRowHash, canonicalAuditRow, GENESIS_HASH, runAuditVerify, verifyAuditChain } from '@floor/audit';
import { createTestDatabase, rejectionText } from '../setup/harness.js';

const operator: Actor = { type: 'operator', user: 'ops' };

/** Strings that JSON escaping could disagree on between Postgres and JavaScript. */
const AWKWARD = `quote " backslash \\ newline \n tab \t controls ${String.fromCharCode(1, 8, 12, 13, 31)} del \u007f ` +
  `line-sep \u2028 accents é ü, CJK 漢字, emoji 🚀, slash / and <html>`;

function useDatabase() {
  const ctx = { handle: undefined as unknown as DbHandle, url: '', drop: async () => undefined as void };
  beforeEach(async () => {
    const t = await createTestDatabase('audit_chain');
    ctx.url = t.url;
    ctx.drop = t.drop;
    ctx.handle = createDb(t.url, { max: 10 });
  });
  afterEach(async () => {
    await ctx.handle.close();
    await ctx.drop();
  });
  return ctx;
}

/** Runs `fn` on a connection of its own (for SET ROLE and session settings), then closes it. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Five rows with varied content; returns their ids in order. */
async function appendSome(handle: DbHandle): Promise<bigint[]> {
  const ids: bigint[] = [];
  const entries = [
    { actor: operator, action: 'killswitch.set', subject: 'floor', detail: { reason: 'drill' } },
    { actor: { type: 'system', app: 'boss' } as const, action: 'agent.started', subject: 'alpha', detail: { pid: 4242 } },
    { actor: operator, action: 'capital.allocated', subject: 'alpha', detail: { targetMicros: 1_000_000_000n, ref: 'initial' } },
    { actor: { type: 'agent', app: 'agent', agentId: 'beta' } as const, action: 'note.written', subject: AWKWARD, detail: { text: AWKWARD } },
    { actor: operator, action: 'killswitch.cleared', subject: 'floor' },
  ];
  for (const entry of entries) ids.push((await appendAudit(handle.db, entry)).id);
  return ids;
}

describe('audit log hash chain', () => {
  const ctx = useDatabase();

  it('chains every append, verifies, and agrees with the database on canonical form and hash', async () => {
    const ids = await appendSome(ctx.handle);
    // a writer that bypasses appendAudit, supplying id, ts and hashes of its own: the trigger overrides them all
    await ctx.handle.db.execute(sql`
      INSERT INTO audit_log (id, ts, actor, action, detail, prev_hash, hash)
      VALUES (1, '2001-01-01', '{"type":"operator","user":"psql"}', 'manual.entry', '{"n": 1.50, "big": 12345678901234567890, "nested": {"b": [1, {"a": null}]}}', 'x', 'y')`);

    const verdict = await verifyAuditChain(ctx.handle.db);
    expect(verdict).toMatchObject({ ok: true, rows: 6 });

    const rows = await ctx.handle.db.execute(sql`
      SELECT id::text AS id, (extract(epoch FROM ts) * 1000000)::bigint::text AS ts_micros, actor::text AS actor_json,
             action, subject, detail::text AS detail_json, prev_hash, hash, ts > now() - interval '1 minute' AS recent,
             audit_row_canonical(id, ts, actor, action, subject, detail) AS sql_canonical
      FROM audit_log ORDER BY audit_log.id`);
    let prev = GENESIS_HASH;
    for (const raw of rows.rows) {
      const r = raw as Record<string, string | boolean>;
      const row = {
        id: BigInt(String(r.id)),
        tsMicros: BigInt(String(r.ts_micros)),
        actorJson: String(r.actor_json),
        action: String(r.action),
        subject: String(r.subject),
        detailJson: String(r.detail_json),
      };
      expect(canonicalAuditRow(row)).toBe(r.sql_canonical);
      expect(r.prev_hash).toBe(prev);
      expect(auditRowHash(prev, row)).toBe(r.hash);
      expect(r.recent).toBe(true); // the backdated ts was replaced by the time of the append
      prev = String(r.hash);
    }
    const ordered = rows.rows.map((r) => BigInt(String((r as { id: string }).id)));
    expect(ids).toEqual([1n, 2n, 3n, 4n, 5n]); // one append, one id: the default's id is kept when in order
    expect(ordered.slice(0, 5)).toEqual(ids);
    expect(ordered[5]).toBeGreaterThan(ids[4] as bigint); // the explicit id 1 was replaced, in chain order
    expect(verdict.ok && verdict.headHash).toBe(prev);
    expect(String((rows.rows[3] as { subject: string }).subject)).toBe(AWKWARD);

    const cli = await runAuditVerify({ db: ctx.handle.db, json: true });
    expect(cli.exitCode).toBe(0);
    expect(JSON.parse(cli.output)).toEqual({ ok: true, rows: 6, headId: String(ordered[5]), headHash: prev });
    expect((await runAuditVerify({ db: ctx.handle.db, json: false })).output).toMatch(/^audit log intact: 6 rows, head #\d+ [0-9a-f]{64}$/);
  });

  it('verifies an empty log', async () => {
    expect(await verifyAuditChain(ctx.handle.db)).toEqual({ ok: true, rows: 0, headId: null, headHash: GENESIS_HASH });
  });

  it('keeps one unforked chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ctx.handle.db.transaction(async (tx) => {
          await appendAudit(tx, { actor: operator, action: 'load.test', subject: `a${i}` });
          await appendAudit(tx, { actor: operator, action: 'load.test', subject: `b${i}` });
        }),
      ),
    );
    expect(await verifyAuditChain(ctx.handle.db, { batchSize: 7 })).toMatchObject({ ok: true, rows: 80 });
  });

  it('refuses a writer whose REPEATABLE READ snapshot predates another append, instead of forking', async () => {
    await appendSome(ctx.handle);
    const text = await withClient(ctx.url, async (stale) => {
      await stale.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await stale.query('SELECT count(*) FROM audit_log'); // takes the snapshot
      await appendAudit(ctx.handle.db, { actor: operator, action: 'meanwhile' });
      try {
        await stale.query(`INSERT INTO audit_log (actor, action) VALUES ('{"type":"operator","user":"stale"}', 'late')`);
        return 'inserted';
      } catch (err) {
        return (err as Error).message;
      } finally {
        await stale.query('ROLLBACK');
      }
    });
    expect(text).toMatch(/could not serialize access/);
    expect(await verifyAuditChain(ctx.handle.db)).toMatchObject({ ok: true, rows: 6 });
  });
});

describe('audit log tampering', () => {
  const ctx = useDatabase();

  it('refuses UPDATE, DELETE and TRUNCATE by trigger, even for the owner', async () => {
    const [first] = await appendSome(ctx.handle);
    const db = ctx.handle.db;
    expect(await rejectionText(db.execute(sql`UPDATE audit_log SET action = 'forged' WHERE id = ${String(first)}`))).toMatch(
      /audit_log is append-only: UPDATE refused/,
    );
    expect(await rejectionText(db.execute(sql`DELETE FROM audit_log`))).toMatch(/audit_log is append-only: DELETE refused/);
    expect(await rejectionText(db.execute(sql`TRUNCATE audit_log`))).toMatch(/audit_log is append-only: TRUNCATE refused/);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, rows: 5 });
  });

  it('lets floor_app append and read, and refuses it UPDATE, DELETE, TRUNCATE and the chain head by privilege', async () => {
    const [first] = await appendSome(ctx.handle);
    await withClient(ctx.url, async (client) => {
      const asApp = async (statement: string): Promise<string> => {
        await client.query('BEGIN');
        try {
          // triggers off for this transaction (set while still superuser), so only privileges stand in the way
          await client.query('SET LOCAL session_replication_role = replica');
          await client.query('SET LOCAL ROLE floor_app');
          await client.query(statement);
          await client.query('COMMIT');
          return 'ok';
        } catch (err) {
          await client.query('ROLLBACK');
          return (err as Error).message;
        }
      };
      expect(await asApp(`UPDATE audit_log SET action = 'forged' WHERE id = ${first}`)).toMatch(/permission denied for table audit_log/);
      expect(await asApp(`DELETE FROM audit_log WHERE id = ${first}`)).toMatch(/permission denied for table audit_log/);
      expect(await asApp('TRUNCATE audit_log')).toMatch(/permission denied for table audit_log/);
      expect(await asApp(`UPDATE audit_chain_head SET last_hash = 'x'`)).toMatch(/permission denied for table audit_chain_head/);
      expect(await asApp(`UPDATE ledger_entries SET amount_micros = 0`)).toMatch(/permission denied for table ledger_entries/);

      // the ordinary path, triggers on: floor_app appends (the chain trigger runs as its owner) and edits other tables
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE floor_app');
      await client.query(`INSERT INTO audit_log (actor, action) VALUES ('{"type":"system","app":"executor"}', 'as.floor_app')`);
      await client.query(`INSERT INTO agents (id, strategy, params, markets) VALUES ('gamma', 'm', '{}', '"all"')`);
      await client.query(`UPDATE agents SET status = 'stopped' WHERE id = 'gamma'`);
      await client.query('COMMIT');
    });
    expect(await verifyAuditChain(ctx.handle.db)).toMatchObject({ ok: true, rows: 6 });
  });

  it('names exactly the row a superuser edited with the triggers disabled', async () => {
    const ids = await appendSome(ctx.handle);
    const victim = ids[2] as bigint;
    await withClient(ctx.url, async (client) => {
      await client.query('SET session_replication_role = replica');
      await client.query(`UPDATE audit_log SET detail = jsonb_set(detail, '{targetMicros}', '"9000000000"') WHERE id = $1`, [String(victim)]);
    });
    const verdict = await verifyAuditChain(ctx.handle.db);
    expect(verdict).toEqual({ ok: false, firstBrokenId: victim, reason: expect.stringMatching(/altered/) as unknown as string, rows: 2 });

    const cli = await runAuditVerify({ db: ctx.handle.db, json: false });
    expect(cli.exitCode).toBe(1);
    expect(cli.output).toBe(`audit log BROKEN at row #${victim}: the row does not match its hash: it was altered after it was written (2 rows verified before it)`);
  });

  it('names the row after a deleted middle row', async () => {
    const ids = await appendSome(ctx.handle);
    await withClient(ctx.url, async (client) => {
      await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await client.query('DELETE FROM audit_log WHERE id = $1', [String(ids[1])]);
      await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    });
    const verdict = await verifyAuditChain(ctx.handle.db);
    expect(verdict).toMatchObject({ ok: false, firstBrokenId: ids[2], rows: 1 });
    expect(verdict.ok === false && verdict.reason).toMatch(new RegExp(`row before it \\(#${ids[0]}\\)`));
  });

  it('notices rows removed from the end, through the chain head', async () => {
    const ids = await appendSome(ctx.handle);
    await withClient(ctx.url, async (client) => {
      await client.query('SET session_replication_role = replica');
      await client.query('DELETE FROM audit_log WHERE id = $1', [String(ids[4])]);
    });
    const verdict = await verifyAuditChain(ctx.handle.db);
    expect(verdict).toMatchObject({ ok: false, firstBrokenId: ids[4], rows: 4 });
    expect(verdict.ok === false && verdict.reason).toMatch(/removed from the end/);
  });
});

describe('the read-only auditor role', () => {
  const ctx = useDatabase();

  it('reads tables and every v_* view, and cannot write', async () => {
    await appendSome(ctx.handle);
    await withClient(ctx.url, async (client) => {
      const views = await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'public' AND table_name LIKE 'v\\_%' ORDER BY 1`,
      );
      expect(views.rows.map((v) => v.name)).toEqual([
        'v_agent_lineage', 'v_agent_performance_daily', 'v_audit_findings', 'v_ledger_balances', 'v_lifecycle',
        'v_open_exposure', 'v_risk_denials', 'v_trades',
      ]);
      await client.query('SET ROLE floor_auditor');
      for (const { name } of views.rows) await client.query(`SELECT * FROM ${name} LIMIT 1`);
      const audit = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log');
      expect(audit.rows[0]?.n).toBe('5');
      const refused = async (statement: string) => {
        try {
          await client.query(statement);
          return 'ok';
        } catch (err) {
          return (err as Error).message;
        }
      };
      expect(await refused(`INSERT INTO audit_log (actor, action) VALUES ('{}', 'x')`)).toMatch(/permission denied for table audit_log/);
      expect(await refused(`INSERT INTO agents (id, strategy, params, markets) VALUES ('x', 'x', '{}', '{}')`)).toMatch(/permission denied for table agents/);
      expect(await refused(`DELETE FROM audit_findings`)).toMatch(/permission denied for table audit_findings/);
    });
    // and through the verifier, which only reads
    const auditorUrl = new URL(ctx.url);
    auditorUrl.searchParams.set('options', '-c role=floor_auditor');
    const asAuditor = createDb(auditorUrl.toString(), { max: 1 });
    try {
      expect(await verifyAuditChain(asAuditor.db)).toMatchObject({ ok: true, rows: 5 });
    } finally {
      await asAuditor.close();
    }
  });
});
