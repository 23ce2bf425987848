import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { dropDatabase } from '@floor/db';

/** A database of this test file's own, cloned from the run's migrated template. */
export async function createTestDatabase(label = 'int'): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = new URL(inject('templateDatabaseUrl'));
  const templateName = template.pathname.slice(1);
  const name = `floor_t_${label.replace(/[^a-z0-9_]/gi, '_').slice(0, 20)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new URL(template);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    // CREATE DATABASE … TEMPLATE needs the template to have no other sessions
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [templateName]);
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName}"`);
  } finally {
    await client.end();
  }
  const url = new URL(template);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

/** A Redis key prefix of this test's own, and a way to delete everything under it. */
export function createTestRedisPrefix(label = 't'): { prefix: string; redisUrl: string; cleanup: () => Promise<void> } {
  const prefix = `test-${label}-${randomBytes(5).toString('hex')}`;
  const redisUrl = inject('redisUrl');
  return {
    prefix,
    redisUrl,
    cleanup: async () => {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${String(last)}` : ''}`);
}

/** The messages of an error and its causes, joined (drizzle wraps Postgres errors in "Failed query"). */
export function errorChainText(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let i = 0; cur && i < 5; i += 1) {
    parts.push(cur instanceof Error ? cur.message : String(cur));
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(' <- ');
}

/** Resolves to the error chain text of a promise that must reject. */
export async function rejectionText(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return errorChainText(err);
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** A TCP port free on loopback right now (for a server a test starts under another process, e.g. PM2). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (typeof address !== 'object' || !address) throw new Error('no free port on 127.0.0.1');
  return address.port;
}
