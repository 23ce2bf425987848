import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { listStrategies } from '@floor/strategies';
import { EvolutionConfig } from './config.js';
import { breedClone, cloneAgentId, mutableFields, mutateParams, numericBounds } from './mutation.js';
import { createRng } from './rng.js';

const mutation = EvolutionConfig.parse({}).mutation;

const Params = z
  .object({
    lookback: z.number().int().min(2).max(200).default(10).describe('n'),
    threshold: z.number().min(0.5).max(3).default(1),
    positive: z.number().int().positive().max(5).default(3),
    fraction: z.number().gt(0).lt(1).default(0.5),
    unbounded: z.number().min(0).default(7),
    flag: z.boolean().default(true),
  })
  .strict();

describe('numericBounds', () => {
  it('reads min, max, integer and exclusivity from a zod v4 schema through its wrappers', () => {
    expect(numericBounds(Params.shape.lookback)).toEqual({ min: 2, max: 200, minInclusive: true, maxInclusive: true, integer: true });
    expect(numericBounds(Params.shape.positive)).toEqual({ min: 0, max: 5, minInclusive: false, maxInclusive: true, integer: true });
    expect(numericBounds(Params.shape.fraction)).toEqual({ min: 0, max: 1, minInclusive: false, maxInclusive: false, integer: false });
    expect(numericBounds(Params.shape.unbounded)).toBeUndefined();
    expect(numericBounds(Params.shape.flag)).toBeUndefined();
    expect([...mutableFields(Params).keys()]).toEqual(['lookback', 'threshold', 'positive', 'fraction']);
  });
});

describe('mutateParams', () => {
  it('stays within the bounds, keeps integers integral and leaves the rest alone (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }), (seed, scale, rate) => {
        const parent = Params.parse({ lookback: 199, threshold: 0.5, positive: 1, fraction: 0.999 });
        const { params, mutated } = mutateParams(Params, parent, createRng(seed), { scale, rate });
        expect(Params.safeParse(params).success).toBe(true);
        const p = params as z.output<typeof Params>;
        expect(Number.isInteger(p.lookback) && p.lookback >= 2 && p.lookback <= 200).toBe(true);
        expect(Number.isInteger(p.positive) && p.positive >= 1 && p.positive <= 5).toBe(true);
        expect(p.threshold >= 0.5 && p.threshold <= 3).toBe(true);
        expect(p.fraction > 0 && p.fraction < 1).toBe(true);
        expect(p.unbounded).toBe(7);
        expect(p.flag).toBe(true);
        for (const key of mutated) expect(params[key]).not.toBe(parent[key as keyof typeof parent]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('is reproducible from its seed', () => {
    const parent = Params.parse({});
    expect(mutateParams(Params, parent, createRng(42), mutation)).toEqual(mutateParams(Params, parent, createRng(42), mutation));
  });

  it('respects cross-field rules by retrying, and gives up with no mutation', () => {
    const Ordered = z.object({ low: z.number().min(0).max(10), high: z.number().min(0).max(10) }).refine((p) => p.low < p.high);
    const { params } = mutateParams(Ordered, { low: 4, high: 5 }, createRng(1), { scale: 0.3, rate: 1 });
    expect((params.low as number) < (params.high as number)).toBe(true);
    const Impossible = z.object({ x: z.number().min(0).max(1) }).refine(() => false);
    expect(mutateParams(Impossible, { x: 0.5 }, createRng(1), mutation)).toEqual({ params: { x: 0.5 }, mutated: [] });
  });

  it("stays within every registered strategy's schema (property)", () => {
    // every strategy whose params all have defaults (one needing required params is covered by its own tests)
    const defaulted = listStrategies().flatMap((s) => {
      const parsed = s.params.safeParse({});
      return parsed.success ? [{ strategy: s, parent: parsed.data as Record<string, unknown> }] : [];
    });
    expect(defaulted.length).toBeGreaterThan(0);
    for (const { strategy, parent } of defaulted) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
          const { params } = mutateParams(strategy.params, parent, createRng(seed), mutation);
          expect(strategy.params.safeParse(params).success).toBe(true);
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe('clones', () => {
  it('get a valid agent id rooted in the original, one generation down', () => {
    expect(cloneAgentId('momentum-fast', 1, 0xabcd1234)).toBe('momentum-fast-g1-1234');
    expect(cloneAgentId('momentum-fast-g1-1234', 2, 0x0000beef)).toBe('momentum-fast-g2-beef');
    expect(cloneAgentId('x'.repeat(63), 3, 1)).toMatch(/^x{55}-g3-0001$/);
  });

  it('carry their lineage, seed and mutated params', () => {
    const parent = { agentId: 'momo', strategy: 'momentum', params: Params.parse({}), lineage: { generation: 2 } };
    const child = breedClone(parent, Params, 7, mutation);
    expect(child).toMatchObject({ parentId: 'momo', strategy: 'momentum', generation: 3 });
    expect(child.agentId).toMatch(/^momo-g3-[0-9a-f]{4}$/);
    expect(child.mutated.length).toBeGreaterThan(0);
    expect(breedClone(parent, Params, 7, mutation)).toEqual(child);
    expect(breedClone(parent, Params, 8, mutation).seed).not.toBe(child.seed);
  });
});
