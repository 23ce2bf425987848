import { describe, expect, it } from 'vitest';
import {
  agentTripCount,
  breakerRestrictions,
  breakerStateToJson,
  initialBreakerState,
  parseBreakerState,
  runBreakers,
  stepBreakers,
  tripCount,
  type BreakerInput,
  type BreakerState,
} from './breakers.js';
import { RiskConfig } from './config.js';

const config = RiskConfig.parse({});
const USD = 1_000_000n;
const T0 = Date.UTC(2025, 5, 1, 10, 0, 0);
const DAY_MS = 24 * 3_600_000;
const run = (inputs: readonly BreakerInput[], state: BreakerState = initialBreakerState()) => runBreakers(state, inputs, config);
const closed = (pnlMicros: bigint, i = 0): BreakerInput => ({ type: 'tradeClosed', agentId: 'momo', pnlMicros, tsMs: T0 + i });
const equity = (equityMicros: bigint, tsMs = T0): BreakerInput => ({ type: 'floorEquity', equityMicros, tsMs });

describe('loss streak (5 losing closed trades pause the agent)', () => {
  it('trips on the 5th loss in a row, not the 4th, and only once', () => {
    const four = run([1, 2, 3, 4].map((i) => closed(-USD, i)));
    expect(four.events).toEqual([]);
    const five = run([closed(-1n, 5), closed(-USD, 6)], four.state);
    expect(five.events).toEqual([
      { breaker: 'lossStreak', scope: 'agent:momo', transition: 'tripped', reason: '5 losing trades in a row', numbers: { consecutiveLosses: 5, limit: 5 }, tsMs: T0 + 5 },
    ]);
    expect(breakerRestrictions(five.state, 'momo', config, T0).agent).toEqual({ state: 'reducing', reason: '6 losing trades in a row' });
    expect(breakerRestrictions(five.state, 'other', config, T0).agent.state).toBe('active');
  });

  it('a break-even or winning trade resets the count', () => {
    const { events } = run([closed(-USD), closed(-USD), closed(-USD), closed(-USD), closed(0n), closed(-USD), closed(-USD)]);
    expect(events).toEqual([]);
  });

  it('stays tripped until a manual reset, which starts the count afresh and is counted for retirement', () => {
    const tripped = run(Array.from({ length: 5 }, (_, i) => closed(-USD, i)));
    const reset = run([{ type: 'manualReset', breaker: 'lossStreak', scope: 'agent:momo', by: 'boss', tsMs: T0 + 10 }], tripped.state);
    expect(reset.events.map((e) => [e.breaker, e.transition, e.reason])).toEqual([['lossStreak', 'reset', 'manual reset by boss']]);
    expect(breakerRestrictions(reset.state, 'momo', config, T0).agent.state).toBe('active');
    expect(run([closed(-USD, 11)], reset.state).events).toEqual([]);
    expect(tripCount(reset.state, 'lossStreak', 'agent:momo')).toBe(1);
    expect(agentTripCount(reset.state, 'momo')).toBe(1);
  });
});

describe('daily loss (10 % below the day start) and daily drawdown (15 % from the day peak)', () => {
  it('trips the daily loss at exactly 10 %, not a micro before', () => {
    expect(run([equity(10_000n * USD), equity(9_000n * USD + 1n)]).events).toEqual([]);
    const { events, state } = run([equity(10_000n * USD), equity(9_000n * USD)]);
    expect(events).toMatchObject([{ breaker: 'dailyLoss', scope: 'floor', transition: 'tripped', numbers: { fall: 0.1, limit: 0.1 } }]);
    expect(breakerRestrictions(state, 'momo', config, T0).floor).toEqual({ state: 'reducing', reason: 'daily loss limit' });
  });

  it("trips the daily drawdown at exactly 15 % from the day's peak, after gains", () => {
    // up to 12,000 then down to 10,200: 15 % from the peak, but above the day start
    const { events } = run([equity(10_000n * USD), equity(12_000n * USD), equity(10_200n * USD + 1n), equity(10_200n * USD)]);
    expect(events.map((e) => [e.breaker, e.transition])).toEqual([['dailyDrawdown', 'tripped']]);
  });

  it('both reset at the next UTC day; the daily loss then brings reduced sizing', () => {
    const tripped = run([equity(10_000n * USD), equity(8_000n * USD)]);
    expect(tripped.events.map((e) => e.breaker)).toEqual(['dailyLoss', 'dailyDrawdown', 'drawdownHeat']);
    const nextDay = Date.UTC(2025, 5, 2, 0, 0, 0);
    const { events, state } = run([{ type: 'clock', tsMs: nextDay }], tripped.state);
    expect(events.map((e) => [e.breaker, e.transition])).toEqual([
      ['dailyDrawdown', 'reset'],
      ['dailyLoss', 'reset'],
    ]);
    expect(state.floor.dayStartEquityMicros).toBe(8_000n * USD);
    const r = breakerRestrictions(state, 'momo', config, nextDay);
    // the heat halt (20 % from the high-water mark) needs a hand
    expect(r.floor).toEqual({ state: 'reducing', reason: 'floor drawdown halt: manual reset required' });
    expect(r.sizeMultiplier).toBe(0);
  });

  it('a manual reset of the daily loss rebases the day start and halves sizes for 24 h', () => {
    const tripped = run([equity(10_000n * USD), equity(8_900n * USD)]);
    const t = T0 + 60_000;
    const { state, events } = run([{ type: 'manualReset', breaker: 'dailyLoss', scope: 'floor', by: 'ops', tsMs: t }, equity(8_900n * USD, t + 1)], tripped.state);
    expect(events.map((e) => [e.breaker, e.transition])).toEqual([['dailyLoss', 'reset']]);
    expect(state.floor.dayStartEquityMicros).toBe(8_900n * USD);
    // 11 % below the high-water mark is heat level ½ anyway; reduced sizing is also ½
    expect(breakerRestrictions(state, 'momo', config, t + 1)).toMatchObject({ floor: { state: 'active' }, sizeMultiplier: 0.5 });
    expect(breakerRestrictions(state, 'momo', config, t + DAY_MS)).toMatchObject({ sizeMultiplier: 0.5 }); // heat remains
  });
});

describe('drawdown heat halt (20 % from the high-water mark, manual reset only)', () => {
  it('trips per agent at exactly 20 % and does not clear on recovery', () => {
    const agentEquity = (e: bigint, i: number): BreakerInput => ({ type: 'agentEquity', agentId: 'momo', equityMicros: e, tsMs: T0 + i });
    const { state, events } = run([agentEquity(1_000n * USD, 0), agentEquity(800n * USD + 1n, 1), agentEquity(800n * USD, 2), agentEquity(900n * USD, 3)]);
    expect(events.map((e) => [e.breaker, e.scope, e.transition])).toEqual([['drawdownHeat', 'agent:momo', 'tripped']]);
    expect(breakerRestrictions(state, 'momo', config, T0).agent.state).toBe('reducing');
    const reset = run([{ type: 'manualReset', breaker: 'drawdownHeat', scope: 'agent:momo', by: 'ops', tsMs: T0 + 4 }], state);
    expect(reset.state.agents['momo']?.peakEquityMicros).toBe(900n * USD);
    expect(breakerRestrictions(reset.state, 'momo', config, T0)).toMatchObject({ agent: { state: 'active' }, sizeMultiplier: 1 });
  });

  it("sizes by the hotter of the floor's and the agent's heat", () => {
    const { state } = run([equity(10_000n * USD), equity(8_500n * USD), { type: 'agentEquity', agentId: 'momo', equityMicros: 900n * USD, tsMs: T0 }]);
    expect(breakerRestrictions(state, 'momo', config, T0).sizeMultiplier).toBe(0.25);
  });
});

describe('exchange API errors (> 10 % over 60 s with at least 20 calls pause new orders)', () => {
  const calls = (errors: number, total: number, from = T0): BreakerInput[] =>
    Array.from({ length: total }, (_, i) => ({ type: 'apiCall', ok: i >= errors, tsMs: from + i * 100 }));

  it('ignores the rate below the minimum sample count', () => {
    expect(run(calls(19, 19)).events).toEqual([]);
  });

  it('allows exactly 10 % and trips above it', () => {
    expect(run(calls(2, 20)).events).toEqual([]);
    const { events, state } = run(calls(3, 20));
    expect(events).toMatchObject([{ breaker: 'apiErrors', scope: 'floor', transition: 'tripped', numbers: { calls: 20, errors: 3 } }]);
    expect(breakerRestrictions(state, 'momo', config, T0).floor.reason).toBe('exchange API error breaker');
  });

  it('resets once the cooldown is over and the window is back under the limit', () => {
    const tripped = run(calls(3, 20));
    const trippedAt = T0 + 19 * 100;
    expect(run([{ type: 'clock', tsMs: trippedAt + 59_999 }], tripped.state).events).toEqual([]);
    expect(run([{ type: 'clock', tsMs: trippedAt + 60_000 }], tripped.state).events).toMatchObject([{ breaker: 'apiErrors', transition: 'reset' }]);
  });

  it('stays tripped past the cooldown while errors go on', () => {
    const tripped = run(calls(3, 20));
    const stillFailing = run(calls(10, 40, T0 + 40_000), tripped.state);
    expect(run([{ type: 'clock', tsMs: T0 + 62_000 }], stillFailing.state).events).toEqual([]);
    expect(breakerRestrictions(stillFailing.state, 'momo', config, T0 + 62_000).floor.state).toBe('reducing');
  });
});

describe('state', () => {
  it('round-trips through JSON', () => {
    const { state } = run([equity(10_000n * USD), equity(8_000n * USD), closed(-USD), { type: 'apiCall', ok: false, tsMs: T0 }]);
    const json = JSON.parse(JSON.stringify(breakerStateToJson(state))) as unknown;
    expect(parseBreakerState(json)).toEqual(state);
  });

  it('never runs time backwards', () => {
    const { state } = run([equity(10_000n * USD, T0 + 1_000)]);
    expect(stepBreakers(state, equity(9_999n * USD, T0), config).state.nowMs).toBe(T0 + 1_000);
  });
});
