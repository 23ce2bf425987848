import { userInfo } from 'node:os';
import { Argument } from 'commander';
import { busNames, requestBreakerReset } from '@floor/bus';
import { AGENT_ID_RE } from '@floor/domain';
import { appendAudit } from '@floor/db';
import { BREAKER_NAMES } from '@floor/risk';
import { usageError, withClients, type RegisterCommand } from '../context.js';

/**
 * `floor breaker reset <breaker> [--agent <id>]`: the manual reset some breakers require (drawdown heat at its halt
 * level, the daily loss limit before the next day). The Boss owns breaker state, so the CLI files a request that
 * the Boss applies on its next tick (about a second); the reset then shows in `floor status` and the audit log.
 */
export const registerBreaker: RegisterCommand = (program, env) => {
  const breaker = program.command('breaker').description('circuit breakers: see them in `floor status`; reset a tripped one');
  breaker
    .command('reset')
    .description('ask the Boss to reset a tripped breaker of the floor, or of one agent with --agent')
    .addArgument(new Argument('<breaker>', 'which breaker').choices([...BREAKER_NAMES]))
    .option('--agent <id>', 'the agent whose breaker to reset (default: the floor)')
    .action(async (name: string, opts: { agent?: string }) => {
      if (opts.agent !== undefined && !AGENT_ID_RE.test(opts.agent)) throw usageError(`not an agent id: ${opts.agent}`);
      const scope = opts.agent ? `agent:${opts.agent}` : 'floor';
      const by = userInfo().username;
      await withClients(env, async ({ db, redis }) => {
        await requestBreakerReset(redis, busNames(env.FLOOR_PREFIX), { breaker: name, scope, by, tsMs: Date.now() });
        await appendAudit(db, { actor: { type: 'operator', user: by }, action: 'risk.breaker.reset_requested', subject: scope, detail: { breaker: name } });
      });
      process.stdout.write(`reset of ${name} (${scope}) requested; the Boss applies it within a second (see \`floor status\`)\n`);
    });
};
