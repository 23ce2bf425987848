import { z } from 'zod';
import { agentProcessName } from '@floor/domain';
import { listAgents, listEvolutionDecisions, readAgentPortfolio, type Db } from '@floor/db';
import { buildFamilyTree, renderFamilyTree, type FamilyMember } from '@floor/supervisor';
import { floorProcesses, printJson, withClients, type RegisterCommand } from '../context.js';

const CloneLineage = z.object({
  childAgentId: z.string(),
  mutated: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })).default({}),
});

/** Every agent with its lineage, PnL (realized − fees) and, for a clone, the params its mutation changed. */
async function familyMembers(db: Db): Promise<FamilyMember[]> {
  const rows = await listAgents(db);
  const mutations = new Map<string, FamilyMember['mutated']>();
  for (const d of await listEvolutionDecisions(db, { kind: 'clone', limit: 10_000 })) {
    const lineage = CloneLineage.safeParse(d.lineage);
    if (lineage.success && !mutations.has(lineage.data.childAgentId)) mutations.set(lineage.data.childAgentId, lineage.data.mutated);
  }
  const members: FamilyMember[] = [];
  for (const r of rows) {
    const p = await readAgentPortfolio(db, r.id);
    members.push({
      agentId: r.id,
      strategy: r.strategy,
      status: r.status,
      parentId: r.parentId,
      generation: r.generation,
      pnlMicros: p.realizedPnlMicros - p.feesMicros,
      mutated: mutations.get(r.id) ?? {},
    });
  }
  return members;
}

export const registerAgents: RegisterCommand = (program, env) => {
  program
    .command('agents')
    .description('the agents the Boss knows, their strategy, weight and process; --tree: the family tree of clones')
    .option('--json', 'print as JSON')
    .option('--tree', 'parent → children with generation, status, mutated params and PnL (realized − fees)')
    .action(async (opts: { json?: boolean; tree?: boolean }) => {
      if (opts.tree) {
        const tree = buildFamilyTree(await withClients(env, ({ db }) => familyMembers(db)));
        if (opts.json) printJson(tree);
        else process.stdout.write(`${renderFamilyTree(tree)}\n`);
        return;
      }
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
          parentId: r.parentId,
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
