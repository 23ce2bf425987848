import { agentProcessName } from '@floor/domain';
import { listAgents } from '@floor/db';
import { floorProcesses, printJson, withClients, type RegisterCommand } from '../context.js';

export const registerAgents: RegisterCommand = (program, env) => {
  program
    .command('agents')
    .description('the agents the Boss knows, their strategy, weight and process')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const pm2List = (await floorProcesses(env)) ?? [];
      const rows = await withClients(env, ({ db }) => listAgents(db));
      const agents = rows.map((r) => {
        const proc = pm2List.find((p) => p.name === agentProcessName(r.id));
        return {
          agentId: r.id,
          strategy: r.strategy,
          status: r.status,
          weight: r.weight,
          live: r.live,
          generation: r.generation,
          process: proc ? { status: proc.status, pid: proc.pid ?? null, restarts: proc.restarts, uptimeMs: proc.uptimeMs } : null,
          sourceFile: r.sourceFile,
          params: r.params,
        };
      });
      if (opts.json) {
        printJson(agents);
        return;
      }
      if (agents.length === 0) {
        process.stdout.write('no agents yet: drop a strategy file into config/strategies/\n');
        return;
      }
      const lines = agents.map((a) =>
        [a.agentId, a.strategy, a.status, String(a.weight), a.live ? 'LIVE' : 'paper', a.process?.status ?? '-', a.sourceFile ?? '-'],
      );
      const header = ['AGENT', 'STRATEGY', 'STATUS', 'WEIGHT', 'MODE', 'PROCESS', 'FILE'];
      const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
      for (const l of [header, ...lines]) process.stdout.write(`${l.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
    });
};
