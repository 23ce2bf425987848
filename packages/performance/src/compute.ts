import { divRound, notionalMicros, type BookSnapshot, type Heartbeat, type PriceMicros, type UsdMicros } from '@floor/domain';
import type { AgentPortfolio } from '@floor/db';

/**
 * Pure performance arithmetic over rows already fetched: no I/O here, so every number the monitor exports can
 * be reproduced in a unit test. Everything stays in integer micro-units; dollars appear only at the metric edge.
 */

export interface AgentRow {
  readonly agentId: string;
  readonly strategy: string;
}

/** tokenId → mark price. A token absent from the map has no usable book. */
export type Marks = ReadonlyMap<string, PriceMicros>;

/** marketId → market category (`markets.category`). A market absent from the map counts as `unknown`. */
export type Categories = ReadonlyMap<string, string>;
export const UNKNOWN_CATEGORY = 'unknown';

/**
 * The mark of a token: the mid of the best bid and best ask (books are best first), floored to a micro.
 * A one-sided or empty book has no mid; its positions are then valued at cost rather than at a guess.
 */
export function markFromBook(book: BookSnapshot): PriceMicros | null {
  const bid = book.bids[0]?.priceMicros;
  const ask = book.asks[0]?.priceMicros;
  if (bid === undefined || ask === undefined) return null;
  return divRound(bid + ask, 2n, 'floor');
}

export interface AgentPerformance {
  readonly agentId: string;
  readonly strategy: string;
  readonly allocatedMicros: UsdMicros;
  readonly cashMicros: UsdMicros;
  /** cash + open positions at mark (at cost where there is no mark) */
  readonly equityMicros: UsdMicros;
  /** realized PnL before fees */
  readonly realizedPnlMicros: UsdMicros;
  /** marked value − cost of the marked positions */
  readonly unrealizedPnlMicros: UsdMicros;
  readonly feesMicros: UsdMicros;
  /** equity − allocated = realized + unrealized − fees */
  readonly pnlMicros: UsdMicros;
  readonly positionsOpen: number;
  readonly unmarkedPositions: number;
  readonly fillCount: number;
  /** open positions at mark (at cost where unmarked): what they would fetch, the capital at risk */
  readonly exposureMicros: UsdMicros;
  /** the same, by market category */
  readonly exposureByCategory: ReadonlyMap<string, UsdMicros>;
}

export function computeAgentPerformance(agent: AgentRow, portfolio: AgentPortfolio, marks: Marks, categories: Categories = new Map()): AgentPerformance {
  let valueMicros = 0n;
  const exposureByCategory = new Map<string, UsdMicros>();
  const expose = (marketId: string, micros: UsdMicros) => {
    const category = categories.get(marketId) ?? UNKNOWN_CATEGORY;
    exposureByCategory.set(category, (exposureByCategory.get(category) ?? 0n) + micros);
  };
  let unrealizedPnlMicros = 0n;
  let positionsOpen = 0;
  let unmarkedPositions = 0;
  for (const position of portfolio.positions) {
    if (position.sizeMicros === 0n) continue;
    positionsOpen += 1;
    const mark = marks.get(position.tokenId);
    if (mark === undefined) {
      unmarkedPositions += 1;
      valueMicros += position.costMicros;
      expose(position.marketId, position.costMicros);
      continue;
    }
    // Floored like a sell's proceeds: a mark never credits more than selling at that price would.
    const marked = notionalMicros(mark, position.sizeMicros, 'floor');
    valueMicros += marked;
    expose(position.marketId, marked);
    unrealizedPnlMicros += marked - position.costMicros;
  }
  const equityMicros = portfolio.cashMicros + valueMicros;
  return {
    agentId: agent.agentId,
    strategy: agent.strategy,
    allocatedMicros: portfolio.allocatedMicros,
    cashMicros: portfolio.cashMicros,
    equityMicros,
    realizedPnlMicros: portfolio.realizedPnlMicros,
    unrealizedPnlMicros,
    feesMicros: portfolio.feesMicros,
    pnlMicros: equityMicros - portfolio.allocatedMicros,
    positionsOpen,
    unmarkedPositions,
    fillCount: portfolio.fillCount,
    exposureMicros: valueMicros,
    exposureByCategory,
  };
}

/** The floor's book: every agent's summed, exposure by category included. */
export interface FloorPerformance {
  readonly allocatedMicros: UsdMicros;
  readonly cashMicros: UsdMicros;
  readonly equityMicros: UsdMicros;
  readonly realizedPnlMicros: UsdMicros;
  readonly unrealizedPnlMicros: UsdMicros;
  readonly feesMicros: UsdMicros;
  readonly pnlMicros: UsdMicros;
  readonly positionsOpen: number;
  readonly exposureMicros: UsdMicros;
  readonly exposureByCategory: ReadonlyMap<string, UsdMicros>;
}

export function computeFloorPerformance(agents: readonly AgentPerformance[]): FloorPerformance {
  const exposureByCategory = new Map<string, UsdMicros>();
  for (const a of agents) {
    for (const [category, micros] of a.exposureByCategory) exposureByCategory.set(category, (exposureByCategory.get(category) ?? 0n) + micros);
  }
  const sum = (pick: (a: AgentPerformance) => bigint) => agents.reduce((s, a) => s + pick(a), 0n);
  return {
    allocatedMicros: sum((a) => a.allocatedMicros),
    cashMicros: sum((a) => a.cashMicros),
    equityMicros: sum((a) => a.equityMicros),
    realizedPnlMicros: sum((a) => a.realizedPnlMicros),
    unrealizedPnlMicros: sum((a) => a.unrealizedPnlMicros),
    feesMicros: sum((a) => a.feesMicros),
    pnlMicros: sum((a) => a.pnlMicros),
    positionsOpen: agents.reduce((s, a) => s + a.positionsOpen, 0),
    exposureMicros: sum((a) => a.exposureMicros),
    exposureByCategory,
  };
}

/** PnL over allocated capital; null while nothing is allocated (a return on zero means nothing). */
export function returnOnAllocated(pnlMicros: UsdMicros, allocatedMicros: UsdMicros): number | null {
  return allocatedMicros > 0n ? Number(pnlMicros) / Number(allocatedMicros) : null;
}

export interface ProcessHealth {
  readonly app: string;
  readonly instance: string;
  readonly up: boolean;
  readonly ageSeconds: number;
  /** the worst event-loop delay the process saw over its last heartbeat interval */
  readonly eventLoopLagSeconds: number;
}

/**
 * A process is up while its last heartbeat is younger than `staleAfterMs` (the Boss's own threshold).
 *
 * A stale heartbeat is left out when a fresh one of the same role (app, and agent for agents) exists: that
 * process was replaced (an executor restarted under a new pid-based instance id), not lost, and reporting
 * it down would raise a false alarm until its key expires.
 */
export function computeProcessHealth(heartbeats: Iterable<Heartbeat>, nowMs: number, staleAfterMs: number): ProcessHealth[] {
  const isFresh = (hb: Heartbeat) => nowMs - hb.tsMs <= staleAfterMs;
  const role = (hb: Heartbeat) => `${hb.app}\u0000${hb.agentId ?? ''}`;
  const all = [...heartbeats];
  const rolesUp = new Set(all.filter(isFresh).map(role));
  const out: ProcessHealth[] = [];
  for (const hb of all) {
    const up = isFresh(hb);
    if (!up && rolesUp.has(role(hb))) continue;
    out.push({
      app: hb.app,
      instance: hb.instanceId,
      up,
      ageSeconds: Math.max(0, nowMs - hb.tsMs) / 1000,
      eventLoopLagSeconds: hb.eventLoopLagMs / 1000,
    });
  }
  return out.sort((a, b) => a.app.localeCompare(b.app) || a.instance.localeCompare(b.instance));
}

/** Micro-units to dollars: the one place an integer amount becomes a float, for Prometheus only. */
export function microsToUsd(micros: bigint): number {
  // Exact for |micros| < 2^53 (≈ $9 billion): the division is correctly rounded.
  return Number(micros) / 1_000_000;
}
