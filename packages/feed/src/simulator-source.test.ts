import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '@floor/domain';
import { SimulatorSource } from './simulator-source.js';

/** A source on a fake clock: sleeping advances the clock, so pacing is observable without waiting. */
function onFakeClock(opts: { ratePerSec: number; resumeFrom?: { index: number; startMs: number } }) {
  let clock = 1_000_000;
  const pauses: number[] = [];
  const source = new SimulatorSource({
    seed: 4,
    startMs: Date.UTC(2025, 0, 1),
    now: () => clock,
    sleep: async (ms) => {
      pauses.push(ms);
      clock += ms;
      return true;
    },
    ...opts,
  });
  return { source, pauses, elapsed: () => clock - 1_000_000 };
}

async function take(source: SimulatorSource, n: number): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of source.events()) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

describe('SimulatorSource', () => {
  it('delivers events at ratePerSec', async () => {
    const { source, elapsed } = onFakeClock({ ratePerSec: 50 });
    await take(source, 101);
    // 101 events at 50/s: the last one is due 2 s after the first
    expect(elapsed()).toBeCloseTo(2_000, 6);
  });

  it('resumes with the same continuation after its cursor', async () => {
    const whole = await take(onFakeClock({ ratePerSec: 1_000 }).source, 300);
    const first = onFakeClock({ ratePerSec: 1_000 }).source;
    await take(first, 120);
    const cursor = first.cursor();
    expect(cursor.index).toBe(120);
    const second = onFakeClock({ ratePerSec: 1_000 }).source;
    expect(second.resume(cursor)).toBe(true);
    const rest = await take(second, 180);
    expect(rest.map((e) => e.eventId)).toEqual(whole.slice(120).map((e) => e.eventId));
    expect(rest[0]!.source).toBe('simulator');
  });
});
