import { describe, expect, it } from 'vitest';
import { BudgetState, checkBudget, initialBudgetState, recordAttempt, recordSpend, remainingBudgetMicros } from './budget.js';

const limits = { dailyBudgetMicros: 1_000_000n, cooldownMs: 60_000 }; // $1 a day, 1 min per market
const t0 = Date.UTC(2025, 5, 1, 10);

describe('budget', () => {
  it('allows a fresh market and blocks it during its cooldown', () => {
    let state = initialBudgetState(t0);
    expect(checkBudget(state, limits, 'm1', t0)).toEqual({ allowed: true });

    state = recordAttempt(state, limits, 'm1', t0);
    expect(checkBudget(state, limits, 'm1', t0 + 59_999)).toEqual({ allowed: false, reason: 'MARKET_COOLDOWN', retryAtMs: t0 + 60_000 });
    expect(checkBudget(state, limits, 'm1', t0 + 60_000)).toEqual({ allowed: true });
    expect(checkBudget(state, limits, 'm2', t0 + 1)).toEqual({ allowed: true });
  });

  it('stops when the day is spent (or a call would overrun it) and resets at UTC midnight', () => {
    let state = recordSpend(initialBudgetState(t0), 900_000n, t0);
    expect(remainingBudgetMicros(state, limits, t0)).toBe(100_000n);
    expect(checkBudget(state, limits, 'm1', t0, 100_000n)).toEqual({ allowed: true });
    expect(checkBudget(state, limits, 'm1', t0, 100_001n)).toMatchObject({ allowed: false, reason: 'DAILY_BUDGET_SPENT' });

    state = recordSpend(state, 100_000n, t0);
    const midnight = Date.UTC(2025, 5, 2);
    expect(checkBudget(state, limits, 'm1', t0)).toEqual({ allowed: false, reason: 'DAILY_BUDGET_SPENT', retryAtMs: midnight });
    expect(checkBudget(state, limits, 'm1', midnight)).toEqual({ allowed: true });
    expect(recordSpend(state, 5n, midnight)).toMatchObject({ day: '2025-06-02', spentMicros: 5 });
  });

  it('keeps a JSON round-trippable state and forgets expired cooldowns', () => {
    let state = recordAttempt(initialBudgetState(t0), limits, 'old', t0);
    state = recordSpend(state, 1_234n, t0);
    state = recordAttempt(state, limits, 'new', t0 + 120_000);

    const restored = BudgetState.parse(JSON.parse(JSON.stringify(state)));
    expect(restored).toEqual(state);
    expect(Object.keys(restored.lastAttemptMs)).toEqual(['new']);
  });
});
