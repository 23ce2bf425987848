import { Redis, type RedisOptions } from 'ioredis';

/**
 * One factory for Redis connections. `maxRetriesPerRequest: null` is what BullMQ requires for its
 * blocking connections, and it also means commands wait for a reconnect instead of failing fast.
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5_000),
    ...extra,
  });
}

/** Pings Redis with a deadline; used by `npm start` to say clearly when it is down. */
export async function pingRedis(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
