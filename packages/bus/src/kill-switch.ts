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
