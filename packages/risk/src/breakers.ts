import { z } from 'zod';
import { MicrosWire, numberToMicros } from '@floor/domain';
import type { BreakersConfig, HeatConfig, RiskConfig } from './config.js';
import { heatOf } from './sizing.js';
import { ACTIVE, mostRestrictive, type ScopedTradingState } from './trading-state.js';

/**
 * Circuit breakers: one pure state machine over the floor's events, time passed in with each event.
 *
 * | breaker             | scope  | trips when                                                   | resets                          |
 * |---------------------|--------|--------------------------------------------------------------|---------------------------------|
 * | `lossStreak`        | agent  | `maxConsecutiveLosses` losing closed trades in a row         | manual (the Boss or an operator) |
 * | `dailyDrawdown`     | floor  | equity falls `dailyDrawdownLimit` from the UTC day's peak    | next UTC day, or manual         |
 * | `dailyLoss`         | floor  | equity falls `floor.dailyLossLimit` below the day start      | next UTC day, or manual; then reduced sizing for `reducedSizingMs` |
 * | `apiErrors`         | floor  | error share > `maxApiErrorRate` over the window (≥ min calls) | after the cooldown, once the rate is back at or under the limit; or manual |
 * | `drawdownHeat`      | either | drawdown from the high-water mark reaches `heat.haltDrawdown` | manual only (moves the mark to current equity) |
 *
 * A tripped breaker means reducing-only (exits allowed) for its scope: a breaker never blocks a way out. A hard
 * halt stays an operator's decision. Every transition is an event value for the audit log and the metrics.
 * Limits are reached "at or past": a 15 % fall trips at exactly 15 %. A losing trade is one with pnl < 0.
 *
 * State holds bigints; `breakerStateToJson` / `parseBreakerState` write and read it (amounts as decimal strings).
 */

export const BREAKER_NAMES = ['lossStreak', 'dailyDrawdown', 'dailyLoss', 'apiErrors', 'drawdownHeat'] as const;
export type BreakerName = (typeof BREAKER_NAMES)[number];

/** 'floor' or 'agent:<agentId>' */
export type BreakerScope = 'floor' | `agent:${string}`;
export const agentScope = (agentId: string): BreakerScope => `agent:${agentId}`;

export type BreakerNumbers = Readonly<Record<string, number | string>>;

/** A transition, for the audit log (`risk.breaker.tripped` / `.reset`) and `floor_breaker_transitions_total`. */
export interface BreakerEvent {
  readonly breaker: BreakerName;
  readonly scope: BreakerScope;
  readonly transition: 'tripped' | 'reset';
  readonly reason: string;
  /** the figures behind it; amounts as decimal strings of micros */
  readonly numbers: BreakerNumbers;
  readonly tsMs: number;
}

export type BreakerInput =
  | { readonly type: 'tradeClosed'; readonly agentId: string; readonly pnlMicros: bigint; readonly tsMs: number }
  | { readonly type: 'floorEquity'; readonly equityMicros: bigint; readonly tsMs: number }
  | { readonly type: 'agentEquity'; readonly agentId: string; readonly equityMicros: bigint; readonly tsMs: number }
  | { readonly type: 'apiCall'; readonly ok: boolean; readonly tsMs: number }
  /** lets time pass with nothing else happening (day rollover, API cooldown) */
  | { readonly type: 'clock'; readonly tsMs: number }
  | { readonly type: 'manualReset'; readonly breaker: BreakerName; readonly scope: BreakerScope; readonly by: string; readonly tsMs: number };

// ---------------------------------------------------------------------------------------------- state

const Micros = MicrosWire.nullable();

const FloorBreakers = z.object({
  /** equity at the start of the UTC day (or where a manual daily-loss reset rebased it); null before the first */
  dayStartEquityMicros: Micros,
  dayPeakEquityMicros: Micros,
  /** all-time high-water mark for the heat; a manual heat reset moves it to current equity */
  peakEquityMicros: Micros,
  lastEquityMicros: Micros,
  dailyDrawdownTripped: z.boolean(),
  dailyLossTripped: z.boolean(),
  /** reduced sizing after a daily-loss reset lasts until this time; 0 = none */
  reducedSizingUntilMs: z.number(),
  heatHalted: z.boolean(),
});

const AgentBreakers = z.object({
  consecutiveLosses: z.number().int(),
  lossStreakTripped: z.boolean(),
  peakEquityMicros: Micros,
  lastEquityMicros: Micros,
  heatHalted: z.boolean(),
});

const ApiBreaker = z.object({
  /** calls inside the window, oldest first */
  calls: z.array(z.object({ tsMs: z.number(), ok: z.boolean() })),
  tripped: z.boolean(),
  trippedAtMs: z.number(),
});

export const BreakerState = z.object({
  v: z.literal(1),
  /** UTC day of the latest event, 'YYYY-MM-DD'; '' before any */
  dayUtc: z.string(),
  nowMs: z.number(),
  floor: FloorBreakers,
  agents: z.record(z.string(), AgentBreakers),
  api: ApiBreaker,
  /** trips so far per `${breaker}/${scope}`, for the Boss's retirement rule */
  tripCounts: z.record(z.string(), z.number().int()),
});
export type BreakerState = z.output<typeof BreakerState>;
type FloorBreakers = BreakerState['floor'];
type AgentBreakers = BreakerState['agents'][string];

export function initialBreakerState(): BreakerState {
  return {
    v: 1,
    dayUtc: '',
    nowMs: 0,
    floor: {
      dayStartEquityMicros: null,
      dayPeakEquityMicros: null,
      peakEquityMicros: null,
      lastEquityMicros: null,
      dailyDrawdownTripped: false,
      dailyLossTripped: false,
      reducedSizingUntilMs: 0,
      heatHalted: false,
    },
    agents: {},
    api: { calls: [], tripped: false, trippedAtMs: 0 },
    tripCounts: {},
  };
}

const NEW_AGENT: AgentBreakers = { consecutiveLosses: 0, lossStreakTripped: false, peakEquityMicros: null, lastEquityMicros: null, heatHalted: false };

/** JSON for a checkpoint (amounts as decimal strings). */
export function breakerStateToJson(state: BreakerState): unknown {
  return JSON.parse(JSON.stringify(state, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;
}

/** Reads a checkpoint written by `breakerStateToJson`; throws a ZodError if it is not one. */
export function parseBreakerState(json: unknown): BreakerState {
  return BreakerState.parse(json);
}

export function tripCount(state: BreakerState, breaker: BreakerName, scope: BreakerScope): number {
  return state.tripCounts[`${breaker}/${scope}`] ?? 0;
}

/** Trips of every breaker scoped to the agent, summed. */
export function agentTripCount(state: BreakerState, agentId: string): number {
  const suffix = `/${agentScope(agentId)}`;
  return Object.entries(state.tripCounts).reduce((sum, [key, n]) => (key.endsWith(suffix) ? sum + n : sum), 0);
}

// ---------------------------------------------------------------------------------------------- the machine

type BreakerSettings = Pick<RiskConfig, 'breakers' | 'heat'> & { readonly floor: { readonly dailyLossLimit: number } };

/**
 * Applies one event. Returns the new state and the transitions it caused, in order. Events must come in time
 * order; an event older than the state's clock is applied at the state's clock (time never runs backwards).
 */
export function stepBreakers(state: BreakerState, input: BreakerInput, config: BreakerSettings): { state: BreakerState; events: BreakerEvent[] } {
  const m = new Machine(state, Math.max(state.nowMs, input.tsMs), config);
  m.advanceClock();
  switch (input.type) {
    case 'tradeClosed':
      m.tradeClosed(input.agentId, input.pnlMicros);
      break;
    case 'floorEquity':
      m.floorEquity(input.equityMicros);
      break;
    case 'agentEquity':
      m.agentEquity(input.agentId, input.equityMicros);
      break;
    case 'apiCall':
      m.apiCall(input.ok);
      break;
    case 'clock':
      break;
    case 'manualReset':
      m.manualReset(input.breaker, input.scope, input.by);
      break;
  }
  return { state: m.state, events: m.events };
}

/** Folds many events; convenient in tests and for rebuilding state from the audit log. */
export function runBreakers(state: BreakerState, inputs: readonly BreakerInput[], config: BreakerSettings): { state: BreakerState; events: BreakerEvent[] } {
  const events: BreakerEvent[] = [];
  let current = state;
  for (const input of inputs) {
    const step = stepBreakers(current, input, config);
    current = step.state;
    events.push(...step.events);
  }
  return { state: current, events };
}

/** Mutable working copy for one step; `stepBreakers` is the pure face of it. */
class Machine {
  state: BreakerState;
  readonly events: BreakerEvent[] = [];
  private readonly b: BreakersConfig;
  private readonly heat: HeatConfig;

  constructor(
    start: BreakerState,
    private readonly nowMs: number,
    private readonly config: BreakerSettings,
  ) {
    this.state = { ...start, nowMs };
    this.b = config.breakers;
    this.heat = config.heat;
  }

  private emit(breaker: BreakerName, scope: BreakerScope, transition: 'tripped' | 'reset', reason: string, numbers: BreakerNumbers): void {
    this.events.push({ breaker, scope, transition, reason, numbers, tsMs: this.nowMs });
    if (transition === 'tripped') {
      const key = `${breaker}/${scope}`;
      this.state = { ...this.state, tripCounts: { ...this.state.tripCounts, [key]: (this.state.tripCounts[key] ?? 0) + 1 } };
    }
  }

  private setFloor(patch: Partial<FloorBreakers>): void {
    this.state = { ...this.state, floor: { ...this.state.floor, ...patch } };
  }

  private agent(agentId: string): AgentBreakers {
    return this.state.agents[agentId] ?? NEW_AGENT;
  }

  private setAgent(agentId: string, patch: Partial<AgentBreakers>): void {
    this.state = { ...this.state, agents: { ...this.state.agents, [agentId]: { ...this.agent(agentId), ...patch } } };
  }

  /** Day rollover and the API breaker's window and cooldown. */
  advanceClock(): void {
    const day = utcDay(this.nowMs);
    if (this.state.dayUtc !== day) {
      const firstDay = this.state.dayUtc === '';
      this.state = { ...this.state, dayUtc: day };
      const last = this.state.floor.lastEquityMicros;
      this.setFloor({ dayStartEquityMicros: last, dayPeakEquityMicros: last });
      if (!firstDay && this.state.floor.dailyDrawdownTripped) {
        this.setFloor({ dailyDrawdownTripped: false });
        this.emit('dailyDrawdown', 'floor', 'reset', 'new UTC day', { day });
      }
      if (!firstDay && this.state.floor.dailyLossTripped) {
        this.setFloor({ dailyLossTripped: false, reducedSizingUntilMs: this.nowMs + this.b.reducedSizingMs });
        this.emit('dailyLoss', 'floor', 'reset', 'new UTC day; reduced sizing follows', { day, reducedSizingUntilMs: this.nowMs + this.b.reducedSizingMs });
      }
    }
    this.pruneApiWindow();
    const api = this.state.api;
    if (api.tripped && this.nowMs >= api.trippedAtMs + this.b.apiCooldownMs) {
      const { calls, errors } = apiCounts(api.calls);
      const countable = calls >= this.b.apiMinSamples;
      if (!countable || !errorRateExceeded(errors, calls, this.b.maxApiErrorRate)) {
        this.state = { ...this.state, api: { ...api, tripped: false } };
        this.emit('apiErrors', 'floor', 'reset', 'cooldown over and the error rate is back under the limit', { calls, errors });
      }
    }
  }

  tradeClosed(agentId: string, pnlMicros: bigint): void {
    const a = this.agent(agentId);
    const streak = pnlMicros < 0n ? a.consecutiveLosses + 1 : 0;
    this.setAgent(agentId, { consecutiveLosses: streak });
    if (!a.lossStreakTripped && streak >= this.b.maxConsecutiveLosses) {
      this.setAgent(agentId, { lossStreakTripped: true });
      this.emit('lossStreak', agentScope(agentId), 'tripped', `${streak} losing trades in a row`, { consecutiveLosses: streak, limit: this.b.maxConsecutiveLosses });
    }
  }

  floorEquity(equity: bigint): void {
    const f = this.state.floor;
    const dayStart = f.dayStartEquityMicros ?? equity;
    const dayPeak = max(f.dayPeakEquityMicros ?? equity, equity);
    const peak = max(f.peakEquityMicros ?? equity, equity);
    this.setFloor({ lastEquityMicros: equity, dayStartEquityMicros: dayStart, dayPeakEquityMicros: dayPeak, peakEquityMicros: peak });

    if (!f.dailyLossTripped && fellBy(dayStart, equity, this.config.floor.dailyLossLimit)) {
      this.setFloor({ dailyLossTripped: true });
      this.emit('dailyLoss', 'floor', 'tripped', 'daily loss limit reached', fallNumbers(dayStart, equity, this.config.floor.dailyLossLimit));
    }
    if (!f.dailyDrawdownTripped && fellBy(dayPeak, equity, this.b.dailyDrawdownLimit)) {
      this.setFloor({ dailyDrawdownTripped: true });
      this.emit('dailyDrawdown', 'floor', 'tripped', "fell from the day's peak by the daily drawdown limit", fallNumbers(dayPeak, equity, this.b.dailyDrawdownLimit));
    }
    if (!f.heatHalted && heatOf(peak, equity, this.heat).halt) {
      this.setFloor({ heatHalted: true });
      this.emit('drawdownHeat', 'floor', 'tripped', 'drawdown from the high-water mark reached the halt level', fallNumbers(peak, equity, this.heat.haltDrawdown));
    }
  }

  agentEquity(agentId: string, equity: bigint): void {
    const a = this.agent(agentId);
    const peak = max(a.peakEquityMicros ?? equity, equity);
    this.setAgent(agentId, { lastEquityMicros: equity, peakEquityMicros: peak });
    if (!a.heatHalted && heatOf(peak, equity, this.heat).halt) {
      this.setAgent(agentId, { heatHalted: true });
      this.emit('drawdownHeat', agentScope(agentId), 'tripped', 'drawdown from the high-water mark reached the halt level', fallNumbers(peak, equity, this.heat.haltDrawdown));
    }
  }

  apiCall(ok: boolean): void {
    const api = this.state.api;
    const calls = [...api.calls, { tsMs: this.nowMs, ok }];
    this.state = { ...this.state, api: { ...api, calls } };
    if (api.tripped) return;
    const counts = apiCounts(calls);
    if (counts.calls >= this.b.apiMinSamples && errorRateExceeded(counts.errors, counts.calls, this.b.maxApiErrorRate)) {
      this.state = { ...this.state, api: { ...this.state.api, tripped: true, trippedAtMs: this.nowMs } };
      this.emit('apiErrors', 'floor', 'tripped', 'exchange API error rate over the limit', {
        calls: counts.calls,
        errors: counts.errors,
        limit: this.b.maxApiErrorRate,
        windowMs: this.b.apiWindowMs,
      });
    }
  }

  manualReset(breaker: BreakerName, scope: BreakerScope, by: string): void {
    const reason = `manual reset by ${by}`;
    const f = this.state.floor;
    if (scope === 'floor') {
      if (breaker === 'dailyDrawdown' && f.dailyDrawdownTripped) {
        // rebase the day's peak, or the next equity event trips it again at once
        this.setFloor({ dailyDrawdownTripped: false, dayPeakEquityMicros: f.lastEquityMicros });
        this.emit(breaker, scope, 'reset', reason, {});
      } else if (breaker === 'dailyLoss' && f.dailyLossTripped) {
        const until = this.nowMs + this.b.reducedSizingMs;
        this.setFloor({ dailyLossTripped: false, dayStartEquityMicros: f.lastEquityMicros, reducedSizingUntilMs: until });
        this.emit(breaker, scope, 'reset', `${reason}; reduced sizing follows`, { reducedSizingUntilMs: until });
      } else if (breaker === 'apiErrors' && this.state.api.tripped) {
        this.state = { ...this.state, api: { calls: [], tripped: false, trippedAtMs: 0 } };
        this.emit(breaker, scope, 'reset', reason, {});
      } else if (breaker === 'drawdownHeat' && f.heatHalted) {
        this.setFloor({ heatHalted: false, peakEquityMicros: f.lastEquityMicros });
        this.emit(breaker, scope, 'reset', `${reason}; high-water mark moved to current equity`, {});
      }
      return;
    }
    const agentId = scope.slice('agent:'.length);
    const a = this.agent(agentId);
    if (breaker === 'lossStreak' && a.lossStreakTripped) {
      this.setAgent(agentId, { lossStreakTripped: false, consecutiveLosses: 0 });
      this.emit(breaker, scope, 'reset', reason, {});
    } else if (breaker === 'drawdownHeat' && a.heatHalted) {
      this.setAgent(agentId, { heatHalted: false, peakEquityMicros: a.lastEquityMicros });
      this.emit(breaker, scope, 'reset', `${reason}; high-water mark moved to current equity`, {});
    }
  }

  private pruneApiWindow(): void {
    const fromMs = this.nowMs - this.b.apiWindowMs;
    const api = this.state.api;
    if (api.calls.length > 0 && (api.calls[0]?.tsMs ?? fromMs + 1) <= fromMs) {
      this.state = { ...this.state, api: { ...api, calls: api.calls.filter((c) => c.tsMs > fromMs) } };
    }
  }
}

// ---------------------------------------------------------------------------------------------- restrictions

export interface BreakerRestrictions {
  readonly floor: ScopedTradingState;
  readonly agent: ScopedTradingState;
  /** 0..1: heat of the floor and the agent, and reduced sizing after a daily-loss reset; the smallest applies */
  readonly sizeMultiplier: number;
}

/**
 * What the breakers allow right now, for the pre-trade view: combine with the Boss's trading state through
 * `mostRestrictive`, and pass `sizeMultiplier` through.
 */
export function breakerRestrictions(state: BreakerState, agentId: string, config: Pick<RiskConfig, 'breakers' | 'heat'>, nowMs: number): BreakerRestrictions {
  const f = state.floor;
  const reducing = (reason: string): ScopedTradingState => ({ state: 'reducing', reason });
  const floorStates: ScopedTradingState[] = [];
  if (f.dailyLossTripped) floorStates.push(reducing('daily loss limit'));
  if (f.dailyDrawdownTripped) floorStates.push(reducing('daily drawdown breaker'));
  if (state.api.tripped) floorStates.push(reducing('exchange API error breaker'));
  if (f.heatHalted) floorStates.push(reducing('floor drawdown halt: manual reset required'));

  const a = state.agents[agentId] ?? NEW_AGENT;
  const agentStates: ScopedTradingState[] = [];
  if (a.lossStreakTripped) agentStates.push(reducing(`${a.consecutiveLosses} losing trades in a row`));
  if (a.heatHalted) agentStates.push(reducing('agent drawdown halt: manual reset required'));

  const floorHeat = f.peakEquityMicros !== null && f.lastEquityMicros !== null ? heatOf(f.peakEquityMicros, f.lastEquityMicros, config.heat).multiplier : 1;
  const agentHeat = a.peakEquityMicros !== null && a.lastEquityMicros !== null ? heatOf(a.peakEquityMicros, a.lastEquityMicros, config.heat).multiplier : 1;
  const reduced = nowMs < f.reducedSizingUntilMs ? config.breakers.reducedSizeMultiplier : 1;
  return {
    floor: mostRestrictive(ACTIVE, ...floorStates),
    agent: mostRestrictive(ACTIVE, ...agentStates),
    sizeMultiplier: Math.min(floorHeat, agentHeat, reduced),
  };
}

// ---------------------------------------------------------------------------------------------- helpers

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** (from − to) ≥ share × from, exactly, in integer millionths. */
function fellBy(fromMicros: bigint, toMicros: bigint, share: number): boolean {
  return fromMicros > 0n && (fromMicros - toMicros) * 1_000_000n >= numberToMicros(share) * fromMicros;
}

function fallNumbers(fromMicros: bigint, toMicros: bigint, limit: number): BreakerNumbers {
  const fall = fromMicros > 0n ? Number(((fromMicros - toMicros) * 1_000_000n) / fromMicros) / 1e6 : 0;
  return { fromMicros: fromMicros.toString(), toMicros: toMicros.toString(), fall, limit };
}

function apiCounts(calls: readonly { ok: boolean }[]): { calls: number; errors: number } {
  return { calls: calls.length, errors: calls.filter((c) => !c.ok).length };
}

/** errors / calls > limit, without floats: errors × 1e6 > limit_ppm × calls. */
function errorRateExceeded(errors: number, calls: number, limit: number): boolean {
  return BigInt(errors) * 1_000_000n > numberToMicros(limit) * BigInt(calls);
}
