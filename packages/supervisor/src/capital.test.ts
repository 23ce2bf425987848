import { describe, expect, it } from 'vitest';
import { clampTarget, splitBankroll, splitRef } from './capital.js';

const USD = 1_000_000n;

describe('splitBankroll', () => {
  it('splits equally between equal weights, exactly', () => {
    const split = splitBankroll(10_000n * USD, [
      { agentId: 'a', weight: 1 },
      { agentId: 'b', weight: 1 },
    ]);
    expect(Object.fromEntries(split)).toEqual({ a: 5_000n * USD, b: 5_000n * USD });
  });

  it('follows the weights', () => {
    const split = splitBankroll(9_000n * USD, [
      { agentId: 'a', weight: 2 },
      { agentId: 'b', weight: 1 },
    ]);
    expect(Object.fromEntries(split)).toEqual({ a: 6_000n * USD, b: 3_000n * USD });
  });

  it('floors each share and leaves the remainder with the floor', () => {
    const split = splitBankroll(100n, [
      { agentId: 'a', weight: 1 },
      { agentId: 'b', weight: 1 },
      { agentId: 'c', weight: 1 },
    ]);
    expect([...split.values()]).toEqual([33n, 33n, 33n]);
    const total = [...split.values()].reduce((s, v) => s + v, 0n);
    expect(100n - total).toBe(1n);
  });

  it('handles fractional weights without floats touching the money', () => {
    const split = splitBankroll(10_000n * USD, [
      { agentId: 'a', weight: 0.1 },
      { agentId: 'b', weight: 0.2 },
    ]);
    // 0.1 + 0.2 is not 0.3 in floats; in micro-weights it is exactly 100000 + 200000
    expect(split.get('a')).toBe(3_333_333_333n);
    expect(split.get('b')).toBe(6_666_666_666n);
  });

  it('gives nothing when there are no agents', () => {
    expect(splitBankroll(10n * USD, []).size).toBe(0);
  });
});

describe('splitRef', () => {
  it('names the decision: same set and weights in any order → same ref', () => {
    const a = splitRef(10n, [
      { agentId: 'x', weight: 1 },
      { agentId: 'y', weight: 2 },
    ]);
    const b = splitRef(10n, [
      { agentId: 'y', weight: 2 },
      { agentId: 'x', weight: 1 },
    ]);
    expect(a).toBe(b);
    expect(splitRef(10n, [{ agentId: 'x', weight: 1 }])).not.toBe(a);
    expect(splitRef(11n, [{ agentId: 'x', weight: 1 }, { agentId: 'y', weight: 2 }])).not.toBe(a);
  });
});

describe('clampTarget', () => {
  it('raises or lowers freely while the cash covers it', () => {
    expect(clampTarget({ targetMicros: 700n, allocatedMicros: 1_000n, cashMicros: 1_000n })).toEqual({
      targetMicros: 700n,
      clamped: false,
      floorMicros: 0n,
    });
    expect(clampTarget({ targetMicros: 2_000n, allocatedMicros: 1_000n, cashMicros: 100n }).clamped).toBe(false);
  });

  it('never takes back deployed capital: the target stops at allocated − cash', () => {
    // 1000 allotted, 600 of it in positions: at most the 400 of cash can go back
    expect(clampTarget({ targetMicros: 0n, allocatedMicros: 1_000n, cashMicros: 400n })).toEqual({
      targetMicros: 600n,
      clamped: true,
      floorMicros: 600n,
    });
  });

  it('is not clamped exactly at the deployed amount', () => {
    expect(clampTarget({ targetMicros: 600n, allocatedMicros: 1_000n, cashMicros: 400n }).clamped).toBe(false);
    expect(clampTarget({ targetMicros: 599n, allocatedMicros: 1_000n, cashMicros: 400n }).targetMicros).toBe(600n);
  });

  it('lets a profitable agent go to zero (its cash exceeds its allotment)', () => {
    expect(clampTarget({ targetMicros: 0n, allocatedMicros: 1_000n, cashMicros: 1_500n })).toEqual({
      targetMicros: 0n,
      clamped: false,
      floorMicros: -500n,
    });
  });
});
