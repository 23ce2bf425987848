import { describe, expect, it } from 'vitest';
import type { AgentSpec } from '@floor/config';
import type { Heartbeat } from '@floor/domain';
import { planAgents, specHash, type PlanInput, type ProcessView } from './plan.js';

const NOW = 1_000_000;
const STALE = 15_000;
const GRACE = 30_000;

function spec(agentId: string, params: Record<string, unknown> = { lookback: 5 }): AgentSpec {
  return {
    agentId,
    file: `/cfg/strategies/${agentId}.yaml`,
    strategy: 'momentum',
    weight: 1,
    markets: 'all',
    live: false,
    enabled: true,
    params,
    resolvedParams: params,
  };
}

function proc(agentId: string, over: Partial<ProcessView> = {}): ProcessView {
  return { name: `agent-${agentId}`, status: 'online', pid: 100, restarts: 0, uptimeMs: 60_000, specHash: specHash(spec(agentId)), ...over };
}

function beat(agentId: string, ageMs: number, pid = 100): Heartbeat {
  return {
    type: 'heartbeat',
    v: 1,
    app: 'agent',
    instanceId: agentId,
    agentId,
    pid,
    state: 'running',
    tsMs: NOW - ageMs,
    startedAtMs: NOW - 60_000,
    eventLoopLagMs: 0,
    detail: '',
  };
}

const plan = (over: Partial<PlanInput>) =>
  planAgents({ specs: [], processes: [], heartbeats: [], nowMs: NOW, staleAfterMs: STALE, startupGraceMs: GRACE, ...over });
const summary = (actions: ReturnType<typeof planAgents>) => actions.map((a) => `${a.kind}:${a.agentId}:${a.reason}`);

describe('planAgents', () => {
  it('starts an agent for a new file', () => {
    expect(summary(plan({ specs: [spec('a')] }))).toEqual(['start:a:new']);
  });

  it('leaves a healthy agent alone (a restarted Boss adopts it)', () => {
    expect(plan({ specs: [spec('a')], processes: [proc('a')], heartbeats: [beat('a', 500)] })).toEqual([]);
  });

  it('restarts an agent whose file changed', () => {
    const actions = plan({ specs: [spec('a', { lookback: 9 })], processes: [proc('a')], heartbeats: [beat('a', 500)] });
    expect(summary(actions)).toEqual(['restart:a:changed']);
    expect(actions[0]?.kind === 'restart' && actions[0].specHash).toBe(specHash(spec('a', { lookback: 9 })));
  });

  it('restarts a process that carries no spec hash (not started by a Boss)', () => {
    expect(summary(plan({ specs: [spec('a')], processes: [proc('a', { specHash: undefined })], heartbeats: [beat('a', 0)] }))).toEqual([
      'restart:a:changed',
    ]);
  });

  it('hashes content, not key order', () => {
    expect(specHash(spec('a', { x: 1, y: 2 }))).toBe(specHash(spec('a', { y: 2, x: 1 })));
    expect(specHash(spec('a', { x: 1 }))).not.toBe(specHash(spec('b', { x: 1 })));
  });

  it('stops and removes an agent whose file is gone, including one PM2 already shows stopped', () => {
    const actions = plan({ specs: [], processes: [proc('a'), proc('b', { status: 'stopped', pid: undefined })] });
    expect(summary(actions)).toEqual(['stop:a:removed', 'stop:b:removed']);
  });

  it('ignores processes that are not agents', () => {
    expect(plan({ processes: [{ name: 'boss', status: 'online', pid: 1, restarts: 0, uptimeMs: 1 }] })).toEqual([]);
  });

  it('keeps an agent whose file is broken running on its last good config', () => {
    expect(plan({ specs: [], processes: [proc('a')], retain: ['a'] })).toEqual([]);
  });

  it('starts an agent PM2 shows stopped or errored', () => {
    const actions = plan({
      specs: [spec('a'), spec('b')],
      processes: [proc('a', { status: 'stopped', pid: undefined }), proc('b', { status: 'errored', pid: undefined })],
    });
    expect(summary(actions)).toEqual(['start:a:not-running', 'start:b:not-running']);
  });

  it('waits while PM2 is launching or stopping a process', () => {
    for (const status of ['launching', 'stopping', 'waiting restart']) {
      expect(plan({ specs: [spec('a', { lookback: 7 })], processes: [proc('a', { status })] })).toEqual([]);
    }
  });

  describe('heartbeat staleness', () => {
    const withAge = (ageMs: number) => plan({ specs: [spec('a')], processes: [proc('a')], heartbeats: [beat('a', ageMs)] });

    it('is healthy just below and exactly at the limit', () => {
      expect(withAge(STALE - 1)).toEqual([]);
      expect(withAge(STALE)).toEqual([]);
    });

    it('is hung one millisecond past the limit', () => {
      const actions = withAge(STALE + 1);
      expect(summary(actions)).toEqual(['restart:a:hung']);
      expect(actions[0]?.detail).toContain(`${STALE + 1} ms old`);
    });

    it('judges only the newest beat of the current pid', () => {
      const fresh = beat('a', 100);
      // an older beat of the same process does not make it hung
      expect(plan({ specs: [spec('a')], processes: [proc('a')], heartbeats: [beat('a', STALE + 5_000), fresh] })).toEqual([]);
      // a fresh beat left by the previous pid says nothing about this process: without its own beat past the
      // grace it is hung
      const old = beat('a', 100, 99);
      expect(summary(plan({ specs: [spec('a')], processes: [proc('a', { uptimeMs: GRACE + 1 })], heartbeats: [old] }))).toEqual([
        'restart:a:hung',
      ]);
    });
  });

  describe('missing heartbeat', () => {
    const withUptime = (uptimeMs: number) => plan({ specs: [spec('a')], processes: [proc('a', { uptimeMs })] });

    it('is tolerated within the startup grace, up to and including its end', () => {
      expect(withUptime(0)).toEqual([]);
      expect(withUptime(GRACE)).toEqual([]);
    });

    it('is hung past the grace', () => {
      expect(summary(withUptime(GRACE + 1))).toEqual(['restart:a:hung']);
    });
  });

  it('prefers "changed" over "hung" when both apply (the restart picks up the new file either way)', () => {
    expect(summary(plan({ specs: [spec('a', { lookback: 3 })], processes: [proc('a')], heartbeats: [beat('a', STALE * 3)] }))).toEqual([
      'restart:a:changed',
    ]);
  });

  it('holds an agent in back-off until its time, but never holds a stop', () => {
    const holdUntilMs = new Map([
      ['a', NOW + 1],
      ['b', NOW + 1],
    ]);
    expect(plan({ specs: [spec('a')], holdUntilMs })).toEqual([]);
    expect(summary(plan({ specs: [spec('a')], holdUntilMs: new Map([['a', NOW]]) }))).toEqual(['start:a:new']);
    expect(summary(plan({ processes: [proc('b')], holdUntilMs }))).toEqual(['stop:b:removed']);
  });

  it('orders stops, then restarts, then starts, each by agent id', () => {
    const actions = plan({
      specs: [spec('z'), spec('c', { lookback: 2 }), spec('a')],
      processes: [proc('c'), proc('y'), proc('b')],
      heartbeats: [beat('c', 0)],
    });
    expect(summary(actions)).toEqual(['stop:b:removed', 'stop:y:removed', 'restart:c:changed', 'start:a:new', 'start:z:new']);
  });
});
