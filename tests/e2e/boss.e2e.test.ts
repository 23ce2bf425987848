import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeartbeats } from '@floor/bus';
import { listAgents, listLifecycleEvents, readAgentPortfolio } from '@floor/db';
import { collectFloorStatus } from '@floor/floor-status';
import { ROOT, type Pm2Proc } from '../setup/pm2.js';
import { waitFor } from '../setup/harness.js';
import { createTestFloor } from '../setup/test-floor.js';

/**
 * The real Boss under a private PM2 daemon, supervising a fixture agent that only heartbeats. Everything goes
 * through the same doors an operator uses: files in the strategies folder, `pm2` on the ecosystem file,
 * `collectFloorStatus` for what `floor status` would show. The steps share one floor and run in order.
 */

describe('Floor Boss under PM2', () => {
  const floor = createTestFloor('boss');
  const { strategiesDir, names, redis, pm2, processes, online } = floor;

  const agentHeartbeat = async (agentId: string, pid: number) =>
    (await readHeartbeats(redis, names)).find((h) => h.agentId === agentId && h.pid === pid);
  const writeStrategy = (agentId: string, params: string) =>
    writeFileSync(join(strategiesDir, `${agentId}.yaml`), `strategy: momentum\nweight: 1\nparams:\n${params}\n`);
  const status = async () =>
    collectFloorStatus({ db: floor.db, redis, names, staleAfterMs: 2_000 });

  beforeAll(async () => {
    // the fixture agent only heartbeats: this test is about supervision, not trading
    await floor.open({ extraEnv: () => ({ FLOOR_AGENT_SCRIPT: 'tests/fixtures/heartbeat-agent.ts' }) });
    // short heartbeat limits so a frozen agent is noticed quickly; the rules are the same as in production
    floor.writeFloorYaml(['bankrollUsd: 10000', 'heartbeat:', '  intervalMs: 200', '  staleAfterMs: 2000', '  startupGraceMs: 6000']);
  });

  afterAll(() => floor.close());

  let bossPid = 0;

  it('starts one agent per valid file and reports the file with a typo, naming the field', async () => {
    writeStrategy('alpha', '  lookback: 5');
    writeStrategy('beta', '  lookback: 8');
    writeStrategy('gamma', '  lookbak: 5');
    await pm2('start', join(ROOT, 'ecosystem.config.cjs'), '--only', 'boss');

    const alpha = await waitFor(() => online('agent-alpha'), { timeoutMs: 60_000, what: 'agent-alpha online' });
    const beta = await waitFor(() => online('agent-beta'), { timeoutMs: 60_000, what: 'agent-beta online' });
    await waitFor(() => agentHeartbeat('alpha', alpha.pid), { timeoutMs: 30_000, what: 'alpha heartbeat' });
    await waitFor(() => agentHeartbeat('beta', beta.pid), { timeoutMs: 30_000, what: 'beta heartbeat' });

    const procs = await processes();
    expect(procs.filter((p) => p.name === 'agent-alpha')).toHaveLength(1);
    expect(procs.filter((p) => p.name === 'agent-beta')).toHaveLength(1);
    expect(procs.some((p) => p.name === 'agent-gamma')).toBe(false);
    bossPid = (await online('boss'))?.pid ?? 0;
    expect(bossPid).toBeGreaterThan(0);

    const s = await waitFor(async () => {
      const st = await status();
      return st.configErrors.length > 0 ? st : undefined;
    }, { what: 'config error published' });
    expect(s.configErrors).toHaveLength(1);
    expect(s.configErrors[0]?.file).toBe(join(strategiesDir, 'gamma.yaml'));
    expect(s.configErrors[0]?.message).toMatch(/params: Unrecognized key: "lookbak"/);

    // the valid agents are unaffected: registered, funded with half the bankroll each
    expect(s.agents.map((a) => a.agentId)).toEqual(['alpha', 'beta']);
    for (const a of s.agents) expect(a.allocated.usd).toBe('5000.00');
    const errors = await listLifecycleEvents(floor.db, { agentId: 'gamma', kind: 'config_error' });
    expect(errors).toHaveLength(1);
  });

  it('starts the agent of a fixed file without restarting the Boss', async () => {
    writeStrategy('gamma', '  lookback: 5');
    const gamma = await waitFor(() => online('agent-gamma'), { timeoutMs: 60_000, what: 'agent-gamma online' });
    await waitFor(() => agentHeartbeat('gamma', gamma.pid), { timeoutMs: 30_000, what: 'gamma heartbeat' });

    const boss = await online('boss');
    expect(boss?.pid).toBe(bossPid);
    expect(boss?.restarts).toBe(0);
    const st = await waitFor(async () => {
      const s = await status();
      return s.configErrors.length === 0 ? s : undefined;
    }, { what: 'config errors cleared' });
    expect(st.agents.map((a) => a.agentId)).toEqual(['alpha', 'beta', 'gamma']);
    expect(await listLifecycleEvents(floor.db, { agentId: 'gamma', kind: 'config_fixed' })).toHaveLength(1);
    // a three-way split now: 10000 / 3, floored to the micro
    await waitFor(async () => (await readAgentPortfolio(floor.db, 'gamma')).allocatedMicros === 3_333_333_333n, {
      what: 'gamma funded with a third',
    });
  });

  it('stops and removes the agent of a deleted file', async () => {
    unlinkSync(join(strategiesDir, 'beta.yaml'));
    await waitFor(async () => !(await processes()).some((p) => p.name === 'agent-beta'), { timeoutMs: 60_000, what: 'agent-beta gone' });
    await waitFor(async () => (await listAgents(floor.db)).find((a) => a.id === 'beta')?.status === 'stopped', {
      what: 'beta marked stopped',
    });
    expect(await listLifecycleEvents(floor.db, { agentId: 'beta', kind: 'stopped' })).toHaveLength(1);
    expect((await online('agent-alpha'))?.pid).toBeGreaterThan(0);
    expect((await online('boss'))?.pid).toBe(bossPid);
  });

  it('restarts an agent whose heartbeat went stale (frozen with SIGSTOP)', async () => {
    const before = await online('agent-alpha');
    expect(before).toBeDefined();
    const frozenPid = (before as Pm2Proc).pid;
    process.kill(frozenPid, 'SIGSTOP');
    try {
      const after = await waitFor(
        async () => {
          const p = await online('agent-alpha');
          return p && p.pid !== frozenPid ? p : undefined;
        },
        { timeoutMs: 90_000, what: 'agent-alpha restarted with a new pid' },
      );
      await waitFor(() => agentHeartbeat('alpha', after.pid), { timeoutMs: 30_000, what: 'new alpha heartbeat' });
      const hung = await waitFor(async () => {
        const rows = await listLifecycleEvents(floor.db, { agentId: 'alpha', kind: 'restarted_hung' });
        return rows.length ? rows : undefined;
      }, { what: 'restarted_hung event' });
      expect(hung).toHaveLength(1);
      expect((hung[0]?.detail as { oldPid?: number }).oldPid).toBe(frozenPid);
    } finally {
      // if the Boss failed to act, do not leave a stopped process behind
      try {
        process.kill(frozenPid, 'SIGCONT');
      } catch {
        /* already gone: the expected case */
      }
    }
  });

  it('adopts the running agents when the Boss crashes and PM2 brings it back (no duplicate starts)', async () => {
    const agentsBefore = (await processes()).filter((p) => p.name.startsWith('agent-')).sort((a, b) => a.name.localeCompare(b.name));
    const startsBefore = await listLifecycleEvents(floor.db, { kind: 'started' });
    process.kill(bossPid, 'SIGKILL');
    const boss = await waitFor(
      async () => {
        const b = await online('boss');
        return b && b.pid !== bossPid ? b : undefined;
      },
      { timeoutMs: 60_000, what: 'boss restarted by PM2' },
    );
    // the Boss reports `running` only after its first reconcile pass
    await waitFor(async () => (await readHeartbeats(redis, names)).find((h) => h.app === 'boss' && h.pid === boss.pid && h.state === 'running'), {
      timeoutMs: 60_000,
      what: 'new boss reconciled once',
    });
    const agentsAfter = (await processes()).filter((p) => p.name.startsWith('agent-')).sort((a, b) => a.name.localeCompare(b.name));
    expect(agentsAfter).toEqual(agentsBefore);
    expect(await listLifecycleEvents(floor.db, { kind: 'started' })).toHaveLength(startsBefore.length);
  });

  it('stops the agents when PM2 stops the floor', async () => {
    await pm2('stop', join(ROOT, 'ecosystem.config.cjs'));
    const procs = await processes();
    const agents = procs.filter((p) => p.name.startsWith('agent-'));
    expect(agents.map((a) => a.name).sort()).toEqual(['agent-alpha', 'agent-gamma']);
    for (const p of procs) expect(p.status).toBe('stopped');
  });
});
