import { describe, expect, it } from 'vitest';
import { getStrategy, listStrategies, validateStrategyParams } from './registry.js';

describe('strategy registry', () => {
  it('finds strategies by name and names the known ones for an unknown name', () => {
    expect(getStrategy('momentum').name).toBe('momentum');
    expect(listStrategies().map((s) => s.name)).toContain('momentum');
    expect(() => getStrategy('x')).toThrow(/unknown strategy 'x' \(known: [a-z, -]*momentum[a-z, -]*\)/);
  });

  it('fills defaults and names the field and the problem of bad params', () => {
    expect(validateStrategyParams('momentum', {})).toMatchObject({ lookback: 10, thresholdBps: 150, stakeUsd: 25 });
    expect(() => validateStrategyParams('momentum', { lookback: 1 })).toThrow('params.lookback: Too small: expected number to be >=2');
    expect(() => validateStrategyParams('momentum', { stakeUsd: 'lots' })).toThrow(/^params\.stakeUsd: /);
  });

  it('rejects a misspelt field in every registered strategy instead of defaulting it', () => {
    for (const s of listStrategies()) {
      expect(() => validateStrategyParams(s.name, { definitelyNotAParam: 1 }), s.name).toThrow(/params: Unrecognized key.*definitelyNotAParam/);
    }
  });
});
