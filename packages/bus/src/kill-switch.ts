import type { Redis } from 'ioredis';
import type { BusNames } from './names.js';

export interface KillSwitchState {
  readonly global: boolean;
  readonly reason: string;
}

/** Sets or clears the global kill switch. The value records who flipped it and why. */
export async function setKillSwitch(redis: Redis, names: BusNames, on: boolean, reason: string): Promise<void> {
  if (on) await redis.set(names.killSwitchKey, JSON.stringify({ on: true, reason, tsMs: Date.now() }));
  else await redis.del(names.killSwitchKey);
}

export async function setAgentKillSwitch(redis: Redis, names: BusNames, agentId: string, on: boolean, reason: string): Promise<void> {
  if (on) await redis.set(names.agentKillKey(agentId), JSON.stringify({ on: true, reason, tsMs: Date.now() }));
  else await redis.del(names.agentKillKey(agentId));
}

export async function setMarketKillSwitch(redis: Redis, names: BusNames, marketId: string, on: boolean, reason: string): Promise<void> {
  if (on) await redis.set(names.marketKillKey(marketId), JSON.stringify({ on: true, reason, tsMs: Date.now() }));
  else await redis.del(names.marketKillKey(marketId));
}

/** The reason of each kill switch that is on, null for one that is off (the shape @floor/risk's engine reads). */
export interface KillSwitchReasons {
  readonly global: string | null;
  readonly agent: string | null;
  readonly market: string | null;
}

/** The global, agent and market switches an intent is subject to, in one round trip. */
export async function readKillSwitches(redis: Redis, names: BusNames, agentId: string, marketId: string): Promise<KillSwitchReasons> {
  const [global, agent, market] = await redis.mget(names.killSwitchKey, names.agentKillKey(agentId), names.marketKillKey(marketId));
  return { global: reasonOf(global), agent: reasonOf(agent), market: reasonOf(market) };
}

/** A switch's reason, or null when the key is absent. A hand-set value that is not our JSON still counts as on. */
function reasonOf(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    return (JSON.parse(value) as { reason?: string }).reason || 'kill switch on';
  } catch {
    return 'kill switch on';
  }
}

/** Whether new intents from `agentId` must be refused, and why. One round trip. */
export async function readKillSwitch(redis: Redis, names: BusNames, agentId?: string): Promise<KillSwitchState> {
  const keys = agentId ? [names.killSwitchKey, names.agentKillKey(agentId)] : [names.killSwitchKey];
  const values = await redis.mget(...keys);
  for (const v of values) {
    if (!v) continue;
    let reason = 'kill switch on';
    try {
      reason = (JSON.parse(v) as { reason?: string }).reason ?? reason;
    } catch {
      /* a hand-set value still counts as on */
    }
    return { global: true, reason };
  }
  return { global: false, reason: '' };
}
