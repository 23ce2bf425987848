import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { divRound, formatMicros, notionalMicros, numberToMicros, parseMicros, parseMicrosRounded } from './units.js';

describe('parseMicros', () => {
  it('parses venue decimal strings exactly', () => {
    expect(parseMicros('0.52')).toBe(520_000n);
    expect(parseMicros('.48')).toBe(480_000n);
    expect(parseMicros('12')).toBe(12_000_000n);
    expect(parseMicros('-3.5')).toBe(-3_500_000n);
    expect(parseMicros('0.000001')).toBe(1n);
  });
  it('rejects what is not a plain decimal, naming the input', () => {
    for (const bad of ['', '.', 'abc', '1e-3', 'NaN', '1.2.3', '0x10']) {
      expect(() => parseMicros(bad)).toThrow(/not a decimal number/);
    }
    expect(() => parseMicros('0.1234567')).toThrow(/more than 6 decimal places/);
  });
  it('rounds extra places half-up only when asked', () => {
    expect(parseMicrosRounded('0.1234565')).toBe(123_457n);
    expect(parseMicrosRounded('0.1234564')).toBe(123_456n);
    expect(numberToMicros(0.1815)).toBe(181_500n);
    expect(numberToMicros(0.1 + 0.2)).toBe(300_000n);
  });
  it('round-trips through formatMicros', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (v) => {
        expect(parseMicros(formatMicros(v))).toBe(v);
      }),
    );
  });
});

describe('divRound and notional', () => {
  it('floors, ceils and rounds half-up for both signs', () => {
    expect(divRound(7n, 2n, 'floor')).toBe(3n);
    expect(divRound(7n, 2n, 'ceil')).toBe(4n);
    expect(divRound(-7n, 2n, 'floor')).toBe(-4n);
    expect(divRound(-7n, 2n, 'ceil')).toBe(-3n);
    expect(divRound(5n, 2n, 'halfUp')).toBe(3n);
    expect(divRound(4n, 3n, 'halfUp')).toBe(1n);
  });
  it('ceil notional never undercharges and floor never overpays', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (p, s) => {
        const exact = p * s;
        expect(notionalMicros(p, s, 'ceil') * 1_000_000n).toBeGreaterThanOrEqual(exact);
        expect(notionalMicros(p, s, 'floor') * 1_000_000n).toBeLessThanOrEqual(exact);
        expect(notionalMicros(p, s, 'ceil') - notionalMicros(p, s, 'floor')).toBeLessThanOrEqual(1n);
      }),
    );
  });
});
