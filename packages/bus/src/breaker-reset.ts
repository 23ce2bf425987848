import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BusNames } from './names.js';

/** An operator's request to reset one breaker of one scope (`floor` or `agent:<id>`). */
export const BreakerResetRequest = z.object({
  breaker: z.string().min(1),
  scope: z.union([z.literal('floor'), z.string().regex(/^agent:[a-z0-9][a-z0-9_-]*$/)]),
  by: z.string().min(1),
  tsMs: z.number().int(),
});
export type BreakerResetRequest = z.infer<typeof BreakerResetRequest>;

export async function requestBreakerReset(redis: Redis, names: BusNames, request: BreakerResetRequest): Promise<void> {
  await redis.rpush(names.breakerResetRequestsKey, JSON.stringify(BreakerResetRequest.parse(request)));
}

/**
 * Takes every pending request, oldest first, in one MULTI (read and trim together, so none is taken twice or
 * lost). Malformed entries are returned in `invalid` for the caller to log.
 */
export async function takeBreakerResetRequests(redis: Redis, names: BusNames): Promise<{ requests: BreakerResetRequest[]; invalid: string[] }> {
  const result = await redis.multi().lrange(names.breakerResetRequestsKey, 0, -1).del(names.breakerResetRequestsKey).exec();
  const raw = (result?.[0]?.[1] as string[] | undefined) ?? [];
  const requests: BreakerResetRequest[] = [];
  const invalid: string[] = [];
  for (const entry of raw) {
    try {
      const parsed = BreakerResetRequest.safeParse(JSON.parse(entry));
      if (parsed.success) requests.push(parsed.data);
      else invalid.push(entry);
    } catch {
      invalid.push(entry);
    }
  }
  return { requests, invalid };
}
