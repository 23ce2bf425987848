import { z } from 'zod';
import type { TradeFill } from '@floor/db';

/**
 * Closed trades ("round trips") from fills, as a fold: a trip in one token opens with the first BUY from flat
 * and closes when the position is flat again, by SELLs or by the settlement at resolution. Its PnL is the
 * realized PnL of its fills minus their fees (as the backtester counts it); the capital it put at risk is
 * the cash its BUYs paid, fees included. Pure, and resumable: the open trips are plain data the Boss saves
 * with its reading position, so the breakers see each closed trade exactly once across restarts.
 */

export interface OpenTrip {
  readonly agentId: string;
  readonly tokenId: string;
  readonly marketId: string;
  readonly openedAtMs: number;
  readonly sizeMicros: bigint;
  readonly pnlMicros: bigint;
  readonly costMicros: bigint;
}

export interface ClosedTrade {
  readonly agentId: string;
  readonly tokenId: string;
  readonly marketId: string;
  readonly openedAtMs: number;
  readonly closedAtMs: number;
  /** realized PnL − fees over the trip */
  readonly pnlMicros: bigint;
  /** cash paid by its BUYs, fees included */
  readonly costMicros: bigint;
  readonly settled: boolean;
  /** seq of the fill that closed it */
  readonly seq: bigint;
}

/** Open trips by `${agentId}|${tokenId}`. */
export type OpenTrips = ReadonlyMap<string, OpenTrip>;

const tripKey = (agentId: string, tokenId: string) => `${agentId}|${tokenId}`;

/** Folds fills (in seq order) into the open trips; returns the trips they closed, in order. */
export function foldFills(open: OpenTrips, fills: readonly TradeFill[]): { open: Map<string, OpenTrip>; closed: ClosedTrade[] } {
  const next = new Map(open);
  const closed: ClosedTrade[] = [];
  for (const f of fills) {
    const key = tripKey(f.agentId, f.tokenId);
    const trip = next.get(key) ?? { agentId: f.agentId, tokenId: f.tokenId, marketId: f.marketId, openedAtMs: f.tsMs, sizeMicros: 0n, pnlMicros: 0n, costMicros: 0n };
    const buy = f.side === 'BUY' && f.kind === 'trade';
    const sizeMicros = buy ? trip.sizeMicros + f.sizeMicros : trip.sizeMicros - f.sizeMicros;
    const updated: OpenTrip = {
      ...trip,
      sizeMicros,
      pnlMicros: trip.pnlMicros + f.realizedPnlMicros - f.feeMicros,
      costMicros: trip.costMicros + (buy ? -f.cashDeltaMicros : 0n),
    };
    if (sizeMicros > 0n) {
      next.set(key, updated);
      continue;
    }
    next.delete(key);
    // a SELL with no BUY on record (history before the Boss's reading started) closes nothing it can judge
    if (updated.costMicros <= 0n) continue;
    closed.push({
      agentId: f.agentId,
      tokenId: f.tokenId,
      marketId: updated.marketId,
      openedAtMs: updated.openedAtMs,
      closedAtMs: f.tsMs,
      pnlMicros: updated.pnlMicros,
      costMicros: updated.costMicros,
      settled: f.kind === 'settlement',
      seq: f.seq,
    });
  }
  return { open: next, closed };
}

/** pnl / capital at risk: the per-trade return @floor/evolution judges agents on. */
export function tradeReturn(t: Pick<ClosedTrade, 'pnlMicros' | 'costMicros'>): number {
  return t.costMicros > 0n ? Number(t.pnlMicros) / Number(t.costMicros) : 0;
}

/** Closed trades grouped by agent, each list oldest first. */
export function tradesByAgent(trades: readonly ClosedTrade[]): Map<string, ClosedTrade[]> {
  const out = new Map<string, ClosedTrade[]>();
  for (const t of trades) {
    const list = out.get(t.agentId);
    if (list) list.push(t);
    else out.set(t.agentId, [t]);
  }
  return out;
}

const Micros = z.string().regex(/^-?\d+$/).transform((s) => BigInt(s));
const OpenTripJson = z.object({
  agentId: z.string(),
  tokenId: z.string(),
  marketId: z.string(),
  openedAtMs: z.number(),
  sizeMicros: Micros,
  pnlMicros: Micros,
  costMicros: Micros,
});

export function openTripsToJson(open: OpenTrips): unknown {
  return [...open.values()].map((t) => ({ ...t, sizeMicros: t.sizeMicros.toString(), pnlMicros: t.pnlMicros.toString(), costMicros: t.costMicros.toString() }));
}

export function parseOpenTrips(json: unknown): Map<string, OpenTrip> {
  const trips = z.array(OpenTripJson).parse(json ?? []);
  return new Map(trips.map((t) => [tripKey(t.agentId, t.tokenId), t]));
}
