import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { dropDatabase, ensureDatabase, migrateDb } from '@floor/db';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl: string;
    redisUrl: string;
  }
}

/**
 * Builds one migrated template database per run; each test file clones it (CREATE DATABASE … TEMPLATE),
 * so files never share tables and two runs on one machine never collide.
 */
export default async function setup(project: TestProject) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/floor_tpl_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const templateUrl = url.toString();
  await ensureDatabase(templateUrl);
  await migrateDb(templateUrl);
  project.provide('templateDatabaseUrl', templateUrl);
  project.provide('redisUrl', REDIS_URL);
  return async () => {
    await dropDatabase(templateUrl);
  };
}
