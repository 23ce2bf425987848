import { z } from 'zod';

/**
 * Daily model-cost budget and per-market cooldown, as a pure state machine: time is passed in, state is
 * plain JSON (it lives in the agent's checkpoint). Amounts in the state are numbers of micro-USD, like
 * prices in strategy state: a day's spend stays far below 2^53 micros.
 *
 * Days are UTC days. A market's cooldown starts when a forecast is *attempted*, failed or not, so an
 * erroring provider is not hammered once per event.
 */

export const BudgetState = z.object({
  v: z.literal(1),
  /** UTC day the spend belongs to, YYYY-MM-DD */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  spentMicros: z.number().int().nonnegative(),
  /** marketId → time of the last forecast attempt (ms) */
  lastAttemptMs: z.record(z.string(), z.number().int().nonnegative()),
});
export type BudgetState = z.output<typeof BudgetState>;

export interface BudgetLimits {
  readonly dailyBudgetMicros: bigint;
  readonly cooldownMs: number;
}

export type BudgetDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'DAILY_BUDGET_SPENT' | 'MARKET_COOLDOWN'; readonly retryAtMs: number };

const DAY_MS = 86_400_000;

export function initialBudgetState(nowMs: number): BudgetState {
  return { v: 1, day: utcDay(nowMs), spentMicros: 0, lastAttemptMs: {} };
}

/**
 * May this market be forecast now? `estimatedCostMicros` (e.g. the last ensemble's cost) keeps a call
 * from starting when it would overrun the budget; pass 0 to only stop once the budget is spent.
 */
export function checkBudget(
  state: BudgetState,
  limits: BudgetLimits,
  marketId: string,
  nowMs: number,
  estimatedCostMicros: bigint = 0n,
): BudgetDecision {
  const spent = utcDay(nowMs) === state.day ? BigInt(state.spentMicros) : 0n;
  if (spent + estimatedCostMicros > limits.dailyBudgetMicros || spent >= limits.dailyBudgetMicros) {
    return { allowed: false, reason: 'DAILY_BUDGET_SPENT', retryAtMs: (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS };
  }
  const last = state.lastAttemptMs[marketId];
  if (last !== undefined && nowMs - last < limits.cooldownMs) {
    return { allowed: false, reason: 'MARKET_COOLDOWN', retryAtMs: last + limits.cooldownMs };
  }
  return { allowed: true };
}

/** Marks a forecast attempt for `marketId` at `nowMs` (call it before the models are asked). */
export function recordAttempt(state: BudgetState, limits: BudgetLimits, marketId: string, nowMs: number): BudgetState {
  const rolled = rollDay(state, nowMs);
  return { ...rolled, lastAttemptMs: { ...pruneCooldowns(rolled.lastAttemptMs, limits.cooldownMs, nowMs), [marketId]: nowMs } };
}

/** Adds what a forecast cost (failed models included) to today's spend. */
export function recordSpend(state: BudgetState, costMicros: bigint, nowMs: number): BudgetState {
  if (costMicros < 0n) throw new RangeError('a cost cannot be negative');
  const rolled = rollDay(state, nowMs);
  const spentMicros = BigInt(rolled.spentMicros) + costMicros;
  if (spentMicros > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('daily spend exceeds 2^53 micros');
  return { ...rolled, spentMicros: Number(spentMicros) };
}

/** What is left of today's budget, in micro-USD (0 when spent). */
export function remainingBudgetMicros(state: BudgetState, limits: BudgetLimits, nowMs: number): bigint {
  const spent = utcDay(nowMs) === state.day ? BigInt(state.spentMicros) : 0n;
  const left = limits.dailyBudgetMicros - spent;
  return left > 0n ? left : 0n;
}

function rollDay(state: BudgetState, nowMs: number): BudgetState {
  const day = utcDay(nowMs);
  return day === state.day ? state : { ...state, day, spentMicros: 0 };
}

/** Drops cooldowns that have expired, so the state does not grow with every market ever seen. */
function pruneCooldowns(entries: Record<string, number>, cooldownMs: number, nowMs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(entries).filter(([, at]) => nowMs - at < cooldownMs));
}

function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
