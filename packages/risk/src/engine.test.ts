import { describe, expect, it } from 'vitest';
import type { OrderIntent } from '@floor/domain';
import { CHECK_NAMES, evaluateIntent, type PreTradeDecision, type PreTradeView } from './engine.js';
import type { PreTradeLimits } from './config.js';
import { book, intent, level, limits, market, NOW_MS, position, USD, view } from './test-support.js';

const decide = (i: Partial<OrderIntent> = {}, v: Partial<PreTradeView> = {}, l: PreTradeLimits = limits()): PreTradeDecision =>
  evaluateIntent(intent(i), view(v), l);
const codeOf = (i: Partial<OrderIntent> = {}, v: Partial<PreTradeView> = {}, l: PreTradeLimits = limits()): string => {
  const d = decide(i, v, l);
  return d.ok ? 'OK' : d.code;
};
/** A SELL of everything held, in a world where every entry limit is broken. */
const hostile: Partial<PreTradeView> = {
  positionMicros: 100n * USD,
  book: undefined,
  floor: { bankrollMicros: 1n, equityMicros: 0n, dayStartEquityMicros: 10_000n * USD },
  recentOrders: Array.from({ length: 100 }, () => ({ agentId: 'momo', marketId: 'm1', tsMs: NOW_MS })),
  tradingState: { floor: { state: 'reducing', reason: 'breaker' }, agent: { state: 'reducing', reason: 'streak' } },
  sizeMultiplier: 0,
};

describe('evaluateIntent: the baseline', () => {
  it('approves an ordinary entry at its full size', () => {
    expect(decide()).toEqual({ ok: true, sizeMicros: 100n * USD, exit: false, reductions: [] });
  });

  it('names every check once, in order', () => {
    expect(new Set(CHECK_NAMES).size).toBe(CHECK_NAMES.length);
  });
});

describe('kill switches and trading state', () => {
  it.each(['global', 'agent', 'market'] as const)('a %s kill switch denies everything, exits included', (scope) => {
    const killSwitch = { global: null, agent: null, market: null, [scope]: 'operator' };
    expect(decide({}, { killSwitch })).toMatchObject({ ok: false, check: 'killSwitch', code: 'KILL_SWITCH', message: 'operator', details: { scope } });
    expect(codeOf({ side: 'SELL' }, { killSwitch, positionMicros: 100n * USD })).toBe('KILL_SWITCH');
  });

  it('a hard halt of the floor or the agent denies exits too', () => {
    const halted = { state: 'halted', reason: 'ops' } as const;
    const active = { state: 'active', reason: '' } as const;
    expect(codeOf({ side: 'SELL' }, { positionMicros: 100n * USD, tradingState: { floor: halted, agent: active } })).toBe('TRADING_HALTED');
    expect(codeOf({ side: 'SELL' }, { positionMicros: 100n * USD, tradingState: { floor: active, agent: halted } })).toBe('TRADING_HALTED');
  });

  it('reducing-only denies entries and allows exits', () => {
    const reducing = { state: 'reducing', reason: 'loss streak' } as const;
    const active = { state: 'active', reason: '' } as const;
    const d = decide({}, { tradingState: { floor: active, agent: reducing } });
    expect(d).toMatchObject({ ok: false, code: 'TRADING_REDUCING', details: { scope: 'agent', reason: 'loss streak' } });
    expect(decide({ side: 'SELL' }, { positionMicros: 100n * USD, tradingState: { floor: reducing, agent: reducing } })).toMatchObject({ ok: true, exit: true });
  });
});

describe('exits', () => {
  it('a SELL of up to the position passes even when every entry limit is broken', () => {
    expect(decide({ side: 'SELL', sizeMicros: 100n * USD, limitPriceMicros: 10_000n }, hostile)).toEqual({
      ok: true,
      sizeMicros: 100n * USD,
      exit: true,
      reductions: [],
    });
  });

  it('a SELL of one micro more than held is denied: no shorting', () => {
    expect(decide({ side: 'SELL', sizeMicros: 100n * USD + 1n }, hostile)).toMatchObject({ ok: false, check: 'noShorting', code: 'INSUFFICIENT_POSITION' });
  });
});

describe('order shape and market', () => {
  it('denies a price outside (0, 1) and a non-positive size', () => {
    expect(codeOf({ limitPriceMicros: 0n })).toBe('INVALID_ORDER');
    expect(codeOf({ limitPriceMicros: 1_000_000n })).toBe('INVALID_ORDER');
    expect(codeOf({ sizeMicros: 0n })).toBe('INVALID_ORDER');
  });

  it('denies unknown markets and tokens and resolved markets', () => {
    expect(codeOf({}, { market: undefined })).toBe('UNKNOWN_MARKET');
    expect(codeOf({ tokenId: 'maybe' })).toBe('UNKNOWN_MARKET');
    expect(codeOf({}, { market: { info: market(), resolved: true } })).toBe('MARKET_RESOLVED');
  });
});

describe('daily loss limit (10 % of day-start equity: reaching it pauses entries)', () => {
  const floor = (equityMicros: bigint) => ({ bankrollMicros: 10_000n * USD, equityMicros, dayStartEquityMicros: 10_000n * USD });
  it('allows a loss one micro short of the limit and pauses at it', () => {
    expect(codeOf({}, { floor: floor(9_000n * USD + 1n) })).toBe('OK');
    expect(decide({}, { floor: floor(9_000n * USD) })).toMatchObject({ code: 'DAILY_LOSS_LIMIT', details: { lossMicros: 1_000n * USD, limitMicros: 1_000n * USD } });
  });
});

describe('stale data', () => {
  it('denies without a book or on a book the feed marks stale', () => {
    expect(codeOf({}, { book: undefined })).toBe('NO_BOOK');
    expect(codeOf({}, { book: book({ stale: true }) })).toBe('STALE_BOOK');
  });

  it('applies the age limit only when set, inclusive of it', () => {
    const aged = { book: book({ publishedMs: NOW_MS - 5_000 }) };
    expect(codeOf({}, aged, limits({ maxDataAgeMs: 0 }))).toBe('OK');
    expect(codeOf({}, aged, limits({ maxDataAgeMs: 5_000 }))).toBe('OK');
    expect(codeOf({}, aged, limits({ maxDataAgeMs: 4_999 }))).toBe('STALE_BOOK');
  });
});

describe('price band 0.02..0.98', () => {
  /** a tight book around the price so only the band can object */
  const at = (p: bigint) => codeOf({ limitPriceMicros: p, sizeMicros: 10n * USD }, { book: book({ bids: [level(p - 1n, 1_000n * USD)], asks: [level(p, 100_000n * USD)] }) });
  it('accepts exactly the bounds and denies a micro outside them', () => {
    expect(at(20_000n)).toBe('OK');
    expect(at(19_999n)).toBe('PRICE_OUT_OF_BAND');
    expect(at(980_000n)).toBe('OK');
    expect(at(980_001n)).toBe('PRICE_OUT_OF_BAND');
  });
});

describe('spread (default 500 bps = 5 cents)', () => {
  const withBid = (bid: bigint) => ({ book: book({ bids: [level(bid, 1_000n * USD)] }) });
  it('accepts exactly the maximum and denies a micro more', () => {
    expect(codeOf({}, withBid(450_000n))).toBe('OK');
    expect(decide({}, withBid(449_999n))).toMatchObject({ code: 'SPREAD_TOO_WIDE', details: { spreadMicros: 50_001n, maxMicros: 50_000n } });
  });

  it('denies on a one-sided book', () => {
    expect(codeOf({}, { book: book({ bids: [] }) })).toBe('SPREAD_TOO_WIDE');
  });
});

describe('minimum liquidity (default $25 on offer at or better than the limit)', () => {
  const asks = (...levels: ReturnType<typeof level>[]) => ({ book: book({ asks: levels }) });
  it('accepts exactly $25 and denies a micro less', () => {
    expect(codeOf({ sizeMicros: 10n * USD }, asks(level(500_000n, 50n * USD)))).toBe('OK');
    expect(codeOf({ sizeMicros: 10n * USD }, asks(level(500_000n, 50n * USD - 2n)))).toBe('INSUFFICIENT_LIQUIDITY');
  });

  it('does not count levels beyond the limit', () => {
    expect(codeOf({ sizeMicros: 10n * USD }, asks(level(500_000n, 10n * USD), level(510_000n, 10_000n * USD)))).toBe('INSUFFICIENT_LIQUIDITY');
  });
});

describe('minimum edge after fees (only when the intent carries an estimate)', () => {
  it('is skipped without an estimate', () => {
    expect(codeOf({}, {})).toBe('OK');
  });

  it('accepts exactly the minimum and denies just below it', () => {
    expect(codeOf({}, { grossEdgeBps: 50 })).toBe('OK');
    expect(codeOf({}, { grossEdgeBps: 49.99 })).toBe('EDGE_TOO_SMALL');
  });

  it('subtracts the taker fee at the limit price', () => {
    // 2 % × 0.5 × 0.5 = $0.005 per share = 50 bps
    const fee = { rateMicros: 20_000n, exponent: 1, takerOnly: true };
    const v = (grossEdgeBps: number) => ({ grossEdgeBps, market: { info: market({ fee }), resolved: false } });
    expect(codeOf({}, v(100))).toBe('OK');
    expect(decide({}, v(99.99))).toMatchObject({ code: 'EDGE_TOO_SMALL', details: { feePerShareMicros: 5_000n, netEdgeMicros: 4_999n } });
  });
});

describe('rate limits (sliding window over the accepted orders)', () => {
  const orders = (n: number, agentId: string, marketId: string, tsMs = NOW_MS - 1_000) => Array.from({ length: n }, () => ({ agentId, marketId, tsMs }));

  it('lets the agent send its 20th order in the window and denies the 21st', () => {
    expect(codeOf({}, { recentOrders: orders(19, 'momo', 'other-market') })).toBe('OK');
    expect(decide({}, { recentOrders: orders(20, 'momo', 'other-market') })).toMatchObject({
      code: 'AGENT_RATE_LIMITED',
      details: { count: 20, max: 20, retryAtMs: NOW_MS - 1_000 + 60_000 },
    });
  });

  it('forgets an order exactly one window old, and other agents do not count', () => {
    expect(codeOf({}, { recentOrders: orders(20, 'momo', 'x', NOW_MS - 60_000) })).toBe('OK');
    expect(codeOf({}, { recentOrders: orders(20, 'momo', 'x', NOW_MS - 59_999) })).toBe('AGENT_RATE_LIMITED');
    expect(codeOf({}, { recentOrders: orders(25, 'someone', 'x') })).toBe('OK');
  });

  it('caps all agents together per market at 30 per window', () => {
    const spread = (n: number) => Array.from({ length: n }, (_, i) => ({ agentId: `a${i}`, marketId: 'm1', tsMs: NOW_MS }));
    expect(codeOf({}, { recentOrders: spread(29) })).toBe('OK');
    expect(codeOf({}, { recentOrders: spread(30) })).toBe('MARKET_RATE_LIMITED');
  });
});

describe('liquidity-aware size cap (25 % of the depth at or better than the limit): reduces, never denies while above the minimum order', () => {
  it('leaves an order of exactly the cap alone', () => {
    // 1000 shares on offer → 250 shares
    expect(decide({ sizeMicros: 250n * USD, limitPriceMicros: 200_000n }, { book: book({ bids: [level(190_000n, USD)], asks: [level(200_000n, 1_000n * USD)] }) })).toMatchObject({
      ok: true,
      sizeMicros: 250n * USD,
      reductions: [],
    });
  });

  it('reduces an order one micro over the cap to the cap', () => {
    const d = decide({ sizeMicros: 250n * USD + 1n, limitPriceMicros: 200_000n }, { book: book({ bids: [level(190_000n, USD)], asks: [level(200_000n, 1_000n * USD)] }) });
    expect(d).toMatchObject({ ok: true, sizeMicros: 250n * USD });
    expect(d.ok && d.reductions).toEqual([
      { check: 'liquidityCap', fromMicros: 250n * USD + 1n, toMicros: 250n * USD, details: { depthSharesMicros: 1_000n * USD, maxDepthShare: 0.25, capMicros: 250n * USD, minOrderSizeMicros: 5n * USD } },
    ]);
  });

  it('rounds the reduced size down to 0.01 shares', () => {
    // 401.03 shares on offer → 100.2575 → 100.25 shares
    expect(decide({ sizeMicros: 150n * USD }, { book: book({ asks: [level(500_000n, 401n * USD + 30_000n)] }) })).toMatchObject({ ok: true, sizeMicros: 100_250_000n });
  });

  it('a share of 1 means no cap: an order larger than the depth keeps its size (it takes what is there)', () => {
    const d = decide({ sizeMicros: 2_000n * USD, limitPriceMicros: 200_000n }, { book: book({ asks: [level(200_000n, 1_000n * USD)] }) }, limits({ maxDepthShare: 1, maxStakeUsd: 1_000n * USD, maxTradeShare: 1, maxDeployedShare: 1 }));
    expect(d.ok && d.reductions).toEqual([]);
  });

  it('denies when the cap is below the market minimum order', () => {
    // 19.99 shares on offer → 4.9975 → 4.99 < 5
    expect(decide({ sizeMicros: 10n * USD }, { book: book({ asks: [level(500_000n, 19_990_000n), level(510_000n, 1_000n * USD)] }) }, limits({ minLiquidityUsd: 0n }))).toMatchObject({
      ok: false,
      code: 'INSUFFICIENT_LIQUIDITY',
      check: 'liquidityCap',
    });
  });
});

describe('stake caps', () => {
  it('max stake per order ($100): exactly the cap passes, a micro more is denied', () => {
    expect(codeOf({ sizeMicros: 200n * USD })).toBe('OK');
    // 0.5 × 200.000001 = 100.0000005, rounded up to one micro over
    expect(decide({ sizeMicros: 200n * USD + 1n })).toMatchObject({ code: 'MAX_STAKE_EXCEEDED', details: { totalMicros: 100n * USD + 1n, capMicros: 100n * USD } });
  });

  it('the size multiplier scales the per-order cap (half size under heat)', () => {
    expect(codeOf({ sizeMicros: 100n * USD }, { sizeMultiplier: 0.5 })).toBe('OK');
    expect(codeOf({ sizeMicros: 100n * USD + 2n }, { sizeMultiplier: 0.5 })).toBe('MAX_STAKE_EXCEEDED');
  });

  it('max share of the bankroll per trade (2 %): exactly the cap passes, a micro more is denied', () => {
    const floor = { bankrollMicros: 2_500n * USD, equityMicros: 2_500n * USD, dayStartEquityMicros: 2_500n * USD };
    expect(codeOf({ sizeMicros: 100n * USD }, { floor })).toBe('OK'); // $50 = 2 % of $2,500
    expect(codeOf({ sizeMicros: 100n * USD + 2n }, { floor })).toBe('TRADE_SHARE_EXCEEDED');
  });
});

describe('deployed capital (cost basis of open positions)', () => {
  it('per agent (10 % = $1,000): deployed + stake may reach the cap, not pass it', () => {
    expect(codeOf({}, { openPositions: [position({ costMicros: 950n * USD })] })).toBe('OK');
    expect(decide({}, { openPositions: [position({ costMicros: 950n * USD + 1n })] })).toMatchObject({ code: 'AGENT_DEPLOYED_LIMIT', details: { deployedMicros: 950n * USD + 1n } });
  });

  it("per floor (40 % = $4,000), counting every agent's positions", () => {
    const others = (extra: bigint) => [position({ agentId: 'a', costMicros: 2_000n * USD }), position({ agentId: 'b', costMicros: 1_950n * USD + extra })];
    expect(codeOf({}, { openPositions: others(0n) })).toBe('OK');
    expect(codeOf({}, { openPositions: others(1n) })).toBe('FLOOR_DEPLOYED_LIMIT');
  });

  it('closed positions (size 0) do not count', () => {
    expect(codeOf({}, { openPositions: [position({ costMicros: 5_000n * USD, sizeMicros: 0n })] })).toBe('OK');
  });
});

describe('open and correlated positions', () => {
  it('max open positions (10) stops a new position, not an addition to a held one', () => {
    const nine = Array.from({ length: 9 }, () => position());
    const ten = [...nine, position()];
    expect(codeOf({}, { openPositions: nine })).toBe('OK');
    expect(codeOf({}, { openPositions: ten })).toBe('MAX_OPEN_POSITIONS');
    const heldHere = [...nine, position({ marketId: 'm1', tokenId: 'yes', category: 'crypto', eventId: 'ev1' })];
    expect(codeOf({}, { openPositions: heldHere })).toBe('OK');
  });

  it('same event or same category (not "other") counts as correlated: the 4th is denied', () => {
    const sameCategory = (n: number) => Array.from({ length: n }, () => position({ category: 'crypto' }));
    expect(codeOf({}, { openPositions: sameCategory(2) })).toBe('OK');
    expect(codeOf({}, { openPositions: sameCategory(3) })).toBe('CORRELATED_POSITIONS_LIMIT');
    const sameEvent = Array.from({ length: 3 }, () => position({ eventId: 'ev1' }));
    expect(codeOf({}, { openPositions: sameEvent })).toBe('CORRELATED_POSITIONS_LIMIT');
    // the other outcome of the same market is the most correlated position there is
    const otherToken = [...sameCategory(2), position({ marketId: 'm1', tokenId: 'no', category: 'crypto', eventId: 'ev1' })];
    expect(codeOf({}, { openPositions: otherToken })).toBe('CORRELATED_POSITIONS_LIMIT');
    expect(codeOf({}, { openPositions: Array.from({ length: 5 }, () => position({ category: 'other' })) })).toBe('OK');
  });

  it("other agents' positions are not the agent's correlation", () => {
    expect(codeOf({}, { openPositions: Array.from({ length: 5 }, () => position({ agentId: 'other', category: 'crypto' })) })).toBe('OK');
  });
});

describe('exposure per category (25 %) and per event (10 %), floor-wide', () => {
  it('category: reaching $2,500 is fine, a micro more is denied', () => {
    const crypto = (cost: bigint) => [position({ agentId: 'a', category: 'crypto', costMicros: cost })];
    expect(codeOf({}, { openPositions: crypto(2_450n * USD) })).toBe('OK');
    expect(decide({}, { openPositions: crypto(2_450n * USD + 1n) })).toMatchObject({ code: 'CATEGORY_EXPOSURE_LIMIT', details: { category: 'crypto' } });
  });

  it('event: reaching $1,000 is fine, a micro more is denied', () => {
    const ev1 = (cost: bigint) => [position({ agentId: 'a', category: 'macro', eventId: 'ev1', costMicros: cost })];
    expect(codeOf({}, { openPositions: ev1(950n * USD) })).toBe('OK');
    expect(decide({}, { openPositions: ev1(950n * USD + 1n) })).toMatchObject({ code: 'EVENT_EXPOSURE_LIMIT', details: { event: 'ev1' } });
  });

  it('a market without an event id is its own event', () => {
    const m = { market: { info: market({ eventId: '' }), resolved: false } };
    const elsewhere = [position({ agentId: 'a', category: 'macro', eventId: '', costMicros: 990n * USD })];
    expect(codeOf({}, { ...m, openPositions: elsewhere })).toBe('OK');
    const here = [position({ agentId: 'a', marketId: 'm1', tokenId: 'no', category: 'crypto', eventId: '', costMicros: 990n * USD })];
    expect(codeOf({}, { ...m, openPositions: here })).toBe('EVENT_EXPOSURE_LIMIT');
  });
});

describe('precedence', () => {
  it('reports the first failing check in CHECK_NAMES order', () => {
    const d = decide({ sizeMicros: 1_000n * USD }, { book: book({ stale: true }), floor: { bankrollMicros: 10_000n * USD, equityMicros: 0n, dayStartEquityMicros: 10_000n * USD } });
    expect(d).toMatchObject({ check: 'dailyLoss' });
  });

  it('checks the caps on the reduced size', () => {
    // 2000 shares wanted, 1000 on offer → 250; $125 at 0.5 still exceeds the $100 cap
    expect(decide({ sizeMicros: 2_000n * USD })).toMatchObject({ ok: false, code: 'MAX_STAKE_EXCEEDED', details: { totalMicros: 125n * USD } });
    // at 0.3, 250 shares is $75: approved at the reduced size
    const cheap = { book: book({ bids: [level(290_000n, USD)], asks: [level(300_000n, 1_000n * USD)] }) };
    expect(decide({ sizeMicros: 2_000n * USD, limitPriceMicros: 300_000n }, cheap)).toMatchObject({ ok: true, sizeMicros: 250n * USD });
  });
});

describe('resting orders', () => {
  it('a GTC is not bound by the depth it would take: it rests what does not cross', () => {
    // nothing on offer at or under the limit: a taker is denied, a maker order rests
    const farAsk = book({ asks: [level(520_000n, 1_000n * USD)] });
    expect(codeOf({ orderType: 'GTC' }, { book: farAsk })).toBe('OK');
    expect(codeOf({ orderType: 'FAK' }, { book: farAsk })).toBe('INSUFFICIENT_LIQUIDITY');
    // more than 25 % of the depth: a FAK is cut to it, a GTC is not
    const wide = limits({ maxStakeUsd: 1_000n * USD });
    expect(decide({ orderType: 'FAK', sizeMicros: 300n * USD }, {}, wide)).toMatchObject({ ok: true, sizeMicros: 250n * USD });
    expect(decide({ orderType: 'GTC', sizeMicros: 300n * USD }, {}, wide)).toMatchObject({ ok: true, sizeMicros: 300n * USD, reductions: [] });
  });
});
