import { userInfo } from 'node:os';
import { Alerter, channelsFromEnv } from '@floor/alerts';
import { Argument } from 'commander';
import { busNames, setAgentKillSwitch, setKillSwitch } from '@floor/bus';
import { AGENT_ID_RE } from '@floor/domain';
import { appendAudit } from '@floor/db';
import { usageError, withClients, type RegisterCommand } from '../context.js';

export const registerKill: RegisterCommand = (program, env) => {
  program
    .command('kill')
    .description('turn the kill switch on or off: when on, the executor denies every new order (of one agent with --agent)')
    .addArgument(new Argument('<state>', 'on or off').choices(['on', 'off']))
    .option('--agent <id>', 'only this agent')
    .option('--reason <text>', 'why, recorded with the switch and in the audit log', 'set by operator')
    .action(async (state: 'on' | 'off', opts: { agent?: string; reason: string }) => {
      if (opts.agent !== undefined && !AGENT_ID_RE.test(opts.agent)) {
        throw usageError(`not an agent id: ${opts.agent}`);
      }
      const on = state === 'on';
      const names = busNames(env.FLOOR_PREFIX);
      await withClients(env, async ({ db, redis }) => {
        // The switch first: it is what protects the money. If the audit write then fails, the command exits 1
        // with the switch already set, which is the safe way round.
        if (opts.agent) await setAgentKillSwitch(redis, names, opts.agent, on, opts.reason);
        else await setKillSwitch(redis, names, on, opts.reason);
        await appendAudit(db, {
          actor: { type: 'operator', user: userInfo().username },
          action: 'killswitch.set',
          subject: opts.agent ?? 'floor',
          detail: { on, reason: opts.reason },
        });
      });
      const target = opts.agent ? { scope: 'agent' as const, agentId: opts.agent } : { scope: 'floor' as const };
      const actor = userInfo().username;
      const deliveries = await new Alerter({ channels: channelsFromEnv(env) }).send(
        on ? { type: 'kill_switch_set', target, reason: opts.reason, actor } : { type: 'kill_switch_cleared', target, actor },
      );
      for (const d of deliveries) if (!d.ok) process.stderr.write(`alert to ${d.channel} failed: ${d.error ?? 'unknown error'}\n`);
      process.stdout.write(`kill switch ${on ? 'ON' : 'off'} for ${opts.agent ? `agent ${opts.agent}` : 'the whole floor'}\n`);
    });
};
