import { describe, expect, it } from 'vitest';
import { MarketEvent } from '@floor/domain';
import { fixtureJson, fixtureText } from '../test/load-fixture.js';
import { marketListedFrom, marketResolvedFrom, marketResolvedFromGamma, tradePrintedFrom } from './domain-events.js';
import { parseGammaMarket, type GammaMarket } from './parse/gamma.js';
import { parseMarketFrame, type WsMarketMessage } from './parse/ws-market.js';

function message(name: string): WsMarketMessage {
  const [result] = parseMarketFrame(fixtureText(name));
  if (!result?.ok) throw new Error(name);
  return result.value;
}
function gamma(name: string): GammaMarket {
  const result = parseGammaMarket(fixtureJson(name));
  if (!result.ok) throw new Error(name);
  return result.market;
}
const stamp = { receivedAtMs: 1_785_600_005_000 };

describe('domain events', () => {
  it('last_trade_price → TradePrinted with a deterministic id, valid on the wire', () => {
    const trade = message('ws_market_last_trade_price.json');
    if (trade.type !== 'last_trade_price') throw new Error('fixture');
    const event = tradePrintedFrom(trade, stamp);
    expect(event).toMatchObject({ type: 'trade', priceMicros: 490_000n, sizeMicros: 60_100_000n, side: 'BUY', tsEventMs: 1_785_600_002_001 });
    expect(tradePrintedFrom(trade, { receivedAtMs: 0 }).eventId).toBe(event.eventId);
    expect(MarketEvent.parse(event)).toEqual(event);
  });

  it('market_resolved → MarketResolved', () => {
    const resolved = message('ws_market_resolved.json');
    if (resolved.type !== 'market_resolved') throw new Error('fixture');
    const event = marketResolvedFrom(resolved, stamp);
    expect(event).toMatchObject({ type: 'resolved', winningTokenId: resolved.winningTokenId });
    expect(MarketEvent.parse(event)).toEqual(event);
  });

  it('a Gamma market resolved 1/0 → MarketResolved; splits and open markets → null', () => {
    const resolved = gamma('gamma_market_resolved.json');
    const event = marketResolvedFromGamma(resolved, { ...stamp, tsEventMs: 1 });
    expect(event?.winningTokenId).toBe(resolved.info.tokens[1]?.tokenId);
    expect(marketResolvedFromGamma(gamma('gamma_market_split.json'), { ...stamp, tsEventMs: 1 })).toBeNull();
    expect(marketResolvedFromGamma(gamma('gamma_market_live.json'), { ...stamp, tsEventMs: 1 })).toBeNull();
  });

  it('a Gamma market → MarketListed carrying MarketInfo', () => {
    const event = marketListedFrom(gamma('gamma_market_live.json'), { ...stamp, tsEventMs: stamp.receivedAtMs });
    expect(MarketEvent.parse(event)).toEqual(event);
    expect(event.market.fee.rateMicros).toBe(40_000n);
  });
});
