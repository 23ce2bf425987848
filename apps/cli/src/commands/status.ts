import { busNames } from '@floor/bus';
import { collectFloorStatus, renderFloorStatus } from '@floor/floor-status';
import { floorConfigOrDefault, floorProcesses, printJson, withClients, type RegisterCommand } from '../context.js';

export const registerStatus: RegisterCommand = (program, env) => {
  program
    .command('status')
    .description('processes, heartbeats, agents with cash/positions/PnL, config errors and the kill switch')
    .option('--json', 'print the status as JSON (same numbers as the table)')
    .action(async (opts: { json?: boolean }) => {
      const pm2List = await floorProcesses(env);
      const floor = floorConfigOrDefault(env);
      const status = await withClients(env, ({ db, redis }) =>
        collectFloorStatus({ db, redis, names: busNames(env.FLOOR_PREFIX), pm2List, staleAfterMs: floor.heartbeat.staleAfterMs }),
      );
      if (opts.json) printJson(status);
      else process.stdout.write(`${renderFloorStatus(status)}\n`);
    });
};
