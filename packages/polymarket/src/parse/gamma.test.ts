import { describe, expect, it } from 'vitest';
import { MarketInfo } from '@floor/domain';
import { fixtureJson, fixtureText } from '../../test/load-fixture.js';
import { countRejections, parseGammaEvent, parseGammaKeysetPage, parseGammaMarket, parseGammaMarkets, type GammaMarket } from './gamma.js';

function accepted(name: string): GammaMarket {
  const result = parseGammaMarket(fixtureJson(name));
  if (!result.ok) throw new Error(`${name} rejected: ${result.reason} ${result.detail}`);
  return result.market;
}

describe('parseGammaMarket: a live neg-risk market with a fee schedule', () => {
  const market = accepted('gamma_market_live.json');
  const raw = fixtureJson('gamma_market_live.json') as { clobTokenIds: string; conditionId: string };
  const [yesToken, noToken] = JSON.parse(raw.clobTokenIds) as [string, string];

  it('maps identity, tokens (YES first) and dates into MarketInfo', () => {
    expect(market.info.marketId).toBe(raw.conditionId);
    expect(market.gammaId).toBe('604417');
    expect(market.info.eventId).toBe('30831');
    expect(market.eventTitle).toBe('Democratic Presidential Nominee 2028');
    expect(market.info.tokens).toEqual([
      { tokenId: yesToken, outcome: 'Yes' },
      { tokenId: noToken, outcome: 'No' },
    ]);
    expect(market.info.endDateMs).toBe(Date.UTC(2028, 10, 7));
    expect(market.info.category).toBe('elections');
  });

  it('reads ticks, minimum size, neg-risk and fees as exact micros', () => {
    expect(market.info.tickSizeMicros).toBe(1_000n);
    expect(market.info.minOrderSizeMicros).toBe(5_000_000n);
    expect(market.info.negRisk).toBe(true);
    expect(market.info.fee).toEqual({ rateMicros: 40_000n, exponent: 1, takerOnly: true });
    expect(market.warnings).toEqual([]);
  });

  it('parses string statistics exactly and numeric ones without float drift', () => {
    expect(market.volumeMicros).toBe(8_412_067_518_830n); // "8412067.518830217" rounded half-up at 6 places
    expect(market.liquidityMicros).toBe(187_342_910_274n);
    expect(market.volume24hMicros).toBe(41_233_807_619n);
    expect(market.bestBidMicros).toBe(70_000n);
    expect(market.bestAskMicros).toBe(72_000n);
    expect(market.spreadMicros).toBe(2_000n);
    expect(market.outcomePricesMicros).toEqual([71_500n, 928_500n]);
    expect(market.resolution).toEqual({ state: 'open' });
    expect(market.acceptingOrders).toBe(true);
  });

  it('produces a MarketInfo that the domain schema (and so the wire) accepts', () => {
    expect(MarketInfo.parse(market.info)).toEqual(market.info);
  });
});

describe('parseGammaMarket: resolution state', () => {
  it('a closed market with prices 0/1 is resolved to the second token', () => {
    const market = accepted('gamma_market_resolved.json');
    const [, noToken] = market.info.tokens;
    expect(market.closed).toBe(true);
    expect(market.resolution).toEqual({ state: 'resolved', winningTokenId: noToken?.tokenId, winningOutcome: 'No' });
    expect(market.umaResolutionStatus).toBe('resolved');
    // feesEnabled:false with feeType null is a fee-free market
    expect(market.info.fee).toEqual({ rateMicros: 0n, exponent: 1, takerOnly: true });
    // Gamma omits bestBid on this closed market and has no liquidity field
    expect(market.bestBidMicros).toBeNull();
    expect(market.liquidityMicros).toBeNull();
  });

  it('a closed 0.5/0.5 market is a split, outcome names kept from the wire', () => {
    const market = accepted('gamma_market_split.json');
    expect(market.resolution).toEqual({ state: 'split' });
    expect(market.info.tokens.map((t) => t.outcome)).toEqual(['Vitality', 'MOUZ']);
    expect(market.info.category).toBe('sports');
    expect(market.info.fee.rateMicros).toBe(30_000n);
  });

  it('a closed market whose prices are not 1/0 yet is pending, never a guessed winner', () => {
    expect(accepted('gamma_market_closed_pending.json').resolution).toEqual({ state: 'closed_pending' });
  });
});

describe('parseGammaMarket: fees switched on without a schedule', () => {
  it('charges zero but says so in warnings', () => {
    const market = accepted('gamma_market_fees_without_schedule.json');
    expect(market.info.fee.rateMicros).toBe(0n);
    expect(market.warnings).toEqual(['feesEnabled is true but feeSchedule is missing; fee taken as zero']);
    expect(market.info.category).toBe('crypto');
    expect(market.info.eventId).toBe('271190');
  });
});

describe('parseGammaMarket: rejections carry a reason, never a throw', () => {
  it('rejects a scalar market as not binary', () => {
    const result = parseGammaMarket(fixtureJson('gamma_market_scalar_legacy.json'));
    expect(result).toMatchObject({ ok: false, reason: 'not_binary', gammaId: '57' });
  });

  it('rejects an AMM-era market without an order book', () => {
    const result = parseGammaMarket(fixtureJson('gamma_market_legacy_amm.json'));
    expect(result).toMatchObject({ ok: false, reason: 'no_order_book', gammaId: '19' });
  });

  it('rejects more than two outcomes', () => {
    const raw = { ...(fixtureJson('gamma_market_live.json') as object), outcomes: '["A", "B", "C"]' };
    expect(parseGammaMarket(raw)).toMatchObject({ ok: false, reason: 'not_binary', detail: 'expected 2 outcomes, got 3' });
  });

  it('rejects broken JSON-in-a-string and wrong types as invalid_payload, naming the field', () => {
    const live = fixtureJson('gamma_market_live.json') as object;
    const truncated = parseGammaMarket({ ...live, clobTokenIds: '["1", "2"' });
    expect(truncated).toMatchObject({ ok: false, reason: 'invalid_payload', question: expect.stringContaining('Josh Shapiro') });
    expect(truncated.ok ? '' : truncated.detail).toMatch(/^clobTokenIds: not JSON-encoded/);

    const numericVolume = parseGammaMarket({ ...live, volume: 8412067.5 });
    expect(numericVolume.ok ? '' : numericVolume.detail).toMatch(/^volume:/);

    const stringTick = parseGammaMarket({ ...live, orderPriceMinTickSize: '0.001' });
    expect(stringTick.ok ? '' : stringTick.detail).toMatch(/^orderPriceMinTickSize:/);
  });

  it('rejects a market without an end date', () => {
    const { endDate: _dropped, ...raw } = fixtureJson('gamma_market_live.json') as Record<string, unknown>;
    expect(parseGammaMarket(raw)).toMatchObject({ ok: false, reason: 'no_end_date' });
  });

  it('rejects non-objects', () => {
    for (const raw of [null, 42, 'market', []]) expect(parseGammaMarket(raw)).toMatchObject({ ok: false, reason: 'invalid_payload' });
  });

  it('puts YES first when the wire lists NO first', () => {
    const live = fixtureJson('gamma_market_live.json') as { clobTokenIds: string };
    const [yes, no] = JSON.parse(live.clobTokenIds) as [string, string];
    const result = parseGammaMarket({ ...live, outcomes: '["No", "Yes"]', outcomePrices: '["0.9285", "0.0715"]', clobTokenIds: JSON.stringify([no, yes]) });
    expect(result.ok && result.market.info.tokens).toEqual([
      { tokenId: yes, outcome: 'Yes' },
      { tokenId: no, outcome: 'No' },
    ]);
    expect(result.ok && result.market.outcomePricesMicros).toEqual([71_500n, 928_500n]);
  });
});

describe('batches and events', () => {
  it('reports took N, rejected M with reasons', () => {
    const batch = parseGammaMarkets(
      ['gamma_market_live.json', 'gamma_market_resolved.json', 'gamma_market_scalar_legacy.json', 'gamma_market_legacy_amm.json'].map(fixtureJson),
    );
    expect(batch.accepted).toHaveLength(2);
    expect(countRejections(batch.rejected)).toEqual({ not_binary: 1, no_order_book: 1 });
  });

  it('parses an event: markets inherit its id, title and tags; a broken market is a rejection', () => {
    const result = parseGammaEvent(fixtureJson('gamma_event.json'));
    if (!result.ok) throw new Error(result.detail);
    const event = result.value;
    expect(event.eventId).toBe('30831');
    expect(event.accepted).toHaveLength(1);
    const [market] = event.accepted;
    expect(market?.info.eventId).toBe('30831');
    expect(market?.tags).toEqual(['politics', 'elections', 'primaries']);
    expect(market?.info.category).toBe('elections');
    expect(event.rejected).toEqual([
      expect.objectContaining({ reason: 'invalid_payload', gammaId: '604419', detail: expect.stringMatching(/^clobTokenIds/) }),
    ]);
  });

  it('fails an event that is not an event object', () => {
    expect(parseGammaEvent({ title: 'no id' })).toMatchObject({ ok: false, kind: 'invalid', eventType: 'gamma_event' });
  });

  it('parses a keyset page and its cursor', () => {
    const page = parseGammaKeysetPage({ markets: [fixtureJson('gamma_market_live.json')], next_cursor: 'eyJpZCI6NjA0NDE3fQ==' });
    expect(page.ok && page.value.accepted.length).toBe(1);
    expect(page.ok && page.value.nextCursor).toBe('eyJpZCI6NjA0NDE3fQ==');
  });

  it('the fixture text really carries the JSON-in-JSON encoding', () => {
    expect(fixtureText('gamma_market_live.json')).toContain('"outcomes": "[\\"Yes\\", \\"No\\"]"');
  });
});
