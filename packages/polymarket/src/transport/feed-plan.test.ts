import { describe, expect, it } from 'vitest';
import { assessFeedHealth, planSubscriptions, reconnectDelayMs, type ConnectionHealthInput } from './feed-plan.js';
import { planRediscovery } from './discovery.js';
import type { GammaMarket } from '../parse/gamma.js';

const tokens = (...ids: string[]) => new Set(ids);

describe('planSubscriptions', () => {
  it('fills free room on existing connections first, then opens connections of at most the limit', () => {
    const plan = planSubscriptions([{ id: 'ws-0', tokens: tokens('a', 'b') }, { id: 'ws-1', tokens: tokens('c') }], ['d', 'e', 'f', 'g', 'h', 'i'], 3);
    expect(plan.additions).toEqual([
      { connectionId: 'ws-0', tokenIds: ['d'] },
      { connectionId: 'ws-1', tokenIds: ['e', 'f'] },
    ]);
    expect(plan.newConnections).toEqual([['g', 'h', 'i']]);
  });

  it('splits a large first subscription and ignores tokens already subscribed or repeated', () => {
    const plan = planSubscriptions([{ id: 'ws-0', tokens: tokens('a') }], ['a', 'b', 'b', 'c', 'd', 'e', 'f'], 1);
    expect(plan.additions).toEqual([]);
    expect(plan.newConnections).toEqual([['b'], ['c'], ['d'], ['e'], ['f']]);
    expect(planSubscriptions([], [], 200)).toEqual({ additions: [], newConnections: [] });
  });

  it('refuses a non-positive limit', () => {
    expect(() => planSubscriptions([], ['a'], 0)).toThrow(RangeError);
  });
});

describe('reconnectDelayMs', () => {
  it('draws under a ceiling that doubles per failure up to the cap (full jitter)', () => {
    const top = () => 0.999_999;
    const ceilings = [0, 1, 2, 3, 4, 10, 20].map((n) => reconnectDelayMs(n, { baseMs: 100, maxMs: 1_000, random: top }));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(reconnectDelayMs(5, { baseMs: 100, maxMs: 1_000, random: () => 0 })).toBe(0);
  });

  it('defaults to 250 ms for the first retry and 30 s at most', () => {
    for (let i = 0; i < 50; i += 1) {
      expect(reconnectDelayMs(0)).toBeLessThan(250);
      expect(reconnectDelayMs(40)).toBeLessThan(30_000);
    }
  });
});

describe('assessFeedHealth (staleness → fallback)', () => {
  const conn = (over: Partial<ConnectionHealthInput> & Pick<ConnectionHealthInput, 'id'>): ConnectionHealthInput => ({
    tokens: tokens(),
    lastMessageMs: 10_000,
    openedAtMs: 0,
    awaitingDataSinceMs: null,
    ...over,
  });
  const base = { nowMs: 10_000, tokenLastMessageMs: new Map<string, number>(), connectionStaleAfterMs: 1_000, tokenQuietAfterMs: 60_000 };

  it('a healthy connection degrades nothing and is left alone', () => {
    const health = assessFeedHealth({ ...base, connections: [conn({ id: 'ws-0', tokens: tokens('a', 'b'), lastMessageMs: 9_500 })] });
    expect(health).toEqual({ downConnections: [], restartConnections: [], degradedTokens: new Set(), quietTokens: [] });
  });

  it('an open but silent (frozen) connection is down: its tokens fall back to REST and the socket is replaced', () => {
    const health = assessFeedHealth({
      ...base,
      connections: [conn({ id: 'ws-0', tokens: tokens('a', 'b'), lastMessageMs: 8_000 }), conn({ id: 'ws-1', tokens: tokens('c'), lastMessageMs: 9_900 })],
    });
    expect(health.downConnections).toEqual([{ id: 'ws-0', reason: 'silent', silentForMs: 2_000 }]);
    expect(health.restartConnections).toEqual(['ws-0']);
    expect(health.degradedTokens).toEqual(tokens('a', 'b'));
  });

  it('a closed, reconnecting connection degrades once silent too long, but there is no socket to replace', () => {
    const health = assessFeedHealth({ ...base, connections: [conn({ id: 'ws-0', tokens: tokens('a'), lastMessageMs: 5_000, openedAtMs: null })] });
    expect(health.degradedTokens).toEqual(tokens('a'));
    expect(health.restartConnections).toEqual([]);
  });

  it('a freshly reopened socket gets the full grace period before it is replaced, while its tokens stay degraded', () => {
    const health = assessFeedHealth({
      ...base,
      connections: [conn({ id: 'ws-0', tokens: tokens('a'), lastMessageMs: 5_000, openedAtMs: 9_600, awaitingDataSinceMs: 9_600 })],
    });
    expect(health.degradedTokens).toEqual(tokens('a'));
    expect(health.restartConnections).toEqual([]);
  });

  it('PONGs without any data after subscribing mean the subscription was lost: down and replaced', () => {
    const health = assessFeedHealth({
      ...base,
      connections: [conn({ id: 'ws-0', tokens: tokens('a'), lastMessageMs: 9_990, openedAtMs: 8_000, awaitingDataSinceMs: 8_000 })],
    });
    expect(health.downConnections).toEqual([{ id: 'ws-0', reason: 'no_data_after_subscribe', silentForMs: 2_000 }]);
    expect(health.restartConnections).toEqual(['ws-0']);
  });

  it('a quiet token on a healthy connection is only worth a REST check', () => {
    const health = assessFeedHealth({
      ...base,
      tokenLastMessageMs: new Map([['a', 0], ['b', 9_000], ['c', 0]]),
      connections: [conn({ id: 'ws-0', tokens: tokens('a', 'b') }), conn({ id: 'ws-1', tokens: tokens('c'), lastMessageMs: 0 })],
      tokenQuietAfterMs: 5_000,
    });
    expect(health.quietTokens).toEqual(['a']);
    expect(health.degradedTokens).toEqual(tokens('c'));
  });
});

describe('planRediscovery', () => {
  const market = (marketId: string) => ({ info: { marketId } }) as unknown as GammaMarket;

  it('lists chosen markets not tracked yet and asks about tracked ones gone from the open list', () => {
    const plan = planRediscovery(['m1', 'm2', 'm3'], { chosen: [market('m1'), market('m4')], openMarketIds: new Set(['m1', 'm3', 'm4', 'm5']) });
    expect(plan.listed.map((m) => m.info.marketId)).toEqual(['m4']);
    // m3 no longer passes the filters but is still open: it stays
    expect(plan.departed).toEqual(['m2']);
  });
});
