import { describe, expect, it } from 'vitest';
import { limitFromAmounts, priceOnGrid } from './order-amounts.js';
import { statusesBetween, tradeStatusAt } from './trade-lifecycle.js';

describe('limitFromAmounts', () => {
  it('reads a BUY as collateral per share and a SELL as shares for collateral', () => {
    // BUY 10 shares at 0.45: maker gives 4.5 USDC, takes 10 shares
    expect(limitFromAmounts('BUY', 4_500_000n, 10_000_000n)).toEqual({ priceMicros: 450_000n, sizeMicros: 10_000_000n });
    expect(limitFromAmounts('SELL', 10_000_000n, 4_500_000n)).toEqual({ priceMicros: 450_000n, sizeMicros: 10_000_000n });
  });

  it('rounds an inexact ratio against the signer: a BUY limit down, a SELL limit up', () => {
    expect(limitFromAmounts('BUY', 1_000_000n, 3_000_000n)?.priceMicros).toBe(333_333n);
    expect(limitFromAmounts('SELL', 3_000_000n, 1_000_000n)?.priceMicros).toBe(333_334n);
    expect(limitFromAmounts('BUY', 0n, 1n)).toBeNull();
  });

  it('checks the tick grid and the [tick, 1 − tick] range', () => {
    expect(priceOnGrid(450_000n, 10_000n)).toBe(true);
    expect(priceOnGrid(455_000n, 10_000n)).toBe(false);
    expect(priceOnGrid(990_000n, 10_000n)).toBe(true);
    expect(priceOnGrid(1_000_000n, 10_000n)).toBe(false);
  });
});

describe('trade lifecycle', () => {
  const timing = { minedAfterMs: 100, confirmedAfterMs: 300 };
  it('steps MATCHED → MINED → CONFIRMED on time and lists the steps crossed', () => {
    expect(tradeStatusAt(0, 99, timing)).toBe('MATCHED');
    expect(tradeStatusAt(0, 100, timing)).toBe('MINED');
    expect(tradeStatusAt(0, 300, timing)).toBe('CONFIRMED');
    expect(statusesBetween(0, 50, 400, timing)).toEqual(['MINED', 'CONFIRMED']);
    expect(statusesBetween(0, 150, 200, timing)).toEqual([]);
  });
});
