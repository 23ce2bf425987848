import { describe, expect, it } from 'vitest';
import type { BookSnapshot, Heartbeat } from '@floor/domain';
import type { AgentPortfolio } from '@floor/db';
import { computeAgentPerformance, computeFloorPerformance, computeProcessHealth, markFromBook, microsToUsd } from './compute.js';

const USD = 1_000_000n;

const portfolio = (overrides: Partial<AgentPortfolio> = {}): AgentPortfolio => ({
  agentId: 'a',
  cashMicros: 900n * USD,
  allocatedMicros: 1_000n * USD,
  feesMicros: 1n * USD,
  realizedPnlMicros: 5n * USD,
  positions: [
    { tokenId: 'marked', marketId: 'm', sizeMicros: 100n * USD, costMicros: 40n * USD },
    { tokenId: 'unmarked', marketId: 'm', sizeMicros: 10n * USD, costMicros: 66n * USD },
  ],
  lastFillSeq: 3n,
  fillCount: 3,
  ...overrides,
});

const book = (bids: bigint[], asks: bigint[]): BookSnapshot => ({
  v: 1, type: 'book', eventId: 'e', marketId: 'm', tokenId: 't', tsEventMs: 0, tsPublishedMs: 0, source: 'simulator', stale: false,
  bids: bids.map((priceMicros) => ({ priceMicros, sizeMicros: USD })),
  asks: asks.map((priceMicros) => ({ priceMicros, sizeMicros: USD })),
});

describe('performance arithmetic', () => {
  it('marks at the floored mid of the best levels, and not at all on a one-sided book', () => {
    expect(markFromBook(book([450_000n, 440_000n], [470_001n]))).toBe(460_000n);
    expect(markFromBook(book([450_000n], []))).toBeNull();
    expect(markFromBook(book([], []))).toBeNull();
  });

  it('values marked positions at mark and unmarked ones at cost', () => {
    const perf = computeAgentPerformance({ agentId: 'a', strategy: 's' }, portfolio(), new Map([['marked', 450_000n]]));
    expect(perf.equityMicros).toBe(900n * USD + 45n * USD + 66n * USD);
    expect(perf.unrealizedPnlMicros).toBe(5n * USD);
    expect(perf.pnlMicros).toBe(perf.equityMicros - 1_000n * USD);
    expect([perf.positionsOpen, perf.unmarkedPositions, perf.fillCount]).toEqual([2, 1, 3]);
    const floor = computeFloorPerformance([perf, perf]);
    expect([floor.equityMicros, floor.pnlMicros]).toEqual([2n * perf.equityMicros, 2n * perf.pnlMicros]);
    expect(floor.exposureMicros).toBe(2n * (45n + 66n) * USD);
  });

  it('splits exposure at mark by market category, unmarked positions at cost', () => {
    const perf = computeAgentPerformance({ agentId: 'a', strategy: 's' }, portfolio(), new Map([['marked', 450_000n]]), new Map([['m', 'crypto']]));
    expect([...perf.exposureByCategory]).toEqual([['crypto', (45n + 66n) * USD]]);
    const uncategorised = computeAgentPerformance({ agentId: 'a', strategy: 's' }, portfolio(), new Map());
    expect([...uncategorised.exposureByCategory]).toEqual([['unknown', (40n + 66n) * USD]]);
  });

  it('calls a process up while its heartbeat is fresh, per agent', () => {
    const hb = (instanceId: string, tsMs: number): Heartbeat => ({
      type: 'heartbeat', v: 1, app: 'agent', instanceId, pid: 1, state: 'running', tsMs, startedAtMs: 0, eventLoopLagMs: 0, detail: '',
    });
    const agentBeat = (agentId: string, tsMs: number): Heartbeat => ({ ...hb(agentId, tsMs), agentId });
    expect(computeProcessHealth([agentBeat('a', 0), agentBeat('b', 90_000)], 100_000, 15_000)).toEqual([
      { app: 'agent', instance: 'a', up: false, ageSeconds: 100, eventLoopLagSeconds: 0 },
      { app: 'agent', instance: 'b', up: true, ageSeconds: 10, eventLoopLagSeconds: 0 },
    ]);
  });

  it('does not report a process down once a fresh instance has replaced it', () => {
    const executor = (instanceId: string, tsMs: number): Heartbeat => ({
      type: 'heartbeat', v: 1, app: 'executor', instanceId, pid: 1, state: 'running', tsMs, startedAtMs: 0, eventLoopLagMs: 0, detail: '',
    });
    expect(computeProcessHealth([executor('host-1', 0), executor('host-2', 95_000)], 100_000, 15_000)).toEqual([
      { app: 'executor', instance: 'host-2', up: true, ageSeconds: 5, eventLoopLagSeconds: 0 },
    ]);
  });

  it('converts micros to dollars exactly', () => {
    expect(microsToUsd(-1_234_567n)).toBe(-1.234567);
  });
});
