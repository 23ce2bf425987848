import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meanReversion } from './mean-reversion.js';
import { parityArbitrage } from './parity-arbitrage.js';
import type { AnyStrategy } from './strategy.js';
import { assertPlainJson } from './test-support.js';
import { volumeSpike } from './volume-spike.js';

/** What the registry and the Boss rely on, for every strategy in this set. */
const STRATEGIES: readonly AnyStrategy[] = [meanReversion, volumeSpike, parityArbitrage];

describe.each(STRATEGIES.map((s) => [s.name, s] as const))('%s', (_name, strategy) => {
  it('has a kebab-case name, interface version 1 and a description', () => {
    expect(strategy.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(strategy.interfaceVersion).toBe(1);
    expect(strategy.description.length).toBeGreaterThan(10);
  });

  it('describes every parameter, fills every default and refuses unknown fields', () => {
    const schema = strategy.params as z.ZodObject;
    for (const [field, fieldSchema] of Object.entries(schema.shape)) {
      expect((fieldSchema as z.ZodType).description, field).toBeTruthy();
    }
    expect(() => schema.parse({})).not.toThrow();
    expect(schema.safeParse({ notAParam: 1 }).success).toBe(false);
  });

  it('starts from plain JSON state', () => {
    const state: unknown = strategy.init(strategy.params.parse({}));
    assertPlainJson(state);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
