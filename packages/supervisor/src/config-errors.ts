import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BusNames } from '@floor/bus';

/**
 * Strategy files the Boss rejected, as published to Redis for `floor status`. One schema for the writer (the
 * Boss) and the readers, so the two cannot drift.
 */
export const ConfigErrorEntry = z.object({
  file: z.string(),
  /** names the field and the problem, e.g. `params: Unrecognized key: "lookbak"` */
  message: z.string(),
});
export type ConfigErrorEntry = z.infer<typeof ConfigErrorEntry>;
export const ConfigErrorList = z.array(ConfigErrorEntry);

export async function publishConfigErrors(redis: Redis, names: BusNames, errors: readonly ConfigErrorEntry[]): Promise<void> {
  await redis.set(names.configErrorsKey, JSON.stringify(ConfigErrorList.parse(errors)));
}

/** The published errors; an unreadable value is reported as an error itself rather than hidden. */
export async function readConfigErrors(redis: Redis, names: BusNames): Promise<ConfigErrorEntry[]> {
  const raw = await redis.get(names.configErrorsKey);
  if (!raw) return [];
  try {
    const parsed = ConfigErrorList.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    /* fall through */
  }
  return [{ file: names.configErrorsKey, message: 'config error list in Redis is not readable' }];
}
