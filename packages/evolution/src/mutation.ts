import { z } from 'zod';
import type { EvolutionConfig } from './config.js';
import type { ChildSpec } from './decisions.js';
import { createRng, seedFrom, type Rng } from './rng.js';

/**
 * Mutating a clone's params within its strategy's zod schema. Only numeric fields with a finite lower AND upper
 * bound are mutated (the schema is what says how far a param may go); booleans, enums, strings and unbounded
 * numbers are inherited unchanged. Integers stay integers. The result is validated against the whole schema,
 * so cross-field rules (`refine`) hold too.
 */

export interface NumericBounds {
  readonly min: number;
  readonly max: number;
  readonly minInclusive: boolean;
  readonly maxInclusive: boolean;
  readonly integer: boolean;
}

/** Unwraps `.default()`, `.optional()`, `.nullable()`, `.catch()` and `.readonly()` (zod v4 wrappers with an `innerType`). */
function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let i = 0; i < 10; i += 1) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType };
    if (!['default', 'prefault', 'optional', 'nullable', 'catch', 'readonly', 'nonoptional'].includes(def.type) || !def.innerType) break;
    current = def.innerType;
  }
  return current;
}

/**
 * The bounds of a numeric field, read from the zod v4 schema: `minValue` / `maxValue` / `isInt` (public), and
 * whether each bound is inclusive from the `greater_than` / `less_than` checks in `_zod.def.checks`
 * (`.positive()` is an exclusive 0). Undefined unless both bounds are finite.
 */
export function numericBounds(field: z.ZodType): NumericBounds | undefined {
  const inner = unwrap(field);
  if (!(inner instanceof z.ZodNumber)) return undefined;
  const { minValue, maxValue } = inner;
  if (minValue === null || maxValue === null || !Number.isFinite(minValue) || !Number.isFinite(maxValue)) return undefined;
  let minInclusive = true;
  let maxInclusive = true;
  for (const check of inner._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: unknown; inclusive?: boolean };
    if (def.check === 'greater_than' && def.value === minValue) minInclusive = def.inclusive ?? true;
    if (def.check === 'less_than' && def.value === maxValue) maxInclusive = def.inclusive ?? true;
  }
  return { min: minValue, max: maxValue, minInclusive, maxInclusive, integer: inner.isInt ?? false };
}

/** The mutable fields of a params schema, by name. Empty for a schema that is not an object. */
export function mutableFields(schema: z.ZodType): ReadonlyMap<string, NumericBounds> {
  const out = new Map<string, NumericBounds>();
  if (!(schema instanceof z.ZodObject)) return out;
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const bounds = numericBounds(field);
    if (bounds && bounds.max > bounds.min) out.set(key, bounds);
  }
  return out;
}

/**
 * One step: value + N(0, 1) × scale × range, reflected back off the bounds, rounded for integers, then nudged
 * inside an exclusive bound.
 */
export function mutateValue(value: number, bounds: NumericBounds, rng: Rng, scale: number): number {
  const range = bounds.max - bounds.min;
  let next = value + rng.normal() * scale * range;
  // reflect (keeps the step distribution symmetric near a bound), then clamp whatever a huge step left outside
  if (next < bounds.min) next = bounds.min + (bounds.min - next);
  if (next > bounds.max) next = bounds.max - (next - bounds.max);
  next = Math.min(bounds.max, Math.max(bounds.min, next));
  if (bounds.integer) {
    next = Math.round(next);
    if (!bounds.minInclusive && next <= bounds.min) next = Math.floor(bounds.min) + 1;
    if (!bounds.maxInclusive && next >= bounds.max) next = Math.ceil(bounds.max) - 1;
  } else {
    const epsilon = range * 1e-9;
    if (!bounds.minInclusive && next <= bounds.min) next = bounds.min + epsilon;
    if (!bounds.maxInclusive && next >= bounds.max) next = bounds.max - epsilon;
  }
  return next;
}

const MAX_ATTEMPTS = 20;

/**
 * New params from a parent's: each mutable field changes with probability `rate` (at least one always does).
 * Retries while the schema refuses the result (a cross-field rule); after `MAX_ATTEMPTS` returns the parent's
 * params with `mutated: []`, which `vetClone` refuses.
 */
export function mutateParams(
  schema: z.ZodType,
  params: Readonly<Record<string, unknown>>,
  rng: Rng,
  mutation: EvolutionConfig['mutation'],
): { params: Record<string, unknown>; mutated: string[] } {
  const fields = [...mutableFields(schema)];
  if (fields.length === 0) return { params: { ...params }, mutated: [] };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    let chosen = fields.filter(() => rng.next() < mutation.rate);
    if (chosen.length === 0) chosen = [fields[rng.int(0, fields.length - 1)] as [string, NumericBounds]];
    const next: Record<string, unknown> = { ...params };
    for (const [key, bounds] of chosen) {
      const current = typeof params[key] === 'number' ? (params[key] as number) : (bounds.min + bounds.max) / 2;
      next[key] = mutateValue(current, bounds, rng, mutation.scale);
    }
    const parsed = schema.safeParse(next);
    if (parsed.success) {
      const out = parsed.data as Record<string, unknown>;
      return { params: out, mutated: chosen.map(([k]) => k).filter((k) => out[k] !== params[k]) };
    }
  }
  return { params: { ...params }, mutated: [] };
}

/** Agent ids of clones: `<root>-g<generation>-<4 hex>`, where root is the original file's agent id. */
export function cloneAgentId(parentId: string, generation: number, seed: number): string {
  const root = parentId.replace(/-g\d+-[0-9a-f]{4}$/, '');
  const suffix = `-g${generation}-${(seed & 0xffff).toString(16).padStart(4, '0')}`;
  return `${root.slice(0, 63 - suffix.length)}${suffix}`;
}

/** A clone of `parent`: its params mutated with a seed drawn from the parent, its generation and `reviewSeed`. */
export function breedClone(
  parent: { readonly agentId: string; readonly strategy: string; readonly params: Readonly<Record<string, unknown>>; readonly lineage: { readonly generation: number } },
  schema: z.ZodType,
  reviewSeed: number,
  mutation: EvolutionConfig['mutation'],
): ChildSpec {
  const generation = parent.lineage.generation + 1;
  const seed = seedFrom(parent.agentId, generation, reviewSeed);
  const { params, mutated } = mutateParams(schema, parent.params, createRng(seed), mutation);
  return { agentId: cloneAgentId(parent.agentId, generation, seed), parentId: parent.agentId, strategy: parent.strategy, generation, params, seed, mutated };
}
