import { loadEnv } from '@floor/config';
import { ensureDatabase, migrateDb, redactUrl } from './client.js';

// `npm run db:migrate`: create the database if missing, then apply migrations.
const env = loadEnv();
try {
  const { created } = await ensureDatabase(env.DATABASE_URL);
  await migrateDb(env.DATABASE_URL);
  console.log(`database ${redactUrl(env.DATABASE_URL)}: ${created ? 'created and ' : ''}migrated`);
} catch (err) {
  console.error(`db:migrate failed for ${redactUrl(env.DATABASE_URL)}: ${(err as Error).message}`);
  process.exit(1);
}
