import { setTimeout as delay } from 'node:timers/promises';

/** Sleeps `ms`, or less if `signal` aborts. Resolves false when aborted, true otherwise; never throws. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  if (ms <= 0) return true;
  try {
    await delay(ms, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

export type Sleep = typeof sleep;
