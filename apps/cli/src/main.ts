import { Command, CommanderError } from 'commander';
import { loadEnv, type Env } from '@floor/config';
import { redactUrl } from '@floor/db';
import { registerAgents } from './commands/agents.js';
import { registerAudit } from './commands/audit.js';
import { registerBacktest } from './commands/backtest.js';
import { registerBreaker } from './commands/breaker.js';
import { registerData } from './commands/data.js';
import { registerKill } from './commands/kill.js';
import { registerStatus } from './commands/status.js';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, type RegisterCommand } from './context.js';

/**
 * `floor`: the operator's command line. Exit codes: 0 ok, 1 error (a dependency down, a failed write),
 * 2 usage (unknown command or option, bad argument). Each command lives in commands/.
 */
const COMMANDS: readonly RegisterCommand[] = [registerStatus, registerAgents, registerKill, registerBreaker, registerAudit, registerBacktest, registerData];

function buildProgram(env: Env): Command {
  const program = new Command('floor')
    .description('Operate the Polymarket trading floor (paper trading unless all three live switches are on)')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program, env);
  return program;
}

async function main(argv: string[]): Promise<number> {
  let env: Env;
  try {
    env = loadEnv();
  } catch (err) {
    process.stderr.write(`floor: ${(err as Error).message}\n`);
    return EXIT_ERROR;
  }
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT_OK;
      if (err.code === 'floor.usage') process.stderr.write(`floor: ${err.message}\n`);
      // commander has already printed its own usage message
      return EXIT_USAGE;
    }
    process.stderr.write(`floor: ${describeFailure(err, env)}\n`);
    return EXIT_ERROR;
  }
}

/** Error codes that mean "the floor's Postgres/Redis is not there or not set up", not a bug. */
const NOT_SET_UP = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '3D000' /* no such database */, '42P01' /* no such table */]);

/**
 * One line that says what failed, without a stack trace or a password. Drizzle wraps driver errors ("Failed
 * query: …"), so the root cause is the informative part.
 */
function describeFailure(err: unknown, env: Env): string {
  let root: unknown = err;
  while (root instanceof Error && root.cause !== undefined) root = root.cause;
  const message = root instanceof Error ? root.message || root.name : String(root);
  const code = (root as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NOT_SET_UP.has(code)) {
    return `${message} (Postgres ${redactUrl(env.DATABASE_URL)}, Redis ${redactUrl(env.REDIS_URL)}; \`npm start\` checks both and creates the database)`;
  }
  return message;
}

// `floor status --json | head` closes the pipe early: that is the reader's choice, not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv);
