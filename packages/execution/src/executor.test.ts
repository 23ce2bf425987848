import { describe, expect, it } from 'vitest';
import { BadMessageError, DependencyUnavailableError, InvariantError, OrderIntent, SettlementJob } from '@floor/domain';
import { isRetryable, parseWire } from './executor.js';

describe('parseWire', () => {
  it('parses wire JSON into the message, bigints included', () => {
    const job = parseWire(SettlementJob, '{"type":"settle","v":1,"marketId":"m","winningTokenId":"y","tsEventMs":5}', 'settlement');
    expect(job).toEqual({ type: 'settle', v: 1, marketId: 'm', winningTokenId: 'y', tsEventMs: 5 });
  });

  it('names the problem: not JSON, or the field that is wrong', () => {
    expect(() => parseWire(OrderIntent, '{oops', 'intent')).toThrow(/bad intent message: not JSON/);
    expect(() => parseWire(SettlementJob, '{"type":"settle","v":1,"marketId":"m","tsEventMs":5}', 'settlement')).toThrow(
      /bad settlement message: winningTokenId/,
    );
    expect(() => parseWire(OrderIntent, '{}', 'intent')).toThrow(BadMessageError);
  });
});

describe('isRetryable', () => {
  it('retries infrastructure trouble but not bad messages or broken invariants', () => {
    expect(isRetryable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(true);
    expect(isRetryable(new DependencyUnavailableError('redis down'))).toBe(true);
    expect(isRetryable(new BadMessageError('bad'))).toBe(false);
    expect(isRetryable(new InvariantError('broken'))).toBe(false);
    expect(isRetryable(new SyntaxError('Unexpected token'))).toBe(false);
  });
});
