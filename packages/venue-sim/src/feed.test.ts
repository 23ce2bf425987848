import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '@floor/domain';
import { firstEvent, thenLive } from './feed.js';

const ev = (i: number): MarketEvent => ({
  type: 'trade', v: 1, eventId: `evt_${i}`, marketId: 'm', tokenId: 't', tsEventMs: 1_000 + i, tsPublishedMs: 1_000 + i,
  source: 'replay', priceMicros: 500_000n, sizeMicros: 1_000_000n, side: 'BUY',
});
async function* gen(n: number): AsyncGenerator<MarketEvent> {
  for (let i = 0; i < n; i += 1) yield ev(i);
}
const collect = async (it: AsyncIterable<MarketEvent>) => {
  const out: string[] = [];
  for await (const e of it) out.push(e.eventId);
  return out;
};

describe('replay helpers', () => {
  it('firstEvent peeks without losing the first event', async () => {
    const r = await firstEvent(gen(3));
    expect(r?.event.eventId).toBe('evt_0');
    expect(await collect(r?.events ?? gen(0))).toEqual(['evt_0', 'evt_1', 'evt_2']);
    expect(await firstEvent(gen(0))).toBeNull();
  });
  it('thenLive continues with the next source once the first ends', async () => {
    expect(await collect(thenLive(gen(2), () => [ev(9)]))).toEqual(['evt_0', 'evt_1', 'evt_9']);
  });
});
