import type { Redis } from 'ioredis';
import { agentTradingScope, floorTradingScope, readTradingStates, type BusNames } from '@floor/bus';
import { listBreakerEvents, loadBreakerState, type Db } from '@floor/db';
import { agentTripCount, parseBreakerState } from '@floor/risk';

/**
 * The `breakers` section of `floor status`: the trading state the Boss published for the floor and each agent
 * (a scope with nothing published is active), trip counts, and the latest trips and resets.
 */
export interface ScopeTradingState {
  readonly state: string;
  readonly reason: string;
  readonly sizeMultiplier: number;
}

export interface BreakersStatus {
  readonly floor: ScopeTradingState;
  readonly agents: ReadonlyArray<ScopeTradingState & { readonly agentId: string; readonly trips: number }>;
  /** newest first */
  readonly recent: ReadonlyArray<{ readonly ts: string; readonly breaker: string; readonly scope: string; readonly transition: string; readonly reason: string }>;
}

const ACTIVE: ScopeTradingState = { state: 'active', reason: '', sizeMultiplier: 1 };

export async function collectBreakers(db: Db, redis: Redis, names: BusNames, agentIds: readonly string[], recent = 10): Promise<BreakersStatus> {
  const scopes = [floorTradingScope, ...agentIds.map(agentTradingScope)];
  const [published, stored, events] = await Promise.all([
    readTradingStates(redis, names, scopes),
    loadBreakerState(db),
    listBreakerEvents(db, { limit: recent }),
  ]);
  const state = stored ? parseBreakerState(stored.state) : undefined;
  const view = (scope: string): ScopeTradingState => {
    const p = published.get(scope);
    return p ? { state: p.state, reason: p.reason, sizeMultiplier: p.sizeMultiplier } : ACTIVE;
  };
  return {
    floor: view(floorTradingScope),
    agents: agentIds.map((agentId) => ({ agentId, ...view(agentTradingScope(agentId)), trips: state ? agentTripCount(state, agentId) : 0 })),
    recent: events.map((e) => ({ ts: e.ts.toISOString(), breaker: e.breaker, scope: e.scope, transition: e.transition, reason: e.reason })),
  };
}
