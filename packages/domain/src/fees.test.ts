import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FEE_STEP_MICROS, NO_FEES, takerFeeMicros } from './fees.js';

const politics = { rateMicros: 40_000n, exponent: 1, takerOnly: true };

describe('takerFeeMicros (shares × rate × p(1−p), 5 decimals)', () => {
  it('matches the documented formula at p = 0.5', () => {
    // 100 shares × 0.04 × 0.25 = $1.00
    expect(takerFeeMicros(politics, 500_000n, 100_000_000n)).toBe(1_000_000n);
  });
  it('is symmetric in p and 1 − p and largest at 0.5', () => {
    expect(takerFeeMicros(politics, 200_000n, 50_000_000n)).toBe(takerFeeMicros(politics, 800_000n, 50_000_000n));
    expect(takerFeeMicros(politics, 500_000n, 50_000_000n)).toBeGreaterThan(takerFeeMicros(politics, 200_000n, 50_000_000n));
  });
  it('rounds to 10-micro steps and never to zero when a fee is owed', () => {
    // 1 share at 0.01: 1 × 0.04 × 0.0099 = 0.000396 → 0.00040
    expect(takerFeeMicros(politics, 10_000n, 1_000_000n)).toBe(400n);
    // tiny fill: exact fee far below one step is still charged one step
    expect(takerFeeMicros(politics, 10_000n, 1n)).toBe(FEE_STEP_MICROS);
  });
  it('charges nothing on fee-free markets', () => {
    expect(takerFeeMicros(NO_FEES, 500_000n, 100_000_000n)).toBe(0n);
  });
  it('is always a whole number of steps', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999n }), fc.bigInt({ min: 1n, max: 10n ** 11n }), (p, s) => {
        expect(takerFeeMicros(politics, p, s) % FEE_STEP_MICROS).toBe(0n);
      }),
    );
  });
});
