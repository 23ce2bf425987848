import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BusNames } from './names.js';

/**
 * The trading state of the floor and of each agent, as the Floor Boss publishes it from its circuit breakers
 * (`breakerRestrictions` in @floor/risk), for the executor's pre-trade check and for `floor status`. One key per
 * scope, `tradingStateKey('floor')` and `tradingStateKey('agent:<id>')`, holding this JSON. A scope without a key
 * is active. The values mirror `TradingState` in @floor/risk (this package stays free of it).
 */
export const PublishedTradingState = z.object({
  state: z.enum(['active', 'reducing', 'halted']),
  /** why, '' when active */
  reason: z.string(),
  /** 0..1 stake multiplier from the drawdown heat and reduced sizing (scope 'agent:<id>' includes the floor's) */
  sizeMultiplier: z.number().min(0).max(1),
  /** when the Boss computed it, epoch ms */
  tsMs: z.number(),
});
export type PublishedTradingState = z.infer<typeof PublishedTradingState>;

export const floorTradingScope = 'floor';
export const agentTradingScope = (agentId: string): string => `agent:${agentId}`;

/** Writes the given scopes' states in one round trip. */
export async function publishTradingStates(redis: Redis, names: BusNames, states: ReadonlyMap<string, PublishedTradingState>): Promise<void> {
  if (states.size === 0) return;
  const multi = redis.multi();
  for (const [scope, value] of states) multi.set(names.tradingStateKey(scope), JSON.stringify(PublishedTradingState.parse(value)));
  await multi.exec();
}

/** Removes a scope's state (an agent that was retired), so it does not linger as a stale value. */
export async function clearTradingState(redis: Redis, names: BusNames, scope: string): Promise<void> {
  await redis.del(names.tradingStateKey(scope));
}

/**
 * The published states of the given scopes; a missing key is `undefined`. An unreadable value is reported as
 * 'halted' with the reason, rather than silently read as active: a reader that trades on it must not guess.
 */
export async function readTradingStates(redis: Redis, names: BusNames, scopes: readonly string[]): Promise<Map<string, PublishedTradingState | undefined>> {
  const out = new Map<string, PublishedTradingState | undefined>();
  if (scopes.length === 0) return out;
  const values = await redis.mget(...scopes.map((s) => names.tradingStateKey(s)));
  scopes.forEach((scope, i) => {
    const raw = values[i];
    if (!raw) {
      out.set(scope, undefined);
      return;
    }
    let parsed: ReturnType<typeof PublishedTradingState.safeParse> | undefined;
    try {
      parsed = PublishedTradingState.safeParse(JSON.parse(raw));
    } catch {
      parsed = undefined;
    }
    out.set(scope, parsed?.success ? parsed.data : { state: 'halted', reason: `unreadable trading state at ${names.tradingStateKey(scope)}`, sizeMultiplier: 0, tsMs: 0 });
  });
  return out;
}
