import { deterministicId, type OrderIntent } from '@floor/domain';
import {
  checkBudget,
  ForecastInput,
  initialBudgetState,
  recordAttempt,
  recordSpend,
  type BudgetLimits,
  type BudgetState,
  type EnsembleResult,
  type ForecastPort,
} from '@floor/llm';
import type { ForecastEvent } from '@floor/strategies';
import type { Kernel, KernelForecastRequest } from './kernel.js';

/**
 * Between a kernel and a forecast port: takes the forecast requests the strategy made, asks the port within the
 * daily budget and the per-market cooldown, records every forecast, and delivers each answer to the strategy as a
 * `ForecastEvent` through `kernel.onForecast`. The live agent and the backtester both use it, so an AI agent is
 * replayed through the same path it trades through (STYLE #2); only the port differs.
 *
 * The kernel stays pure and synchronous; this is the one asynchronous piece, and it is deterministic whenever the
 * port is: time is the requesting event's time, never the wall clock.
 */

/** One stored forecast: a model's answer, or the aggregate (`aggregated: true`, model = the port's source). */
export interface ForecastRecord {
  readonly agentId: string;
  readonly marketId: string;
  readonly model: string;
  readonly probability: number;
  readonly confidence: number;
  readonly promptHash: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: bigint;
  readonly aggregated: boolean;
  /** event time of the request */
  readonly tsMs: number;
}

export type ForecastSkipReason = 'DAILY_BUDGET_SPENT' | 'MARKET_COOLDOWN' | 'INSUFFICIENT_FORECASTS' | 'PORT_ERROR' | 'INVALID_INPUT';

export interface ForecastBrokerStats {
  readonly requested: number;
  readonly delivered: number;
  readonly skipped: Readonly<Record<ForecastSkipReason, number>>;
  readonly costMicros: bigint;
}

export interface ForecastBrokerOptions {
  readonly agentId: string;
  readonly port: ForecastPort;
  readonly limits: BudgetLimits;
  /** the budget state from a checkpoint; default a fresh one at the first request */
  readonly budget?: BudgetState;
  /** stores forecasts (live: the `forecasts` table; backtest: memory). Awaited before the answer is delivered. */
  readonly record?: (rows: readonly ForecastRecord[]) => void | Promise<void>;
  /** told about requests that got no answer (the agent logs them) */
  readonly onSkip?: (request: KernelForecastRequest, reason: ForecastSkipReason, detail: string) => void;
  readonly signal?: AbortSignal;
}

export interface ForecastBroker {
  /** Serves every request the kernel holds; returns the intents the answers led to, in request order. */
  serve(kernel: Kernel): Promise<OrderIntent[]>;
  /** the budget state, JSON, for the agent's checkpoint */
  budget(): BudgetState | undefined;
  stats(): ForecastBrokerStats;
}

export function createForecastBroker(opts: ForecastBrokerOptions): ForecastBroker {
  const { agentId, port, limits } = opts;
  let budget = opts.budget;
  /** what the last ensemble cost: a call is not started when one like it would overrun the day's budget */
  let lastCostMicros = 0n;
  let requested = 0;
  let delivered = 0;
  let costMicros = 0n;
  const skipped: Record<ForecastSkipReason, number> = {
    DAILY_BUDGET_SPENT: 0,
    MARKET_COOLDOWN: 0,
    INSUFFICIENT_FORECASTS: 0,
    PORT_ERROR: 0,
    INVALID_INPUT: 0,
  };

  const skip = (request: KernelForecastRequest, reason: ForecastSkipReason, detail: string): undefined => {
    skipped[reason] += 1;
    opts.onSkip?.(request, reason, detail);
    return undefined;
  };

  async function ask(request: KernelForecastRequest): Promise<ForecastEvent | undefined> {
    const nowMs = request.tsEventMs;
    const parsed = ForecastInput.safeParse(request.input);
    if (!parsed.success || parsed.data.marketId !== request.marketId) return skip(request, 'INVALID_INPUT', parsed.error?.message ?? 'input is for another market');

    let state = budget ?? initialBudgetState(nowMs);
    const allowed = checkBudget(state, limits, request.marketId, nowMs, lastCostMicros);
    if (!allowed.allowed) return skip(request, allowed.reason, `retry at ${allowed.retryAtMs}`);
    state = recordAttempt(state, limits, request.marketId, nowMs);
    budget = state;

    let result: EnsembleResult;
    try {
      result = await port.forecast(parsed.data, opts.signal);
    } catch (err) {
      return skip(request, 'PORT_ERROR', err instanceof Error ? err.message : String(err));
    }
    budget = recordSpend(state, result.total.costMicros, nowMs);
    lastCostMicros = result.total.costMicros;
    costMicros += result.total.costMicros;

    const rows: ForecastRecord[] = result.forecasts.map((f) => ({
      agentId,
      marketId: request.marketId,
      model: f.modelId,
      probability: f.answer.probability,
      confidence: f.answer.confidence,
      promptHash: f.promptHash,
      inputTokens: f.inputTokens,
      outputTokens: f.outputTokens,
      costMicros: f.costMicros,
      aggregated: false,
      tsMs: nowMs,
    }));
    if (result.status === 'ok') {
      rows.push({
        agentId,
        marketId: request.marketId,
        model: port.source,
        probability: result.probability,
        confidence: result.confidence,
        promptHash: result.promptHash,
        inputTokens: result.total.inputTokens,
        outputTokens: result.total.outputTokens,
        costMicros: result.total.costMicros,
        aggregated: true,
        tsMs: nowMs,
      });
    }
    if (rows.length > 0) await opts.record?.(rows);
    if (result.status !== 'ok') {
      return skip(request, 'INSUFFICIENT_FORECASTS', result.failures.map((f) => `${f.modelId}: ${f.kind}`).join('; '));
    }
    delivered += 1;
    return {
      type: 'forecast',
      v: 1,
      // one forecast per (agent, cause, market): a replay delivers the same event id, and so the same intent ids
      eventId: deterministicId('event', 'forecast', agentId, request.causationId, request.marketId),
      marketId: request.marketId,
      tsMs: nowMs,
      causationId: request.causationId,
      probability: result.probability,
      confidence: result.confidence,
      dispersion: result.dispersion,
      source: port.source,
      promptHash: result.promptHash,
    };
  }

  return {
    async serve(kernel) {
      const intents: OrderIntent[] = [];
      for (const request of kernel.takeForecastRequests()) {
        requested += 1;
        const event = await ask(request);
        if (event) intents.push(...kernel.onForecast(event));
      }
      return intents;
    },
    budget: () => budget,
    stats: () => ({ requested, delivered, skipped: { ...skipped }, costMicros }),
  };
}
