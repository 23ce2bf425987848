import { describe, expect, it } from 'vitest';
import { complementQuotes, syntheticBook, syntheticQuotes } from './synthetic-book.js';

const CENT = 10_000n;
const MILLI = 1_000n;

describe('synthetic one-level books', () => {
  it('brackets an off-grid price with the one-tick band that contains it', () => {
    expect(syntheticQuotes(181_500n, MILLI)).toEqual({ bidMicros: 181_000n, askMicros: 182_000n });
    expect(syntheticQuotes(461_200n, CENT)).toEqual({ bidMicros: 460_000n, askMicros: 470_000n });
  });

  it('puts an on-grid price at the band edge towards 0.5', () => {
    expect(syntheticQuotes(300_000n, CENT)).toEqual({ bidMicros: 300_000n, askMicros: 310_000n });
    expect(syntheticQuotes(700_000n, CENT)).toEqual({ bidMicros: 690_000n, askMicros: 700_000n });
    expect(syntheticQuotes(500_000n, CENT)).toEqual({ bidMicros: 490_000n, askMicros: 500_000n });
  });

  it('leaves a side empty when its price would leave [tick, 1 − tick]', () => {
    expect(syntheticQuotes(0n, CENT)).toEqual({ bidMicros: null, askMicros: 10_000n });
    expect(syntheticQuotes(3_000n, CENT)).toEqual({ bidMicros: null, askMicros: 10_000n });
    expect(syntheticQuotes(1_000_000n, CENT)).toEqual({ bidMicros: 990_000n, askMicros: null });
    expect(syntheticQuotes(999_000n, MILLI)).toEqual({ bidMicros: 998_000n, askMicros: 999_000n });
  });

  it('refuses prices outside [0, 1]', () => {
    expect(() => syntheticQuotes(1_200_000n, CENT)).toThrow(RangeError);
    expect(() => syntheticQuotes(-1n, CENT)).toThrow(RangeError);
  });

  it('mirrors the complement: its bid is 1 − the ask, its ask 1 − the bid', () => {
    expect(complementQuotes({ bidMicros: 460_000n, askMicros: 470_000n })).toEqual({ bidMicros: 530_000n, askMicros: 540_000n });
    expect(complementQuotes({ bidMicros: null, askMicros: 10_000n })).toEqual({ bidMicros: 990_000n, askMicros: null });
  });

  it('builds a book event whose id depends only on its content', () => {
    const input = { marketId: '0xabc', tokenId: '1', quotes: { bidMicros: 460_000n, askMicros: 470_000n }, sizeMicros: 5_000_000n, tsMs: 1_000, source: 'rest' as const };
    const book = syntheticBook(input);
    expect(book).toMatchObject({
      type: 'book',
      tsEventMs: 1_000,
      bids: [{ priceMicros: 460_000n, sizeMicros: 5_000_000n }],
      asks: [{ priceMicros: 470_000n, sizeMicros: 5_000_000n }],
    });
    expect(syntheticBook(input).eventId).toBe(book.eventId);
    expect(syntheticBook({ ...input, tsMs: 2_000 }).eventId).not.toBe(book.eventId);
  });
});
