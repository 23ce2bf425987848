import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BusNames } from '@floor/bus';

/**
 * The collector's saved position (Redis `collectorCursorKey`): which source it was playing and that source's
 * own cursor. The collector does not look inside `cursor`; the source that made it validates it on resume.
 */
export const SavedCursor = z.object({
  v: z.literal(1),
  source: z.string().min(1),
  cursor: z.unknown(),
  savedAtMs: z.number().int().nonnegative(),
});
export type SavedCursor = z.infer<typeof SavedCursor>;

export async function saveCollectorCursor(redis: Redis, names: BusNames, saved: SavedCursor): Promise<void> {
  await redis.set(names.collectorCursorKey, JSON.stringify(saved));
}

/** The saved cursor, or undefined when there is none or it does not parse (the collector then starts afresh). */
export async function readCollectorCursor(redis: Redis, names: BusNames): Promise<SavedCursor | undefined> {
  const text = await redis.get(names.collectorCursorKey);
  if (!text) return undefined;
  try {
    const parsed = SavedCursor.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
