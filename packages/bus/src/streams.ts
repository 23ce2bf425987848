import type { Redis } from 'ioredis';

/** One entry read from a stream: its id and its JSON payload (field `m`). */
export interface StreamEntry {
  readonly stream: string;
  readonly id: string;
  readonly payload: string;
}

/** XADD of a JSON payload under field `m`, trimmed approximately to `maxLen`. Returns the entry id. */
export async function appendToStream(redis: Redis, stream: string, payload: string, maxLen: number): Promise<string> {
  const id = await redis.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', 'm', payload);
  return id as string;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Blocking read over several streams from the given offsets ('0' = from the start, '$' = only new).
 * Returns entries in stream order; the caller advances its offsets to the last id it processed.
 */
export async function readStreams(
  redis: Redis,
  offsets: ReadonlyMap<string, string>,
  opts: { blockMs: number; count: number },
): Promise<StreamEntry[]> {
  if (offsets.size === 0) return [];
  const keys = [...offsets.keys()];
  const ids = keys.map((k) => offsets.get(k) as string);
  const reply = (await redis.xread('COUNT', opts.count, 'BLOCK', opts.blockMs, 'STREAMS', ...keys, ...ids)) as XReadReply;
  const out: StreamEntry[] = [];
  if (!reply) return out;
  for (const [stream, entries] of reply) {
    for (const [id, fields] of entries) {
      const idx = fields.indexOf('m');
      out.push({ stream, id, payload: idx >= 0 ? (fields[idx + 1] ?? '') : '' });
    }
  }
  return out;
}

/** The id of the newest entry of a stream, or '0' if it is empty (to resolve '$' into a concrete offset). */
export async function lastStreamId(redis: Redis, stream: string): Promise<string> {
  const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return last[0]?.[0] ?? '0';
}
