import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deterministicId, MarketInfo, notionalMicros, type FillApplied, type MarketEvent, type OrderOutcome } from '@floor/domain';
import type { IntentDraft, Strategy, StrategyContext } from '@floor/strategies';
import { createKernel, KernelCheckpoint, type DroppedDraft, type LedgerPortfolio } from './kernel.js';

const AGENT = 'a1';
const MARKET = MarketInfo.parse({
  marketId: 'm1',
  question: 'Will it rain?',
  endDateMs: 10_000_000,
  minOrderSizeMicros: '1000000',
  fee: { rateMicros: '20000', exponent: 1, takerOnly: true },
  tokens: [
    { tokenId: 'yes', outcome: 'Yes' },
    { tokenId: 'no', outcome: 'No' },
  ],
});

const usd = (n: number) => BigInt(n) * 1_000_000n;
const portfolio = (over: Partial<LedgerPortfolio> = {}): LedgerPortfolio => ({
  cashMicros: usd(1_000),
  allocatedMicros: usd(1_000),
  positions: [],
  lastFillSeq: 0n,
  ...over,
});

let seq = 0;
function book(tokenId: string, bid: number, ask: number, extra: { stale?: boolean; ts?: number; id?: string } = {}): MarketEvent {
  seq += 1;
  return {
    type: 'book',
    v: 1,
    eventId: extra.id ?? `evt_${seq}`,
    marketId: 'm1',
    tokenId,
    tsEventMs: extra.ts ?? 1_000 + seq,
    tsPublishedMs: extra.ts ?? 1_000 + seq,
    source: 'replay',
    bids: [{ priceMicros: BigInt(bid), sizeMicros: usd(1_000) }],
    asks: [{ priceMicros: BigInt(ask), sizeMicros: usd(1_000) }],
    stale: extra.stale ?? false,
  };
}

function fill(over: Partial<FillApplied> & Pick<FillApplied, 'fillSeq'>): FillApplied {
  const side = over.side ?? 'BUY';
  const price = over.priceMicros ?? 500_000n;
  const size = over.sizeMicros ?? usd(10);
  const notional = notionalMicros(price, size, side === 'BUY' ? 'ceil' : 'floor');
  return {
    type: 'fill',
    v: 1,
    fillId: `fil_${over.fillSeq}`,
    kind: 'trade',
    agentId: AGENT,
    intentId: null,
    clientOrderId: null,
    marketId: 'm1',
    tokenId: 'yes',
    side,
    priceMicros: price,
    sizeMicros: size,
    feeMicros: 0n,
    cashDeltaMicros: side === 'BUY' ? -notional : notional,
    realizedPnlMicros: 0n,
    tsMs: 5_000,
    ...over,
  };
}

function outcome(intentId: string, tokenId = 'yes'): OrderOutcome {
  return {
    type: 'order',
    v: 1,
    eventId: `evt_out_${intentId}`,
    agentId: AGENT,
    intentId,
    clientOrderId: `co_${intentId}`,
    tokenId,
    side: 'BUY',
    status: 'filled',
    reason: '',
    filledSizeMicros: usd(10),
    tsMs: 6_000,
  };
}

/** A strategy whose decisions the test scripts; its state counts the events it saw. */
function scripted(decide: (ctx: StrategyContext<object>, event: MarketEvent) => IntentDraft[], name = 'scripted'): Strategy<object, { seen: number }> {
  return {
    name,
    interfaceVersion: 1,
    description: 'test',
    params: z.object({}).strict(),
    init: () => ({ seen: 0 }),
    onMarketEvent: (ctx, state, event) => ({ state: { seen: state.seen + 1 }, intents: decide(ctx, event) }),
  };
}

const buyYes = (sizeMicros = usd(10), limitPriceMicros = 510_000n): IntentDraft => ({
  marketId: 'm1',
  tokenId: 'yes',
  side: 'BUY',
  limitPriceMicros,
  sizeMicros,
  reason: 'test',
});

function kernelWith(strategy: Strategy<object, { seen: number }>, drops: DroppedDraft[] = []) {
  const k = createKernel({ agentId: AGENT, strategy, params: {}, live: false, onDrop: (d) => drops.push(d) });
  k.restore({ portfolio: portfolio() });
  k.addMarket(MARKET);
  return k;
}

describe('kernel', () => {
  it('restores money from the ledger and applies each fill exactly once', () => {
    const k = createKernel({ agentId: AGENT, strategy: scripted(() => []), params: {}, live: false });
    k.restore({
      portfolio: portfolio({ lastFillSeq: 5n, positions: [{ tokenId: 'no', marketId: 'm1', sizeMicros: usd(4), costMicros: usd(2) }] }),
      nowMs: 900,
    });
    expect(k.portfolio().positions).toEqual([{ tokenId: 'no', marketId: 'm1', sizeMicros: usd(4), costMicros: usd(2), openedAtMs: 900 }]);

    const f6 = fill({ fillSeq: 6n });
    expect(k.onAgentEvent(f6).applied).toBe(true);
    expect(k.onAgentEvent(f6).applied).toBe(false);
    expect(k.onAgentEvent(fill({ fillSeq: 4n })).applied).toBe(false);

    const p = k.portfolio();
    expect(p.cashMicros).toBe(usd(1_000) - usd(5));
    expect(p.lastFillSeq).toBe(6n);
    expect(p.positions.find((x) => x.tokenId === 'yes')).toEqual({ tokenId: 'yes', marketId: 'm1', sizeMicros: usd(10), costMicros: usd(5), openedAtMs: 5_000 });

    // selling the whole position closes it and returns the proceeds
    expect(k.onAgentEvent(fill({ fillSeq: 7n, side: 'SELL', priceMicros: 600_000n })).applied).toBe(true);
    expect(k.portfolio().positions.map((x) => x.tokenId)).toEqual(['no']);
    expect(k.portfolio().cashMicros).toBe(usd(1_000) - usd(5) + usd(6));
  });

  it('sends one intent per token until its outcome arrives', () => {
    const drops: DroppedDraft[] = [];
    const k = kernelWith(scripted(() => [buyYes()]), drops);
    const first = k.onMarketEvent(book('yes', 490_000, 510_000));
    expect(first).toHaveLength(1);
    expect(k.onMarketEvent(book('yes', 490_000, 510_000))).toEqual([]);
    expect(drops.map((d) => d.reason)).toEqual(['pending']);

    // an outcome for some other intent does not clear the token
    k.onAgentEvent(outcome('int_other'));
    expect(k.onMarketEvent(book('yes', 490_000, 510_000))).toEqual([]);

    k.onAgentEvent(outcome((first[0] as { intentId: string }).intentId));
    expect(k.onMarketEvent(book('yes', 490_000, 510_000))).toHaveLength(1);
  });

  it("dates a position by the event time of the decision that opened it, not by the fill's wall clock", () => {
    // live, a fill carries the executor's clock, while a replayed dataset's events (and ctx.nowMs) are from another time
    const wallClockMs = 1_900_000_000_000;
    const k = kernelWith(scripted((_ctx, ev) => (ev.type === 'book' && ev.tokenId === 'yes' ? [buyYes()] : [])));
    const [intent] = k.onMarketEvent(book('yes', 490_000, 510_000, { ts: 7_000 }));
    if (!intent) throw new Error('expected an intent');
    k.onMarketEvent(book('no', 480_000, 520_000, { ts: 8_000 }));
    k.onAgentEvent(fill({ fillSeq: 1n, intentId: intent.intentId, tsMs: wallClockMs }));
    expect(k.portfolioView().position('yes')?.openedAtMs).toBe(7_000);

    // a fill no pending intent explains is dated by the latest event time the kernel has seen
    k.onAgentEvent(fill({ fillSeq: 2n, tokenId: 'no', intentId: 'int_unknown', tsMs: wallClockMs }));
    expect(k.portfolioView().position('no')?.openedAtMs).toBe(8_000);
  });

  it('caps a BUY by the cash not already reserved, and never below zero', () => {
    const drops: DroppedDraft[] = [];
    const strategy = scripted((_ctx, ev) => (ev.type === 'book' ? [{ ...buyYes(usd(100), 500_000n), tokenId: ev.tokenId }] : []));
    const k = createKernel({ agentId: AGENT, strategy, params: {}, live: false, onDrop: (d) => drops.push(d) });
    k.restore({ portfolio: portfolio({ cashMicros: usd(10) }) });
    k.addMarket(MARKET);

    const [intent] = k.onMarketEvent(book('yes', 490_000, 500_000));
    if (!intent) throw new Error('expected an intent');
    expect(intent.sizeMicros).toBeLessThan(usd(20));
    expect(intent.sizeMicros).toBeGreaterThan(usd(19));
    expect(intent.sizeMicros % 10_000n).toBe(0n);
    // cost at the limit plus the worst-case fee fits in the cash
    expect(notionalMicros(500_000n, intent.sizeMicros, 'ceil')).toBeLessThanOrEqual(usd(10));

    // the other token: the first BUY has reserved nearly all the cash
    expect(k.onMarketEvent(book('no', 490_000, 500_000))).toEqual([]);
    expect(drops.map((d) => d.reason)).toEqual(['insufficient-cash']);
  });

  it('caps a SELL by the position held and refuses one with nothing held', () => {
    const drops: DroppedDraft[] = [];
    const sell: IntentDraft = { ...buyYes(usd(50), 480_000n), side: 'SELL' };
    const k = createKernel({ agentId: AGENT, strategy: scripted(() => [sell]), params: {}, live: false, onDrop: (d) => drops.push(d) });
    k.restore({ portfolio: portfolio() });
    k.addMarket(MARKET);
    expect(k.onMarketEvent(book('yes', 480_000, 500_000))).toEqual([]);
    expect(drops.map((d) => d.reason)).toEqual(['no-position']);

    k.onAgentEvent(fill({ fillSeq: 1n, sizeMicros: usd(7) }));
    const [intent] = k.onMarketEvent(book('yes', 480_000, 500_000));
    expect(intent?.sizeMicros).toBe(usd(7));
  });

  it('opens nothing on a stale book or a resolved market', () => {
    const drops: DroppedDraft[] = [];
    const k = kernelWith(scripted(() => [buyYes()]), drops);
    expect(k.onMarketEvent(book('yes', 490_000, 510_000, { stale: true }))).toEqual([]);
    k.onMarketEvent({ type: 'resolved', v: 1, eventId: 'evt_res', marketId: 'm1', tsEventMs: 3_000, tsPublishedMs: 3_000, source: 'replay', winningTokenId: 'yes' });
    expect(k.onMarketEvent(book('yes', 490_000, 510_000))).toEqual([]);
    expect(drops.map((d) => d.reason)).toEqual(['stale-book', 'market-resolved', 'market-resolved']);
    expect(k.isResolved('m1')).toBe(true);
  });

  it('faults only the kernel whose strategy throws, and keeps applying its fills', () => {
    const bad = kernelWith(
      scripted(() => {
        throw new Error('boom');
      }, 'bad'),
    );
    const good = kernelWith(scripted(() => [buyYes()]));
    const ev = book('yes', 490_000, 510_000);
    expect(bad.onMarketEvent(ev)).toEqual([]);
    expect(bad.status).toBe('faulted');
    expect(bad.fault?.error.message).toMatch(/bad\.onMarketEvent threw: boom/);
    expect(bad.fault?.causationId).toBe(ev.eventId);
    expect(good.onMarketEvent(ev)).toHaveLength(1);
    expect(good.status).toBe('running');

    expect(bad.onAgentEvent(fill({ fillSeq: 1n })).applied).toBe(true);
    expect(bad.onMarketEvent(book('yes', 490_000, 510_000))).toEqual([]);
  });

  it('faults on a strategy that returns garbage', () => {
    const k = kernelWith({ ...scripted(() => []), onMarketEvent: () => undefined as never });
    k.onMarketEvent(book('yes', 490_000, 510_000));
    expect(k.status).toBe('faulted');
  });

  it('gives a replayed agent the same intent ids, from scratch or from a checkpoint', () => {
    const events = [book('yes', 490_000, 510_000), book('no', 480_000, 520_000), book('yes', 495_000, 505_000)];
    // buys on every book, sells nothing: the second 'yes' book is refused as pending, so ids come from 1 and 2
    const strategy = scripted((_ctx, ev) => (ev.type === 'book' ? [{ ...buyYes(), tokenId: ev.tokenId }, { ...buyYes(), tokenId: ev.tokenId }] : []));

    const run = () => {
      const k = kernelWith(strategy);
      return { k, ids: events.flatMap((e) => k.onMarketEvent(e).map((i) => i.intentId)) };
    };
    const a = run();
    const b = run();
    expect(b.ids).toEqual(a.ids);
    expect(a.ids[0]).toBe(deterministicId('intent', AGENT, events[0]?.eventId ?? '', 0));

    // checkpoint after the first event, through JSON as Postgres stores it, then replay the rest
    const first = kernelWith(strategy);
    const firstIds = first.onMarketEvent(events[0] as MarketEvent).map((i) => i.intentId);
    const checkpoint = KernelCheckpoint.parse(JSON.parse(JSON.stringify(first.snapshot())));
    const resumed = createKernel({ agentId: AGENT, strategy, params: {}, live: false });
    resumed.restore({ checkpoint, portfolio: portfolio() });
    resumed.addMarket(MARKET);
    expect(resumed.snapshot()).toEqual(first.snapshot());
    const restIds = events.slice(1).flatMap((e) => resumed.onMarketEvent(e).map((i) => i.intentId));
    expect([...firstIds, ...restIds]).toEqual(a.ids);
  });

  it('shows the strategy each fill once across a restart, while the ledger decides the money', () => {
    const seen: bigint[] = [];
    const strategy: Strategy<object, { seen: number }> = {
      ...scripted(() => []),
      onOrderEvent: (_ctx, state, ev) => {
        if (ev.type === 'fill') seen.push(ev.fillSeq);
        return { state, intents: [] };
      },
    };
    const k = kernelWith(strategy);
    k.onAgentEvent(fill({ fillSeq: 1n }));
    const checkpoint = KernelCheckpoint.parse(JSON.parse(JSON.stringify(k.snapshot())));

    // crash after fill 2 was committed but before it reached a checkpoint: the ledger already has it
    const ledgerAfter2 = portfolio({
      cashMicros: usd(1_000) - usd(10),
      lastFillSeq: 2n,
      positions: [{ tokenId: 'yes', marketId: 'm1', sizeMicros: usd(20), costMicros: usd(10) }],
    });
    const resumed = createKernel({ agentId: AGENT, strategy, params: {}, live: false });
    resumed.restore({ checkpoint, portfolio: ledgerAfter2 });
    expect(resumed.onAgentEvent(fill({ fillSeq: 1n })).applied).toBe(false);
    expect(resumed.onAgentEvent(fill({ fillSeq: 2n })).applied).toBe(false);
    expect(resumed.onAgentEvent(fill({ fillSeq: 3n })).applied).toBe(true);
    expect(seen).toEqual([1n, 2n, 3n]);
    expect(resumed.portfolio().cashMicros).toBe(usd(1_000) - usd(15));
  });

  it('forgets an intent whose outcome never came, measured in event time', () => {
    const k = createKernel({ agentId: AGENT, strategy: scripted(() => [buyYes()]), params: {}, live: false, pendingTimeoutMs: 1_000 });
    k.restore({ portfolio: portfolio() });
    k.addMarket(MARKET);
    expect(k.onMarketEvent(book('yes', 490_000, 510_000, { ts: 10_000 }))).toHaveLength(1);
    expect(k.onMarketEvent(book('yes', 490_000, 510_000, { ts: 11_000 }))).toEqual([]);
    expect(k.onMarketEvent(book('yes', 490_000, 510_000, { ts: 11_001 }))).toHaveLength(1);
  });

  it('starts the strategy afresh from a checkpoint another strategy wrote, keeping the floor facts', () => {
    const other = kernelWith(scripted(() => [buyYes()], 'other'));
    other.onMarketEvent(book('yes', 490_000, 510_000));
    const checkpoint = KernelCheckpoint.parse(JSON.parse(JSON.stringify(other.snapshot())));
    const k = createKernel({ agentId: AGENT, strategy: scripted(() => []), params: {}, live: false });
    k.restore({ checkpoint, portfolio: portfolio() });
    expect(k.snapshot().state).toEqual({ seen: 0 });
    expect(k.portfolio().pendingTokenIds).toEqual(['yes']);
  });

  it('stamps intents with the event time in a backtest and the clock when live', () => {
    const ev = book('yes', 490_000, 510_000, { ts: 7_000 });
    const backtest = kernelWith(scripted(() => [buyYes()]));
    expect(backtest.onMarketEvent(ev)[0]).toMatchObject({ tsEventMs: 7_000, tsCreatedMs: 7_000, tsCausePublishedMs: 7_000, causationId: ev.eventId, live: false });

    const drops: DroppedDraft[] = [];
    const live = createKernel({ agentId: AGENT, strategy: scripted(() => [buyYes()]), params: {}, live: true, clock: () => 9_000, maxCauseAgeMs: 1_000, onDrop: (d) => drops.push(d) });
    live.restore({ portfolio: portfolio() });
    live.addMarket(MARKET);
    expect(live.onMarketEvent(ev)).toEqual([]);
    expect(drops.map((d) => d.reason)).toEqual(['cause-too-old']);
    expect(live.onMarketEvent(ev, 8_500)[0]).toMatchObject({ tsCreatedMs: 9_000, tsCausePublishedMs: 8_500, live: true });
  });
});
