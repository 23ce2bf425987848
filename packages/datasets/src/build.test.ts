import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MarketEvent, type BookSnapshot } from '@floor/domain';
import { parseGammaMarkets } from '@floor/polymarket';
import { DatasetHeader } from '@floor/sim';
import { buildDataset } from './build.js';
import { formatBuildReport } from './report.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url)), 'utf8'));

const A_YES = '21742633143463906290569050155826241533067272736897614950488156847949938836455';
const A_NO = '48331043336612883890938759509493159234755048973500640148014422747788308965732';
const B_YES = '69236923620077691027083946871148646972011131466059644796654161903044970987404';
const B_NO = '87584955359245246404952128082451897287778571240979823316620093987046202296181';

function build(histories: Array<{ tokenId: string; points: unknown[] }>) {
  const gamma = parseGammaMarkets(fixture('gamma-markets.json') as unknown[]);
  return buildDataset({
    name: 'unit',
    generator: 'unit test',
    createdAtMs: 1_800_000_000_000,
    markets: gamma.accepted,
    rejectedMarkets: gamma.rejected,
    histories: histories.map((h) => ({ source: `${h.tokenId}.json`, ...h })),
  });
}

const historyOf = (file: string) => (fixture(file) as { history: unknown[] }).history;

describe('buildDataset', () => {
  const built = build([
    { tokenId: A_YES, points: historyOf(`prices-history-${A_YES}.json`) },
    { tokenId: B_NO, points: historyOf(`${B_NO}.json`) },
    { tokenId: '99999999999999999999', points: [{ t: 1, p: 0.5 }] },
  ]);
  const events = [...built.events];

  it('takes the binary markets and reports the others with the parser’s reasons', () => {
    expect(DatasetHeader.parse(built.header).markets).toHaveLength(4);
    expect(built.header.generator).toMatch(/SYNTHETIC, derived from \/prices-history/);
    expect(built.report.markets.rejected.map((r) => r.reason).sort()).toEqual(['no_order_book', 'not_binary']);
    expect(built.report.markets.unresolvedClosed).toEqual([{ marketId: `0x${'4d'.repeat(32)}`, why: expect.stringMatching(/50-50/) }]);
    expect(built.report.markets.withoutHistory).toHaveLength(2);
  });

  it('cleans the points: out of range, invalid and repeated times out, the rest sorted', () => {
    expect(built.report.points.rejected).toEqual({ price_out_of_range: 1, invalid_point: 1, duplicate_time: 1 });
    expect(built.report.points.resorted).toEqual([{ source: `${A_YES}.json`, outOfOrder: 1 }]);
    expect(built.report.points.taken).toBe(5 + 6);
    expect(built.report.tokens).toEqual({ taken: 2, rejected: [expect.objectContaining({ tokenId: '99999999999999999999', reason: 'unknown_token' })] });
  });

  it('writes valid events in time order: listed first, two books per point, resolved last', () => {
    for (const e of events) expect(MarketEvent.safeParse(e).success).toBe(true);
    expect(events.map((e) => e.tsEventMs)).toEqual([...events.map((e) => e.tsEventMs)].sort((a, b) => a - b));
    expect(events.filter((e) => e.type === 'book')).toHaveLength(22);
    expect(events.filter((e) => e.type === 'listed')).toHaveLength(4);
    const resolved = events.filter((e) => e.type === 'resolved');
    expect(resolved).toEqual([expect.objectContaining({ marketId: `0x${'2b'.repeat(32)}`, winningTokenId: B_NO })]);
    const bMarket = events.filter((e) => e.marketId === `0x${'2b'.repeat(32)}`);
    expect(bMarket[0]?.type).toBe('listed');
    expect(bMarket[bMarket.length - 1]?.type).toBe('resolved');
  });

  it('derives the complement book at 1 − p (here YES from a NO-token history, tick 0.001)', () => {
    const books = events.filter((e): e is BookSnapshot => e.type === 'book' && e.marketId === `0x${'2b'.repeat(32)}`);
    const first = books.filter((b) => b.tsEventMs === 1_782_000_000_000);
    expect(first.find((b) => b.tokenId === B_NO)).toMatchObject({ bids: [{ priceMicros: 619_000n }], asks: [{ priceMicros: 620_000n }] });
    expect(first.find((b) => b.tokenId === B_YES)).toMatchObject({ bids: [{ priceMicros: 380_000n }], asks: [{ priceMicros: 381_000n }] });
    const last = books.filter((b) => b.tsEventMs === 1_782_018_000_000);
    expect(last.find((b) => b.tokenId === B_NO)).toMatchObject({ bids: [{ priceMicros: 999_000n }], asks: [] });
    expect(last.find((b) => b.tokenId === B_YES)).toMatchObject({ bids: [], asks: [{ priceMicros: 1_000n }] });
  });

  it('uses the YES history when both tokens of a market are given, and says so', () => {
    const both = build([
      { tokenId: A_NO, points: [{ t: 1_785_513_600, p: 0.6 }] },
      { tokenId: A_YES, points: [{ t: 1_785_513_600, p: 0.4 }] },
    ]);
    expect(both.report.tokens.rejected).toEqual([expect.objectContaining({ tokenId: A_NO, reason: 'complement_also_given' })]);
    const yes = [...both.events].find((e): e is BookSnapshot => e.type === 'book' && e.tokenId === A_YES);
    expect(yes?.bids[0]?.priceMicros).toBe(400_000n);
  });

  it('is deterministic: building twice gives the same events', () => {
    expect([...built.events]).toEqual(events);
  });

  it('reports counts and reasons in words', () => {
    const text = formatBuildReport('out.jsonl.gz', built.report);
    expect(text).toContain('4 markets, 2 tokens with price history, 11 price points → 27 events (4 listed, 22 book, 1 resolved)');
    expect(text).toContain('rejected markets: 2 (no_order_book 1, not_binary 1)');
    expect(text).toContain('rejected price points: 3 (duplicate_time 1, invalid_point 1, price_out_of_range 1)');
    expect(text).toContain('unknown_token');
  });
});
