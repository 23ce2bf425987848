import { describe, expect, it } from 'vitest';
import { killSwitchOnThroughout, type KillSwitchFlip } from './trade-checks.js';

const flip = (scope: 'floor' | 'agent', on: boolean, tsMs: number): KillSwitchFlip => ({ scope, on, reason: `${scope} ${on ? 'on' : 'off'}`, tsMs });

describe('killSwitchOnThroughout', () => {
  it('is the flip that set a switch still on over the whole interval', () => {
    const set = flip('agent', true, 100);
    expect(killSwitchOnThroughout([set], 200, 300)).toBe(set);
    expect(killSwitchOnThroughout([set, flip('agent', false, 400)], 200, 300)).toBe(set);
  });

  it('is undefined when a switch was off at some moment of the interval', () => {
    expect(killSwitchOnThroughout([], 200, 300)).toBeUndefined();
    // set inside the interval, cleared inside it, cleared before it
    expect(killSwitchOnThroughout([flip('agent', true, 250)], 200, 300)).toBeUndefined();
    expect(killSwitchOnThroughout([flip('agent', true, 100), flip('agent', false, 250)], 200, 300)).toBeUndefined();
    expect(killSwitchOnThroughout([flip('agent', true, 100), flip('agent', false, 150)], 200, 300)).toBeUndefined();
  });

  it('looks at each scope on its own, the floor first', () => {
    const floor = flip('floor', true, 50);
    const agent = flip('agent', true, 100);
    expect(killSwitchOnThroughout([floor, agent], 200, 300)).toBe(floor);
    // the agent switch being cleared does not clear the floor's
    expect(killSwitchOnThroughout([floor, agent, flip('agent', false, 150)], 200, 300)).toBe(floor);
    expect(killSwitchOnThroughout([floor, flip('floor', false, 150), agent], 200, 300)).toBe(agent);
  });
});
