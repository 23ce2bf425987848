import { describe, expect, it } from 'vitest';
import type { TradeFill } from '@floor/db';
import { foldFills, openTripsToJson, parseOpenTrips, tradeReturn, tradesByAgent } from './trips.js';

let seq = 0n;
const fill = (agentId: string, side: 'BUY' | 'SELL', sizeMicros: bigint, cashDeltaMicros: bigint, realizedPnlMicros = 0n, feeMicros = 0n, kind: 'trade' | 'settlement' = 'trade'): TradeFill => {
  seq += 1n;
  return { seq, agentId, marketId: 'm1', tokenId: 'yes', kind, side, sizeMicros, cashDeltaMicros, realizedPnlMicros, feeMicros, tsMs: Number(seq) * 1_000 };
};

describe('round trips from fills', () => {
  it('opens on the first BUY, closes when flat again, PnL = realized − fees, risk = BUY cash out', () => {
    const { open, closed } = foldFills(new Map(), [
      fill('a', 'BUY', 100_000_000n, -50_100_000n, 0n, 100_000n), // 100 shares at 0.50 + $0.10 fee
      fill('a', 'SELL', 40_000_000n, 23_900_000n, 3_900_000n, 100_000n), // part: +$4 realized − fee
      fill('a', 'SELL', 60_000_000n, 36_000_000n, 6_000_000n, 0n),
    ]);
    expect(open.size).toBe(0);
    expect(closed).toHaveLength(1);
    const [t] = closed;
    expect(t?.pnlMicros).toBe(9_900_000n - 200_000n);
    expect(t?.costMicros).toBe(50_100_000n);
    expect(t && tradeReturn(t)).toBeCloseTo(9_700_000 / 50_100_000, 12);
    expect(t?.settled).toBe(false);
  });

  it('a settlement closes the trip, and an open trip survives a save and a restart', () => {
    const first = foldFills(new Map(), [fill('b', 'BUY', 10_000_000n, -4_000_000n)]);
    expect(first.closed).toEqual([]);
    const restored = parseOpenTrips(JSON.parse(JSON.stringify(openTripsToJson(first.open))));
    expect(restored).toEqual(first.open);
    const second = foldFills(restored, [fill('b', 'SELL', 10_000_000n, 0n, -4_000_000n, 0n, 'settlement')]);
    expect(second.closed.map((t) => [t.agentId, t.pnlMicros, t.settled])).toEqual([['b', -4_000_000n, true]]);
  });

  it('ignores a SELL with no BUY on record, and groups trades by agent in order', () => {
    const { closed } = foldFills(new Map(), [
      fill('c', 'SELL', 5_000_000n, 2_000_000n, 1_000_000n),
      fill('a', 'BUY', 1_000_000n, -500_000n),
      fill('a', 'SELL', 1_000_000n, 600_000n, 100_000n),
      fill('a', 'BUY', 1_000_000n, -500_000n),
      fill('a', 'SELL', 1_000_000n, 400_000n, -100_000n),
    ]);
    expect(closed).toHaveLength(2);
    expect(tradesByAgent(closed).get('a')?.map((t) => t.pnlMicros)).toEqual([100_000n, -100_000n]);
  });
});
