import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NO_FEES, notionalMicros, takerFeeMicros, type Book, type BookLevel, type FeeSchedule } from '@floor/domain';
import { matchAgainstBook, matchCashDeltaMicros } from './match.js';

const FEE_4PCT: FeeSchedule = { rateMicros: 40_000n, exponent: 1, takerOnly: true };
const lvl = (price: string, size: string): BookLevel => ({ priceMicros: BigInt(price), sizeMicros: BigInt(size) });

const book: Book = {
  tokenId: 'yes',
  bids: [lvl('480000', '10000000'), lvl('470000', '20000000'), lvl('450000', '50000000')],
  asks: [lvl('500000', '10000000'), lvl('520000', '20000000'), lvl('550000', '50000000')],
};

describe('matchAgainstBook', () => {
  it('walks asks up to the limit, filling across levels with a fee per level', () => {
    const r = matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 520_000n, sizeMicros: 25_000_000n, orderType: 'FAK', fee: FEE_4PCT });
    expect(r.status).toBe('filled');
    expect(r.filledSizeMicros).toBe(25_000_000n);
    expect(r.fills).toEqual([
      // 10 × 0.04 × 0.5 × 0.5 = 0.1
      { priceMicros: 500_000n, sizeMicros: 10_000_000n, feeMicros: 100_000n },
      // 15 × 0.04 × 0.52 × 0.48 = 0.14976
      { priceMicros: 520_000n, sizeMicros: 15_000_000n, feeMicros: 149_760n },
    ]);
  });

  it('stops at the limit and reports a partial fill (FAK and paper GTC cancel the rest)', () => {
    for (const orderType of ['FAK', 'GTC'] as const) {
      const r = matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 519_999n, sizeMicros: 25_000_000n, orderType, fee: NO_FEES });
      expect(r.status).toBe('partially_filled');
      expect(r.fills).toEqual([{ priceMicros: 500_000n, sizeMicros: 10_000_000n, feeMicros: 0n }]);
    }
  });

  it('walks bids down to the limit for a SELL', () => {
    const r = matchAgainstBook({ book, side: 'SELL', limitPriceMicros: 470_000n, sizeMicros: 100_000_000n, orderType: 'FAK', fee: NO_FEES });
    expect(r.status).toBe('partially_filled');
    expect(r.filledSizeMicros).toBe(30_000_000n);
    expect(r.fills.map((f) => f.priceMicros)).toEqual([480_000n, 470_000n]);
  });

  it('does not fill when nothing crosses', () => {
    const buy = matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 499_999n, sizeMicros: 1n, orderType: 'FAK', fee: FEE_4PCT });
    const sell = matchAgainstBook({ book, side: 'SELL', limitPriceMicros: 480_001n, sizeMicros: 1n, orderType: 'FAK', fee: FEE_4PCT });
    expect(buy).toEqual({ fills: [], filledSizeMicros: 0n, status: 'unfilled' });
    expect(sell).toEqual({ fills: [], filledSizeMicros: 0n, status: 'unfilled' });
  });

  it('FOK fills everything or nothing, at exactly the available size', () => {
    const exact = matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 520_000n, sizeMicros: 30_000_000n, orderType: 'FOK', fee: NO_FEES });
    expect(exact.status).toBe('filled');
    const over = matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 520_000n, sizeMicros: 30_000_001n, orderType: 'FOK', fee: NO_FEES });
    expect(over).toEqual({ fills: [], filledSizeMicros: 0n, status: 'unfilled' });
  });

  it('matches nothing on an empty book or a non-positive size', () => {
    const empty: Book = { tokenId: 'yes', bids: [], asks: [] };
    expect(matchAgainstBook({ book: empty, side: 'BUY', limitPriceMicros: 990_000n, sizeMicros: 5n, orderType: 'FAK', fee: NO_FEES }).status).toBe('unfilled');
    expect(matchAgainstBook({ book, side: 'BUY', limitPriceMicros: 990_000n, sizeMicros: 0n, orderType: 'FAK', fee: NO_FEES }).fills).toEqual([]);
  });

  it('skips empty levels instead of emitting zero-size fills', () => {
    const holey: Book = { tokenId: 'yes', bids: [], asks: [lvl('500000', '0'), lvl('510000', '3')] };
    const r = matchAgainstBook({ book: holey, side: 'BUY', limitPriceMicros: 600_000n, sizeMicros: 5n, orderType: 'FAK', fee: NO_FEES });
    expect(r.fills).toEqual([{ priceMicros: 510_000n, sizeMicros: 3n, feeMicros: 0n }]);
  });
});

describe('matchCashDeltaMicros', () => {
  it('charges a BUY the rounded-up notional plus fees and pays a SELL the rounded-down notional minus fees', () => {
    const fills = [{ priceMicros: 333_333n, sizeMicros: 3n, feeMicros: 10n }];
    // 333_333 × 3 / 10^6 = 0.999999 micros → 1 up, 0 down
    expect(matchCashDeltaMicros('BUY', fills)).toBe(-11n);
    expect(matchCashDeltaMicros('SELL', fills)).toBe(-10n);
  });
});

describe('matchAgainstBook properties', () => {
  const price = fc.bigInt({ min: 1n, max: 999_999n });
  const levels = fc.array(fc.record({ priceMicros: price, sizeMicros: fc.bigInt({ min: 0n, max: 1_000_000_000n }) }), { maxLength: 8 });
  const fee = fc.record({ rateMicros: fc.bigInt({ min: 0n, max: 200_000n }), exponent: fc.integer({ min: 1, max: 2 }), takerOnly: fc.constant(true) });
  const request = fc.record({
    bids: levels.map((ls) => [...ls].sort((a, b) => (a.priceMicros > b.priceMicros ? -1 : a.priceMicros < b.priceMicros ? 1 : 0))),
    asks: levels.map((ls) => [...ls].sort((a, b) => (a.priceMicros < b.priceMicros ? -1 : a.priceMicros > b.priceMicros ? 1 : 0))),
    side: fc.constantFrom('BUY' as const, 'SELL' as const),
    limitPriceMicros: price,
    sizeMicros: fc.bigInt({ min: 1n, max: 3_000_000_000n }),
    orderType: fc.constantFrom('FAK' as const, 'FOK' as const, 'GTC' as const),
    fee,
  });

  it('never fills beyond the size or through the limit; fills sum to filledSize; fees are the taker fee', () => {
    fc.assert(
      fc.property(request, (r) => {
        const result = matchAgainstBook({ ...r, book: { tokenId: 't', bids: r.bids, asks: r.asks } });
        const sum = result.fills.reduce((s, f) => s + f.sizeMicros, 0n);
        expect(sum).toBe(result.filledSizeMicros);
        expect(result.filledSizeMicros <= r.sizeMicros).toBe(true);
        for (const f of result.fills) {
          expect(f.sizeMicros > 0n).toBe(true);
          expect(r.side === 'BUY' ? f.priceMicros <= r.limitPriceMicros : f.priceMicros >= r.limitPriceMicros).toBe(true);
          expect(f.feeMicros).toBe(takerFeeMicros(r.fee, f.priceMicros, f.sizeMicros));
        }
        if (r.orderType === 'FOK') expect(result.filledSizeMicros === 0n || result.filledSizeMicros === r.sizeMicros).toBe(true);
        const expected = result.filledSizeMicros === 0n ? 'unfilled' : result.filledSizeMicros === r.sizeMicros ? 'filled' : 'partially_filled';
        expect(result.status).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('takes the best prices first: no crossing liquidity is left behind while size remains', () => {
    fc.assert(
      fc.property(request, (r) => {
        if (r.orderType === 'FOK') return;
        const result = matchAgainstBook({ ...r, book: { tokenId: 't', bids: r.bids, asks: r.asks } });
        const opposite = r.side === 'BUY' ? r.asks : r.bids;
        const crossing = opposite.filter((l) => (r.side === 'BUY' ? l.priceMicros <= r.limitPriceMicros : l.priceMicros >= r.limitPriceMicros));
        const available = crossing.reduce((s, l) => s + l.sizeMicros, 0n);
        expect(result.filledSizeMicros).toBe(available < r.sizeMicros ? available : r.sizeMicros);
        // a BUY pays exactly Σ ⌈notional⌉ + Σ fee, what the ledger will post
        if (r.side === 'BUY') {
          const notional = result.fills.reduce((s, f) => s + notionalMicros(f.priceMicros, f.sizeMicros, 'ceil'), 0n);
          expect(-matchCashDeltaMicros('BUY', result.fills)).toBe(notional + result.fills.reduce((s, f) => s + f.feeMicros, 0n));
        }
      }),
      { numRuns: 300 },
    );
  });
});
