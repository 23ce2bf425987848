/**
 * `npm stop`: stops the floor gracefully. The Boss goes first and stops every agent (each checkpoints); then
 * the services; then any agent still running because the Boss was already down. Nothing is deleted: `pm2 ls`
 * keeps listing the stopped processes, and Postgres and Redis keep all state for the next `npm start`.
 */
import { loadEnv } from '@floor/config';
import { connectPm2, DEFAULT_PM2_NAMESPACE, disconnectPm2, isPm2DaemonRunning, stopFloor } from '@floor/supervisor';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const env = loadEnv();
  const namespace = env.FLOOR_PM2_NAMESPACE ?? DEFAULT_PM2_NAMESPACE;
  // connecting would start a daemon just to find nothing in it
  if (!isPm2DaemonRunning()) {
    say('the floor is not running (no PM2 daemon)');
    return;
  }
  await connectPm2();
  try {
    say('stopping the floor (the Boss stops the agents first)…');
    const report = await stopFloor(namespace);
    say(`boss: ${report.boss ? 'stopped' : 'was not running'}`);
    say(`services stopped: ${report.services.join(', ') || 'none running'}`);
    if (report.leftoverAgents.length) say(`agents the Boss had not stopped, stopped now: ${report.leftoverAgents.join(', ')}`);
    say('state kept; `npm start` resumes. `npx pm2 kill` also ends the PM2 daemon.');
  } finally {
    disconnectPm2();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`npm stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
