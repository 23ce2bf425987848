import { loadEnv } from '@floor/config';
import { ensureDatabase, migrateDb, redactUrl } from './client.js';

// `npm run db:migrate`: create the database if missing, then apply migrations. Migrations create tables, roles
// and triggers, so they run as the owner: DATABASE_MIGRATION_URL when the floor itself connects as `floor`.
const env = loadEnv();
const url = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
try {
  const { created } = await ensureDatabase(url);
  await migrateDb(url);
  console.log(`database ${redactUrl(url)}: ${created ? 'created and ' : ''}migrated`);
} catch (err) {
  console.error(`db:migrate failed for ${redactUrl(url)}: ${(err as Error).message}`);
  process.exit(1);
}
