import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  // schema.ts holds the core tables; feature areas keep theirs in `<area>-schema.ts` beside it
  schema: ['./packages/db/src/schema.ts', './packages/db/src/*-schema.ts'],
  out: './drizzle',
});
