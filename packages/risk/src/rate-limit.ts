/**
 * Order rate limits as a sliding window over a history the caller passes in (the executor reads the orders
 * it accepted recently from Postgres). Pure: no timers, no hidden state, so a replay decides the same way.
 */

/** One order the gate accepted earlier (denied intents do not count). */
export interface RecentOrder {
  readonly agentId: string;
  readonly marketId: string;
  readonly tsMs: number;
}

/** Orders in the window (nowMs − windowMs, nowMs] that match `select`. */
export function countInWindow(
  history: readonly RecentOrder[],
  nowMs: number,
  windowMs: number,
  select: (order: RecentOrder) => boolean,
): number {
  const fromMs = nowMs - windowMs;
  let count = 0;
  for (const order of history) if (order.tsMs > fromMs && order.tsMs <= nowMs && select(order)) count += 1;
  return count;
}

/**
 * When the next order fits, given `max` orders per window: the moment the oldest order in the window leaves
 * it. `nowMs` when there is room already. Agents and dashboards use it to say "rate limited for N ms".
 */
export function nextSlotMs(
  history: readonly RecentOrder[],
  nowMs: number,
  windowMs: number,
  max: number,
  select: (order: RecentOrder) => boolean,
): number {
  const inWindow = history
    .filter((o) => o.tsMs > nowMs - windowMs && o.tsMs <= nowMs && select(o))
    .map((o) => o.tsMs)
    .sort((a, b) => a - b);
  if (inWindow.length < max) return nowMs;
  // the (count − max + 1)-th oldest must leave before one more fits
  const leaving = inWindow[inWindow.length - max];
  return leaving === undefined ? nowMs : leaving + windowMs;
}
