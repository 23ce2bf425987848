import { describe, expect, it } from 'vitest';
import { initialBreakerState, RiskConfig, runBreakers } from '@floor/risk';
import { agentEquityMicros, breakerInputsOf, tradingStatesOf } from './breaker-runner.js';
import type { ClosedTrade } from './evolution/trips.js';

const risk = RiskConfig.parse({});
const T0 = Date.UTC(2025, 5, 1, 12);
const loss = (i: number): ClosedTrade => ({ agentId: 'loser', tokenId: `t${i}`, marketId: 'm', openedAtMs: T0 + i, closedAtMs: T0 + i * 10, pnlMicros: -1_000_000n, costMicros: 10_000_000n, settled: false, seq: BigInt(i) });

describe("the Boss's breaker inputs and published trading states", () => {
  it('five losing closed trades in a row put that agent, and only it, in reducing', () => {
    const inputs = breakerInputsOf([1, 2, 3, 4, 5].map(loss), { floorMicros: 10_000_000_000n, agents: new Map([['loser', 1_000_000n]]) }, T0 + 1_000);
    expect(inputs.map((i) => i.type)).toEqual(['tradeClosed', 'tradeClosed', 'tradeClosed', 'tradeClosed', 'tradeClosed', 'agentEquity', 'floorEquity', 'clock']);
    const { state, events } = runBreakers(initialBreakerState(), inputs, risk);
    expect(events.map((e) => [e.breaker, e.scope, e.transition])).toEqual([['lossStreak', 'agent:loser', 'tripped']]);
    const published = tradingStatesOf(state, ['loser', 'other'], risk, T0 + 1_000);
    expect(published.get('agent:loser')).toMatchObject({ state: 'reducing', reason: '5 losing trades in a row' });
    expect(published.get('agent:other')).toMatchObject({ state: 'active', sizeMultiplier: 1 });
    expect(published.get('floor')).toMatchObject({ state: 'active', reason: '', sizeMultiplier: 1 });
  });

  it('a trade closed "after" the tick time is clamped to it (time never runs backwards)', () => {
    const inputs = breakerInputsOf([{ ...loss(1), closedAtMs: T0 + 5_000 }], { floorMicros: 1n, agents: new Map() }, T0);
    expect(inputs[0]?.tsMs).toBe(T0);
  });

  it('values positions at the mid, at cost without a mark', () => {
    const portfolio = {
      cashMicros: 100_000_000n,
      positions: [
        { tokenId: 'a', marketId: 'm', sizeMicros: 10_000_000n, costMicros: 4_000_000n },
        { tokenId: 'b', marketId: 'm', sizeMicros: 10_000_000n, costMicros: 3_000_000n },
      ],
    };
    expect(agentEquityMicros(portfolio, new Map([['a', 600_000n]]))).toBe(100_000_000n + 6_000_000n + 3_000_000n);
  });
});
