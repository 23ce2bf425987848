import { describe, expect, it } from 'vitest';
import type { OrderIntent } from '@floor/domain';
import { checkIntent, type RiskLimits, type RiskView } from './check-intent.js';

const intent = (over: Partial<OrderIntent> = {}): OrderIntent => ({
  type: 'intent',
  v: 1,
  intentId: 'int_abc',
  agentId: 'momo',
  marketId: 'm1',
  tokenId: 'yes',
  side: 'BUY',
  orderType: 'FAK',
  limitPriceMicros: 500_000n,
  sizeMicros: 10_000_000n,
  reason: 'test',
  causationId: 'evt_1',
  tsEventMs: 1,
  tsCreatedMs: 1,
  live: false,
  ...over,
});

const view = (over: Partial<RiskView> = {}): RiskView => ({
  nowMs: 10_000,
  killSwitch: { on: false, reason: '' },
  market: { tokenIds: ['yes', 'no'], resolved: false },
  book: { stale: false, publishedMs: 9_000 },
  cashMicros: 100_000_000n,
  positionMicros: 0n,
  cashDeltaMicros: -5_000_000n,
  ...over,
});

const limits: RiskLimits = { maxStakeUsd: 5_000_000n, maxBookAgeMs: 0 };
const codeOf = (i: OrderIntent, v: RiskView, l: RiskLimits = limits) => {
  const d = checkIntent(i, v, l);
  return d.ok ? 'OK' : d.code;
};

describe('checkIntent', () => {
  it('approves an ordinary BUY', () => {
    expect(checkIntent(intent(), view(), limits)).toEqual({ ok: true });
  });

  it('denies everything while a kill switch is on, naming the reason', () => {
    const d = checkIntent(intent({ side: 'SELL' }), view({ killSwitch: { on: true, reason: 'operator halt' }, positionMicros: 10_000_000n }), limits);
    expect(d).toEqual({ ok: false, code: 'KILL_SWITCH', message: 'operator halt' });
  });

  it('accepts limit prices strictly inside (0, 1) only', () => {
    expect(codeOf(intent({ limitPriceMicros: 0n }), view())).toBe('INVALID_ORDER');
    expect(codeOf(intent({ limitPriceMicros: 1n, sizeMicros: 1n }), view())).toBe('OK');
    expect(codeOf(intent({ limitPriceMicros: 999_999n, sizeMicros: 1n }), view())).toBe('OK');
    expect(codeOf(intent({ limitPriceMicros: 1_000_000n, sizeMicros: 1n }), view())).toBe('INVALID_ORDER');
  });

  it('accepts any positive size', () => {
    expect(codeOf(intent({ sizeMicros: 0n }), view())).toBe('INVALID_ORDER');
    expect(codeOf(intent({ sizeMicros: -1n }), view())).toBe('INVALID_ORDER');
    expect(codeOf(intent({ sizeMicros: 1n }), view())).toBe('OK');
  });

  it('denies unknown markets, tokens of other markets and resolved markets', () => {
    expect(codeOf(intent(), view({ market: undefined }))).toBe('UNKNOWN_MARKET');
    expect(codeOf(intent({ tokenId: 'maybe' }), view())).toBe('UNKNOWN_MARKET');
    expect(codeOf(intent(), view({ market: { tokenIds: ['yes', 'no'], resolved: true } }))).toBe('MARKET_RESOLVED');
  });

  it('lets a SELL reduce a position up to exactly the size held', () => {
    const sell = (size: bigint) => intent({ side: 'SELL', sizeMicros: size });
    const v = view({ positionMicros: 10_000_000n, cashDeltaMicros: 4_900_000n });
    expect(codeOf(sell(10_000_000n), v)).toBe('OK');
    expect(codeOf(sell(10_000_001n), v)).toBe('INSUFFICIENT_POSITION');
    expect(codeOf(sell(1n), view({ positionMicros: 0n }))).toBe('INSUFFICIENT_POSITION');
  });

  it('requires a fresh book for a BUY but not for a SELL', () => {
    expect(codeOf(intent(), view({ book: undefined }))).toBe('NO_BOOK');
    expect(codeOf(intent(), view({ book: { stale: true, publishedMs: 9_999 } }))).toBe('STALE_BOOK');
    const sellNoBook = view({ book: undefined, positionMicros: 10_000_000n, cashDeltaMicros: 0n });
    expect(codeOf(intent({ side: 'SELL' }), sellNoBook)).toBe('OK');
    expect(codeOf(intent({ side: 'SELL' }), { ...sellNoBook, book: { stale: true, publishedMs: 0 } })).toBe('OK');
  });

  it('applies the book age limit only when configured, inclusive of the limit', () => {
    const aged = view({ nowMs: 10_000, book: { stale: false, publishedMs: 8_000 } });
    expect(codeOf(intent(), aged, { ...limits, maxBookAgeMs: 0 })).toBe('OK');
    expect(codeOf(intent(), aged, { ...limits, maxBookAgeMs: 2_000 })).toBe('OK');
    expect(codeOf(intent(), aged, { ...limits, maxBookAgeMs: 1_999 })).toBe('STALE_BOOK');
  });

  it('caps the stake of a BUY at limit price × size, inclusive of the limit', () => {
    // 0.5 × 10 = 5.000000 = the limit
    expect(codeOf(intent({ sizeMicros: 10_000_000n }), view())).toBe('OK');
    expect(codeOf(intent({ sizeMicros: 10_000_002n }), view())).toBe('MAX_STAKE_EXCEEDED');
    // 0.5 × 10.000001 = 5.0000005, rounded up: one micro over
    expect(codeOf(intent({ sizeMicros: 10_000_001n }), view())).toBe('MAX_STAKE_EXCEEDED');
  });

  it('does not cap a SELL by stake: exits are always allowed', () => {
    const v = view({ positionMicros: 100_000_000n, cashDeltaMicros: 49_000_000n });
    expect(codeOf(intent({ side: 'SELL', sizeMicros: 100_000_000n }), v)).toBe('OK');
  });

  it('denies an order whose matched cost exceeds the cash, to the micro', () => {
    expect(codeOf(intent(), view({ cashMicros: 5_000_000n, cashDeltaMicros: -5_000_000n }))).toBe('OK');
    expect(codeOf(intent(), view({ cashMicros: 4_999_999n, cashDeltaMicros: -5_000_000n }))).toBe('INSUFFICIENT_CASH');
    // a tiny sell whose fee exceeds its proceeds cannot take cash below zero either
    expect(codeOf(intent({ side: 'SELL', sizeMicros: 1n }), view({ positionMicros: 1n, cashMicros: 0n, cashDeltaMicros: -10n }))).toBe('INSUFFICIENT_CASH');
  });

  it('reports the first failing check', () => {
    const bad = view({ killSwitch: { on: true, reason: 'halt' }, market: undefined, book: undefined, cashMicros: 0n });
    expect(codeOf(intent({ sizeMicros: 0n }), bad)).toBe('KILL_SWITCH');
    expect(codeOf(intent({ sizeMicros: 0n }), { ...bad, killSwitch: { on: false, reason: '' } })).toBe('INVALID_ORDER');
  });
});
