import { findStale } from '../local-book.js';
import { backoffDelayMs, type BackoffOptions } from '../rate-limit.js';

/**
 * The pure decisions of the live market-data feed: how token subscriptions are spread over WebSocket
 * connections, how long to wait before a reconnect, and which connections count as down (and so which
 * tokens fall back to REST polling with their books marked stale). No I/O, no clock: time comes in.
 */

// ---------------------------------------------------------------------------------------------
// Subscriptions over connections
// ---------------------------------------------------------------------------------------------

export interface ConnectionTokens {
  readonly id: string;
  readonly tokens: ReadonlySet<string>;
}

export interface SubscriptionPlan {
  /** tokens to add to existing connections (a dynamic `subscribe` operation on each) */
  readonly additions: ReadonlyArray<{ readonly connectionId: string; readonly tokenIds: readonly string[] }>;
  /** token groups that each need a new connection */
  readonly newConnections: ReadonlyArray<readonly string[]>;
}

/**
 * Places new tokens: first into the free room of existing connections (in the order given), then into new
 * connections of at most `maxPerConnection` tokens. Tokens already subscribed anywhere, and duplicates in
 * `add`, are ignored. The venue stops sending initial snapshots past about 500 tokens per connection.
 */
export function planSubscriptions(connections: readonly ConnectionTokens[], add: readonly string[], maxPerConnection: number): SubscriptionPlan {
  if (!Number.isInteger(maxPerConnection) || maxPerConnection < 1) throw new RangeError(`maxPerConnection must be a positive integer, got ${maxPerConnection}`);
  const subscribed = new Set(connections.flatMap((c) => [...c.tokens]));
  const pending = [...new Set(add)].filter((t) => !subscribed.has(t));

  const additions: Array<{ connectionId: string; tokenIds: string[] }> = [];
  for (const connection of connections) {
    const room = maxPerConnection - connection.tokens.size;
    if (room <= 0 || pending.length === 0) continue;
    additions.push({ connectionId: connection.id, tokenIds: pending.splice(0, room) });
  }
  const newConnections: string[][] = [];
  while (pending.length > 0) newConnections.push(pending.splice(0, maxPerConnection));
  return { additions, newConnections };
}

// ---------------------------------------------------------------------------------------------
// Reconnects
// ---------------------------------------------------------------------------------------------

/** First reconnect waits up to 250 ms, then the ceiling doubles per failure, up to 30 s. */
export const DEFAULT_RECONNECT_BACKOFF: Required<Omit<BackoffOptions, 'random'>> = { baseMs: 250, maxMs: 30_000 };

/**
 * Pause before reconnect number `failuresInARow` (0 = the first after a healthy connection): full jitter
 * under a ceiling that doubles per failure. The count resets only when the venue has sent data on the new
 * socket, not when it merely opened: a venue that accepts and then drops every socket must not be hammered.
 */
export function reconnectDelayMs(failuresInARow: number, options: BackoffOptions = {}): number {
  return backoffDelayMs(failuresInARow, { ...DEFAULT_RECONNECT_BACKOFF, ...options });
}

// ---------------------------------------------------------------------------------------------
// Feed health
// ---------------------------------------------------------------------------------------------

export interface ConnectionHealthInput extends ConnectionTokens {
  /** last frame of any kind (PONG included); the connection's creation time before the first */
  readonly lastMessageMs: number;
  /** when the current socket opened; null while there is none (closed, reconnecting) */
  readonly openedAtMs: number | null;
  /** set from the moment a socket subscribed until the first data frame answers it */
  readonly awaitingDataSinceMs: number | null;
}

export interface FeedHealthInput {
  readonly nowMs: number;
  readonly connections: readonly ConnectionHealthInput[];
  /** last WebSocket message naming each subscribed token */
  readonly tokenLastMessageMs: ReadonlyMap<string, number>;
  /** a connection silent this long is down, even if its socket is open (PING every 10 s gets a PONG) */
  readonly connectionStaleAfterMs: number;
  /** a token silent this long gets a REST check; quiet markets are normal, so this is not a degradation */
  readonly tokenQuietAfterMs: number;
}

export type ConnectionDownReason = 'silent' | 'no_data_after_subscribe';

export interface FeedHealth {
  /** connections that cannot be trusted: silent too long, or subscribed and never answered */
  readonly downConnections: ReadonlyArray<{ readonly id: string; readonly reason: ConnectionDownReason; readonly silentForMs: number }>;
  /** open sockets to replace: silent too long since they opened, or subscribed and never answered */
  readonly restartConnections: readonly string[];
  /** tokens whose connection is down: poll them over REST and mark their books stale */
  readonly degradedTokens: ReadonlySet<string>;
  /** tokens on healthy connections that have been quiet a long time: worth one REST `/book` check */
  readonly quietTokens: readonly string[];
}

/**
 * Which connections are down and what that means for their tokens.
 *
 * Down (its tokens degrade): silent longer than `connectionStaleAfterMs`, whether the socket is closed and
 * reconnecting or open but frozen (a live socket answers our PINGs), or subscribed that long ago without a
 * single data frame (the venue lost the subscription).
 *
 * Restart (the socket is replaced): open, and silent that long *since it opened* (a fresh socket gets the
 * full grace period before it is judged), or subscribed without an answer as above.
 */
export function assessFeedHealth(input: FeedHealthInput): FeedHealth {
  const { nowMs, connectionStaleAfterMs } = input;
  const report = findStale({
    nowMs,
    tokenLastMessageMs: input.tokenLastMessageMs,
    connectionLastMessageMs: new Map(input.connections.map((c) => [c.id, c.lastMessageMs])),
    tokenStaleAfterMs: input.tokenQuietAfterMs,
    connectionStaleAfterMs,
  });

  const down = new Map<string, { id: string; reason: ConnectionDownReason; silentForMs: number }>();
  for (const entry of report.staleConnections) down.set(entry.id, { id: entry.id, reason: 'silent', silentForMs: entry.silentForMs });
  const restartConnections: string[] = [];
  for (const c of input.connections) {
    const unanswered = c.awaitingDataSinceMs !== null && nowMs - c.awaitingDataSinceMs > connectionStaleAfterMs;
    if (unanswered && !down.has(c.id)) {
      down.set(c.id, { id: c.id, reason: 'no_data_after_subscribe', silentForMs: nowMs - (c.awaitingDataSinceMs ?? nowMs) });
    }
    const silentSinceOpen = c.openedAtMs !== null && nowMs - Math.max(c.lastMessageMs, c.openedAtMs) > connectionStaleAfterMs;
    if (c.openedAtMs !== null && (unanswered || silentSinceOpen)) restartConnections.push(c.id);
  }

  const degradedTokens = new Set<string>();
  for (const c of input.connections) if (down.has(c.id)) for (const t of c.tokens) degradedTokens.add(t);
  const quietTokens = report.staleTokens.map((e) => e.id).filter((t) => !degradedTokens.has(t));
  return { downConnections: [...down.values()], restartConnections, degradedTokens, quietTokens };
}
