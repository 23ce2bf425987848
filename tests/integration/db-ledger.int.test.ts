import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDb, type DbHandle } from '@floor/db';
import { createTestDatabase, rejectionText } from '../setup/harness.js';

describe('ledger constraints enforced by Postgres', () => {
  let handle: DbHandle;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const t = await createTestDatabase('ledger');
    drop = t.drop;
    handle = createDb(t.url);
  });
  afterAll(async () => {
    await handle.close();
    await drop();
  });

  it('accepts a balanced transaction and refuses an unbalanced one at commit', async () => {
    await handle.db.execute(sql`INSERT INTO ledger_txns (id, kind, ref) VALUES ('ltx_ok', 'allocation', 'a1')`);
    await handle.db.execute(sql`INSERT INTO ledger_entries (txn_id, account, amount_micros) VALUES ('ltx_ok', 'agent:a:cash', 5), ('ltx_ok', 'floor:capital', -5)`);
    const text = await rejectionText(
      handle.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO ledger_txns (id, kind, ref) VALUES ('ltx_bad', 'allocation', 'a2')`);
        await tx.execute(sql`INSERT INTO ledger_entries (txn_id, account, amount_micros) VALUES ('ltx_bad', 'agent:a:cash', 5), ('ltx_bad', 'floor:capital', -4)`);
      }),
    );
    expect(text).toMatch(/does not balance/);
    const rows = await handle.db.execute(sql`SELECT count(*)::int AS n FROM ledger_entries`);
    expect((rows.rows[0] as { n: number }).n).toBe(2);
  });

  it('refuses UPDATE and DELETE of ledger rows', async () => {
    expect(await rejectionText(handle.db.execute(sql`UPDATE ledger_entries SET amount_micros = 6 WHERE txn_id = 'ltx_ok'`))).toMatch(/append-only/);
    expect(await rejectionText(handle.db.execute(sql`DELETE FROM ledger_entries`))).toMatch(/append-only/);
  });
});
