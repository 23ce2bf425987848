#!/usr/bin/env node
/**
 * `npx floor …`: runs the TypeScript CLI through tsx, from wherever it is invoked. Paths are resolved from this
 * file so the repo's own tsx and sources are used; the exit code (0 ok, 1 error, 2 usage) is passed on.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps', 'cli', 'src', 'main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  // tsx is resolved from the working directory: run from the repo root whatever the caller's folder
  cwd: root,
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  // the shell convention for a child killed by a signal: 128 + its number
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
});
