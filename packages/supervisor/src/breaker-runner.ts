import type { AlertEvent } from '@floor/alerts';
import type { Redis } from 'ioredis';
import {
  agentTradingScope,
  floorTradingScope,
  publishTradingStates,
  readVenueCalls,
  takeBreakerResetRequests,
  type BusNames,
  type PublishedTradingState,
} from '@floor/bus';
import { BookSnapshot, midMicros, notionalMicros } from '@floor/domain';
import { listAgents, loadBreakerState, readAgentPortfolio, readTradeFills, saveBreakerStep, type AgentPortfolio, type Db } from '@floor/db';
import {
  agentScope,
  BREAKER_NAMES,
  breakerRestrictions,
  breakerStateToJson,
  initialBreakerState,
  parseBreakerState,
  runBreakers,
  type BreakerEvent,
  type BreakerInput,
  type BreakerName,
  type BreakerScope,
  type BreakerState,
  type RiskConfig,
} from '@floor/risk';
import type { Logger } from '@floor/telemetry';
import { BOSS_ACTOR } from './evolution/evaluate.js';
import { foldFills, openTripsToJson, parseOpenTrips, type ClosedTrade, type OpenTrip } from './evolution/trips.js';

/**
 * The Boss owns the circuit breakers (@floor/risk `stepBreakers`): each tick it folds what happened since the
 * last one into the breakers' state machine, saves the state, records every trip and reset (breaker_events and
 * the audit log, one transaction), and publishes the trading state of the floor and of each agent to Redis
 * (`tradingStateKey`) for the executor's pre-trade check.
 *
 * Inputs it derives: a `tradeClosed` per round trip closed since the last tick (fills after the saved seq),
 * the equity of each active agent (per allotted dollar) and of the floor (cash + positions at the mid of the
 * latest book, at cost without one; see `readEquity`), and a `clock` tick so day
 * rollovers and cooldowns happen with nothing else going on. API error samples are not published by the
 * executor yet; the `apiErrors` breaker stays idle until they are.
 */

/** The breaker inputs of one tick, in time order: closed trades, then the equities and the clock at `nowMs`. */
export function breakerInputsOf(closed: readonly ClosedTrade[], equity: { floorMicros: bigint; agents: ReadonlyMap<string, bigint> }, nowMs: number): BreakerInput[] {
  const inputs: BreakerInput[] = closed.map((t) => ({ type: 'tradeClosed', agentId: t.agentId, pnlMicros: t.pnlMicros, tsMs: Math.min(t.closedAtMs, nowMs) }));
  for (const [agentId, equityMicros] of equity.agents) inputs.push({ type: 'agentEquity', agentId, equityMicros, tsMs: nowMs });
  inputs.push({ type: 'floorEquity', equityMicros: equity.floorMicros, tsMs: nowMs });
  inputs.push({ type: 'clock', tsMs: nowMs });
  return inputs;
}

/** What to publish: the floor's state, and each agent's own (its size multiplier includes the floor's heat). */
export function tradingStatesOf(state: BreakerState, agentIds: readonly string[], risk: Pick<RiskConfig, 'breakers' | 'heat'>, nowMs: number): Map<string, PublishedTradingState> {
  const out = new Map<string, PublishedTradingState>();
  const floor = breakerRestrictions(state, '', risk, nowMs);
  out.set(floorTradingScope, { ...floor.floor, sizeMultiplier: floorOnlyMultiplier(state, risk, nowMs), tsMs: nowMs });
  for (const agentId of agentIds) {
    const r = breakerRestrictions(state, agentId, risk, nowMs);
    out.set(agentTradingScope(agentId), { ...r.agent, sizeMultiplier: r.sizeMultiplier, tsMs: nowMs });
  }
  return out;
}

/** The floor's multiplier alone: an agent id nobody has, whose own heat is therefore 1. */
function floorOnlyMultiplier(state: BreakerState, risk: Pick<RiskConfig, 'breakers' | 'heat'>, nowMs: number): number {
  return breakerRestrictions(state, '\u0000no-agent', risk, nowMs).sizeMultiplier;
}

/** An agent's equity: cash + positions at mid (at cost without a two-sided book). */
export function agentEquityMicros(portfolio: Pick<AgentPortfolio, 'cashMicros' | 'positions'>, marks: ReadonlyMap<string, bigint>): bigint {
  let value = portfolio.cashMicros;
  for (const p of portfolio.positions) {
    const mark = marks.get(p.tokenId);
    value += mark === undefined ? p.costMicros : notionalMicros(mark, p.sizeMicros, 'floor');
  }
  return value;
}

export interface BreakerRunnerOptions {
  readonly db: Db;
  readonly redis: Redis;
  readonly names: BusNames;
  readonly risk: RiskConfig;
  readonly bankrollMicros: bigint;
  readonly log: Logger;
  /** tells people about trips and resets (Telegram/Slack/Discord when configured) */
  readonly alert?: (event: AlertEvent) => void;
}

/** Fills read per tick at most; a backlog is worked off over the following ticks. */
const FILLS_PER_TICK = 5_000;

export class BreakerRunner {
  private state: BreakerState = initialBreakerState();
  private open = new Map<string, OpenTrip>();
  private lastFillSeq = 0n;
  private loaded = false;
  private lastSaved = '';
  private lastPublished = '';
  /** the last whole second of venue-call counts fed to the breakers */
  private lastVenueSecond: number | undefined;

  constructor(private readonly opts: BreakerRunnerOptions) {}

  /** The current state (after the last tick). */
  get current(): BreakerState {
    return this.state;
  }

  /** One tick. Returns the transitions it caused. */
  async tick(nowMs: number): Promise<BreakerEvent[]> {
    await this.load();
    const { db } = this.opts;
    const fills = await readTradeFills(db, { afterSeq: this.lastFillSeq, limit: FILLS_PER_TICK });
    const folded = foldFills(this.open, fills);
    const rows = (await listAgents(db)).filter((r) => r.status !== 'retired');
    const equity = await this.readEquity(rows.map((r) => r.id));
    const active = rows.filter((r) => r.status === 'active').map((r) => r.id);
    const agentEquities = new Map([...equity.perAllottedDollar].filter(([id]) => active.includes(id)));
    const resets = await this.takeResetRequests(nowMs);
    const apiCalls = await this.takeVenueCalls(nowMs);
    const inputs = [...resets, ...apiCalls, ...breakerInputsOf(folded.closed, { floorMicros: equity.floorMicros, agents: agentEquities }, nowMs)];
    const step = runBreakers(this.state, inputs, this.opts.risk);
    await this.commit(step.state, folded.open, fills.at(-1)?.seq ?? this.lastFillSeq, step.events);
    await this.publish(active, nowMs);
    return step.events;
  }

  /**
   * Resets the loss-streak breakers of the given agents (a new evaluation period gives a paused agent that was
   * not retired a fresh start; its trips still count toward retirement).
   */
  async resetLossStreaks(agentIds: readonly string[], nowMs: number, by: string): Promise<BreakerEvent[]> {
    await this.load();
    const inputs: BreakerInput[] = agentIds
      .filter((id) => this.state.agents[id]?.lossStreakTripped)
      .map((id) => ({ type: 'manualReset', breaker: 'lossStreak', scope: agentScope(id), by, tsMs: nowMs }));
    if (inputs.length === 0) return [];
    const step = runBreakers(this.state, inputs, this.opts.risk);
    await this.commit(step.state, this.open, this.lastFillSeq, step.events);
    return step.events;
  }

  /**
   * Venue API calls the collector and executor counted since the last tick, whole seconds only, as the API-error
   * breaker's inputs. Not persisted: after a Boss restart the breaker re-reads what Redis still holds (10 minutes).
   */
  private async takeVenueCalls(nowMs: number): Promise<BreakerInput[]> {
    const through = Math.floor(nowMs / 1000) - 1;
    const after = this.lastVenueSecond ?? through - 60;
    const buckets = await readVenueCalls(this.opts.redis, this.opts.names, after, through);
    this.lastVenueSecond = through;
    return buckets.flatMap((b) => [
      ...Array.from({ length: b.ok }, () => ({ type: 'apiCall' as const, ok: true, tsMs: b.epochSecond * 1000 })),
      ...Array.from({ length: b.err }, () => ({ type: 'apiCall' as const, ok: false, tsMs: b.epochSecond * 1000 })),
    ]);
  }

  /** Operators' reset requests (`floor breaker reset`), as manual-reset inputs; a request naming no breaker is logged. */
  private async takeResetRequests(nowMs: number): Promise<BreakerInput[]> {
    const { requests, invalid } = await takeBreakerResetRequests(this.opts.redis, this.opts.names);
    for (const entry of invalid) this.opts.log.error({ entry }, 'ignoring a malformed breaker reset request');
    const inputs: BreakerInput[] = [];
    for (const r of requests) {
      if (!(BREAKER_NAMES as readonly string[]).includes(r.breaker)) {
        this.opts.log.error({ breaker: r.breaker, known: BREAKER_NAMES }, 'ignoring a reset request for an unknown breaker');
        continue;
      }
      this.opts.log.info({ breaker: r.breaker, scope: r.scope, by: r.by }, 'manual breaker reset requested');
      inputs.push({ type: 'manualReset', breaker: r.breaker as BreakerName, scope: r.scope as BreakerScope, by: r.by, tsMs: nowMs });
    }
    return inputs;
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const stored = await loadBreakerState(this.opts.db);
    if (stored) {
      this.state = parseBreakerState(stored.state);
      this.open = parseOpenTrips(stored.openTrips);
      this.lastFillSeq = stored.lastFillSeq;
    }
    this.loaded = true;
  }

  /** Saves (only when something changed) and only then adopts the new state: a failed save is retried next tick. */
  private async commit(state: BreakerState, open: Map<string, OpenTrip>, lastFillSeq: bigint, events: readonly BreakerEvent[]): Promise<void> {
    const stored = { state: breakerStateToJson(state), openTrips: openTripsToJson(open), lastFillSeq };
    const fingerprint = JSON.stringify(stored, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (events.length > 0 || fingerprint !== this.lastSaved) {
      await saveBreakerStep(this.opts.db, stored, events, BOSS_ACTOR);
      this.lastSaved = fingerprint;
    }
    this.state = state;
    this.open = open;
    this.lastFillSeq = lastFillSeq;
    for (const e of events) {
      const log = e.transition === 'tripped' ? this.opts.log.warn.bind(this.opts.log) : this.opts.log.info.bind(this.opts.log);
      log({ breaker: e.breaker, scope: e.scope, reason: e.reason, numbers: e.numbers }, `breaker ${e.transition}`);
      const agentId = e.scope === 'floor' ? null : e.scope.slice('agent:'.length);
      this.opts.alert?.(
        e.transition === 'tripped'
          ? { type: 'breaker_tripped', breaker: e.breaker, agentId, reason: e.reason }
          : { type: 'breaker_reset', breaker: e.breaker, agentId },
      );
    }
  }

  private async publish(agentIds: readonly string[], nowMs: number): Promise<void> {
    const states = tradingStatesOf(this.state, agentIds, this.opts.risk, nowMs);
    // republish on change, and at least every minute so a reader can tell a live Boss from a stale key
    const fingerprint = JSON.stringify([...states].map(([scope, s]) => [scope, s.state, s.reason, s.sizeMultiplier]));
    const minute = Math.floor(nowMs / 60_000);
    if (fingerprint === this.lastPublished.split('@')[0] && this.lastPublished.endsWith(`@${minute}`)) return;
    await publishTradingStates(this.opts.redis, this.opts.names, states);
    this.lastPublished = `${fingerprint}@${minute}`;
  }

  /**
   * The floor's equity (bankroll + Σ (equity − allotment): moving capital between agents does not change it) and
   * each funded agent's equity per allotted dollar, in micros (1_000_000 = break-even). The agent's heat is fed
   * the latter, so that the Boss cutting an allotment is not read as a drawdown.
   */
  private async readEquity(agentIds: readonly string[]): Promise<{ floorMicros: bigint; perAllottedDollar: Map<string, bigint> }> {
    const portfolios = [];
    for (const id of agentIds) portfolios.push(await readAgentPortfolio(this.opts.db, id));
    const marks = await this.readMarks(portfolios.flatMap((p) => p.positions.map((x) => x.tokenId)));
    const perAllottedDollar = new Map<string, bigint>();
    let floorMicros = this.opts.bankrollMicros;
    for (const p of portfolios) {
      const equity = agentEquityMicros(p, marks);
      if (p.allocatedMicros > 0n) perAllottedDollar.set(p.agentId, (equity * 1_000_000n) / p.allocatedMicros);
      floorMicros += equity - p.allocatedMicros;
    }
    return { floorMicros, perAllottedDollar };
  }

  private async readMarks(tokenIds: readonly string[]): Promise<Map<string, bigint>> {
    const marks = new Map<string, bigint>();
    const unique = [...new Set(tokenIds)];
    if (unique.length === 0) return marks;
    const values = await this.opts.redis.mget(...unique.map((t) => this.opts.names.bookKey(t)));
    unique.forEach((tokenId, i) => {
      const raw = values[i];
      if (!raw) return;
      try {
        const book = BookSnapshot.safeParse(JSON.parse(raw));
        const mid = book.success ? midMicros(book.data) : undefined;
        if (mid !== undefined) marks.set(tokenId, mid);
      } catch {
        // an unreadable book is no mark: the position counts at cost
      }
    });
    return marks;
  }
}
