import { describe, expect, it } from 'vitest';
import { classifyInput, InputShapeError, tokenIdFromFileName } from './inputs.js';

describe('research inputs', () => {
  it('reads the token id from <tokenId>.json or prices-history-<tokenId>.json', () => {
    expect(tokenIdFromFileName('data/123456789.json')).toBe('123456789');
    expect(tokenIdFromFileName('/tmp/prices-history-42.json')).toBe('42');
    expect(tokenIdFromFileName('prices_history_42.JSON')).toBe('42');
    expect(tokenIdFromFileName('history.json')).toBeNull();
    expect(tokenIdFromFileName('prices-history-42-b.json')).toBeNull();
  });

  it('tells a /prices-history body from Gamma listings', () => {
    expect(classifyInput({ history: [{ t: 1, p: 0.5 }] })).toEqual({ kind: 'history', points: [{ t: 1, p: 0.5 }] });
    expect(classifyInput([])).toEqual({ kind: 'gamma', batch: { accepted: [], rejected: [] } });
    const markets = classifyInput([{ id: '1' }]);
    expect(markets.kind === 'gamma' && markets.batch.rejected[0]?.reason).toBe('invalid_payload');
    const events = classifyInput([{ id: '9', title: 'An event', markets: [{ id: '1' }] }]);
    expect(events.kind === 'gamma' && events.batch.rejected).toHaveLength(1);
    const keyset = classifyInput({ markets: [], next_cursor: null });
    expect(keyset.kind).toBe('gamma');
  });

  it('refuses anything else with a description of what it got', () => {
    expect(() => classifyInput({ data: [] })).toThrow(InputShapeError);
    expect(() => classifyInput({ data: [] })).toThrow(/object with keys data/);
    expect(() => classifyInput({ history: 'soon' })).toThrow(/prices-history/);
    expect(() => classifyInput(42)).toThrow(/got number/);
  });
});
