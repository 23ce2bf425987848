import { describe, expect, it } from 'vitest';
import { midPriceMicros, money, type AgentStatus, type FloorStatus } from './collect.js';
import { duration, renderFloorStatus } from './render.js';

function agent(over: Partial<AgentStatus> = {}): AgentStatus {
  return {
    agentId: 'momentum-fast',
    strategy: 'momentum',
    status: 'active',
    weight: 1,
    process: { name: 'agent-momentum-fast', status: 'online', pid: 4242, restarts: 1, uptimeMs: 65_000 },
    heartbeat: { app: 'agent', instanceId: 'momentum-fast', agentId: 'momentum-fast', pid: 4242, state: 'running', ageMs: 800, stale: false, detail: '' },
    killed: null,
    allocated: money(5_000_000_000n),
    cash: money(4_974_500_000n),
    positionsCount: 1,
    positionsAtCost: money(25_000_000n),
    positionsValue: money(26_250_000n),
    realizedPnl: money(-1_250_000n),
    fees: money(500_000n),
    unrealizedPnl: money(1_250_000n),
    equity: money(5_000_750_000n),
    missingMarks: [],
    fillCount: 3,
    positions: [],
    ...over,
  };
}

function status(over: Partial<FloorStatus> = {}): FloorStatus {
  const a = agent();
  return {
    generatedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    prefix: 'floor',
    processes: [
      { name: 'agent-momentum-fast', status: 'online', pid: 4242, restarts: 1, uptimeMs: 65_000 },
      { name: 'boss', status: 'online', pid: 11, restarts: 0, uptimeMs: 3_723_000 },
    ],
    heartbeats: [a.heartbeat as NonNullable<AgentStatus['heartbeat']>, { app: 'collector', instanceId: 'collector', agentId: null, pid: 12, state: 'running', ageMs: 20_000, stale: true, detail: '' }],
    agents: [a],
    totals: {
      cash: a.cash,
      positionsAtCost: a.positionsAtCost,
      positionsValue: a.positionsValue,
      realizedPnl: a.realizedPnl,
      unrealizedPnl: a.unrealizedPnl,
      fees: a.fees,
      equity: a.equity,
      missingMarks: 0,
    },
    configErrors: [],
    killSwitch: { on: false, reason: '' },
    ...over,
  };
}

describe('money', () => {
  it('carries exact micros and their decimal form', () => {
    expect(money(1_250_000n)).toEqual({ micros: '1250000', usd: '1.25' });
    expect(money(-500n)).toEqual({ micros: '-500', usd: '-0.0005' });
    expect(money(0n)).toEqual({ micros: '0', usd: '0.00' });
  });
});

describe('midPriceMicros', () => {
  const book = (bids: string[], asks: string[]) =>
    JSON.stringify({
      v: 1,
      type: 'book',
      eventId: 'evt_1',
      marketId: 'm',
      tokenId: 't',
      tsEventMs: 1,
      tsPublishedMs: 1,
      source: 'replay',
      bids: bids.map((p) => ({ priceMicros: p, sizeMicros: '1000000' })),
      asks: asks.map((p) => ({ priceMicros: p, sizeMicros: '1000000' })),
    });

  it('is the rounded mid of the best bid and ask', () => {
    expect(midPriceMicros(book(['520000', '510000'], ['540000']))).toBe(530_000n);
    expect(midPriceMicros(book(['1'], ['2']))).toBe(2n);
  });

  it('is missing without a two-sided book or with a bad value', () => {
    expect(midPriceMicros(book([], ['540000']))).toBeUndefined();
    expect(midPriceMicros(null)).toBeUndefined();
    expect(midPriceMicros('{not json')).toBeUndefined();
  });
});

describe('renderFloorStatus', () => {
  it('shows processes, agents with the same amounts as the JSON, heartbeats and the kill switch', () => {
    const text = renderFloorStatus(status());
    expect(text).toContain('Kill switch: off');
    expect(text).toMatch(/boss\s+online\s+11\s+0\s+1h 02m/);
    expect(text).toMatch(/momentum-fast\s+momentum\s+active\s+online\s+800ms\s+4974\.50\s+1\s+25\.00\s+26\.25\s+-1\.25\s+1\.25\s+0\.50\s+5000\.75/);
    expect(text).toMatch(/TOTAL\s+4974\.50/);
    expect(text).toMatch(/collector\s+collector\s+12\s+running\s+20s\s+STALE/);
    expect(text).toContain('Config errors\n  none');
  });

  it('says when a mark is missing', () => {
    const a = agent({ missingMarks: ['tok'], positionsValue: money(25_000_000n) });
    const text = renderFloorStatus(status({ agents: [a], totals: { ...status().totals, missingMarks: 1 } }));
    expect(text).toMatch(/25\.00\*/);
    expect(text).toContain('1 position(s) have no mid price');
  });

  it('shows config errors with their file and field, and a kill switch that is on', () => {
    const text = renderFloorStatus(
      status({
        configErrors: [{ file: 'config/strategies/bad.yaml', message: 'config/strategies/bad.yaml: params: Unrecognized key: "lookbak"' }],
        killSwitch: { on: true, reason: 'drawdown' },
      }),
    );
    expect(text).toContain('  config/strategies/bad.yaml: params: Unrecognized key: "lookbak"');
    expect(text).toContain('KILL SWITCH ON: drawdown');
  });

  it('shows the breakers: the floor, agents that tripped, the latest transitions', () => {
    const text = renderFloorStatus(
      status({
        breakers: {
          floor: { state: 'active', reason: '', sizeMultiplier: 1 },
          agents: [
            { agentId: 'momo', state: 'reducing', reason: '5 losing trades in a row', sizeMultiplier: 1, trips: 1 },
            { agentId: 'calm', state: 'active', reason: '', sizeMultiplier: 1, trips: 0 },
          ],
          recent: [{ ts: '2025-06-01T12:00:00.000Z', breaker: 'lossStreak', scope: 'agent:momo', transition: 'tripped', reason: '5 losing trades in a row' }],
        },
      }),
    );
    expect(text).toContain('Breakers\n  floor: active\n');
    expect(text).toMatch(/momo\s+reducing \(5 losing trades in a row\)\s+1/);
    expect(text).not.toMatch(/calm\s+active/);
    expect(text).toContain('2025-06-01T12:00:00.000Z  lossStreak tripped  agent:momo: 5 losing trades in a row');
  });

  it('says when PM2 is not running', () => {
    expect(renderFloorStatus(status({ processes: null }))).toContain('PM2 is not running');
  });
});

describe('duration', () => {
  it('formats milliseconds for people', () => {
    expect(duration(950)).toBe('950ms');
    expect(duration(12_000)).toBe('12s');
    expect(duration(184_000)).toBe('3m 04s');
    expect(duration(7_500_000)).toBe('2h 05m');
  });
});
