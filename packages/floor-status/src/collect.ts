import type { Redis } from 'ioredis';
import { readHeartbeats, readKillSwitch, type BusNames } from '@floor/bus';
import { listAgents, readAgentPortfolio, type Db } from '@floor/db';
import { agentProcessName, BookSnapshot, divRound, formatMicros, notionalMicros } from '@floor/domain';
import { readConfigErrors, type ConfigErrorEntry, type ProcessView } from '@floor/supervisor';
import { collectBreakers, type BreakersStatus } from './breakers.js';

/**
 * Everything `floor status` shows, as plain JSON: the same object is printed by `--json` and rendered as the
 * table, so the two can never disagree. Money is an integer count of micro-USDC plus its decimal form.
 */

/** An amount in both forms: `micros` is exact, `usd` is `micros` formatted (never computed separately). */
export interface Money {
  readonly micros: string;
  readonly usd: string;
}

export function money(micros: bigint): Money {
  return { micros: micros.toString(), usd: formatMicros(micros, 2) };
}

export interface ProcessStatus {
  readonly name: string;
  readonly status: string;
  readonly pid: number | null;
  readonly restarts: number;
  readonly uptimeMs: number;
}

export interface HeartbeatStatus {
  readonly app: string;
  readonly instanceId: string;
  readonly agentId: string | null;
  readonly pid: number;
  readonly state: string;
  readonly ageMs: number;
  /** older than the Boss's stale limit */
  readonly stale: boolean;
  readonly detail: string;
}

export interface PositionStatus {
  readonly tokenId: string;
  readonly marketId: string;
  readonly sizeMicros: string;
  readonly cost: Money;
  /** mid of the latest book, or null when there is no two-sided book for the token */
  readonly markPriceMicros: string | null;
  /** at mid; at cost when the mark is missing */
  readonly value: Money;
  readonly markMissing: boolean;
}

export interface AgentStatus {
  readonly agentId: string;
  readonly strategy: string;
  readonly status: string;
  readonly weight: number;
  readonly process: ProcessStatus | null;
  readonly heartbeat: HeartbeatStatus | null;
  readonly killed: string | null;
  readonly allocated: Money;
  readonly cash: Money;
  readonly positionsCount: number;
  readonly positionsAtCost: Money;
  readonly positionsValue: Money;
  readonly realizedPnl: Money;
  readonly fees: Money;
  readonly unrealizedPnl: Money;
  /** cash + positions marked at mid (at cost where a mark is missing) */
  readonly equity: Money;
  /** tokens valued at cost because no mid was available: equity and unrealized PnL are incomplete for them */
  readonly missingMarks: readonly string[];
  readonly fillCount: number;
  readonly positions: readonly PositionStatus[];
}

export interface FloorStatus {
  readonly generatedAtMs: number;
  readonly prefix: string;
  /** null when no PM2 daemon is running (the floor is down) */
  readonly processes: readonly ProcessStatus[] | null;
  readonly heartbeats: readonly HeartbeatStatus[];
  readonly agents: readonly AgentStatus[];
  readonly totals: {
    readonly cash: Money;
    readonly positionsAtCost: Money;
    readonly positionsValue: Money;
    readonly realizedPnl: Money;
    readonly unrealizedPnl: Money;
    readonly fees: Money;
    readonly equity: Money;
    readonly missingMarks: number;
  };
  readonly configErrors: readonly ConfigErrorEntry[];
  readonly killSwitch: { readonly on: boolean; readonly reason: string };
  /** circuit breakers: trading states the Boss published, trip counts, latest transitions */
  readonly breakers?: BreakersStatus;
}

export interface CollectOptions {
  readonly db: Db;
  readonly redis: Redis;
  readonly names: BusNames;
  /** what PM2 lists; omit when no daemon is running */
  readonly pm2List?: readonly ProcessView[] | undefined;
  /** heartbeats older than this are flagged stale (the floor's heartbeat.staleAfterMs) */
  readonly staleAfterMs?: number;
  readonly nowMs?: number;
}

/** Mid of a two-sided book, rounded half up to a micro; undefined if either side is empty or the JSON is bad. */
export function midPriceMicros(bookJson: string | null): bigint | undefined {
  if (!bookJson) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(bookJson);
  } catch {
    return undefined;
  }
  const book = BookSnapshot.safeParse(raw);
  if (!book.success) return undefined;
  const bid = book.data.bids[0]?.priceMicros;
  const ask = book.data.asks[0]?.priceMicros;
  if (bid === undefined || ask === undefined) return undefined;
  return divRound(bid + ask, 2n, 'halfUp');
}

const toProcessStatus = (p: ProcessView): ProcessStatus => ({
  name: p.name,
  status: p.status,
  pid: p.pid ?? null,
  restarts: p.restarts,
  uptimeMs: p.uptimeMs,
});

export async function collectFloorStatus(opts: CollectOptions): Promise<FloorStatus> {
  const { db, redis, names } = opts;
  const nowMs = opts.nowMs ?? Date.now();
  const staleAfterMs = opts.staleAfterMs ?? 15_000;

  const [rawHeartbeats, configErrors, killSwitch, rows] = await Promise.all([
    readHeartbeats(redis, names),
    readConfigErrors(redis, names),
    readKillSwitch(redis, names),
    listAgents(db),
  ]);
  const heartbeats: HeartbeatStatus[] = rawHeartbeats
    .map((hb) => {
      const ageMs = Math.max(0, nowMs - hb.tsMs);
      return {
        app: hb.app,
        instanceId: hb.instanceId,
        agentId: hb.agentId ?? null,
        pid: hb.pid,
        state: hb.state,
        ageMs,
        stale: ageMs > staleAfterMs,
        detail: hb.detail,
      };
    })
    .sort((a, b) => `${a.app}:${a.instanceId}`.localeCompare(`${b.app}:${b.instanceId}`));
  const processes = opts.pm2List ? opts.pm2List.map(toProcessStatus).sort((a, b) => a.name.localeCompare(b.name)) : null;

  const agents: AgentStatus[] = [];
  for (const row of rows) {
    const portfolio = await readAgentPortfolio(db, row.id);
    const books = portfolio.positions.length
      ? await redis.mget(...portfolio.positions.map((p) => names.bookKey(p.tokenId)))
      : [];
    const positions: PositionStatus[] = portfolio.positions.map((p, i) => {
      const mid = midPriceMicros(books[i] ?? null);
      const valueMicros = mid === undefined ? p.costMicros : notionalMicros(mid, p.sizeMicros, 'floor');
      return {
        tokenId: p.tokenId,
        marketId: p.marketId,
        sizeMicros: p.sizeMicros.toString(),
        cost: money(p.costMicros),
        markPriceMicros: mid === undefined ? null : mid.toString(),
        value: money(valueMicros),
        markMissing: mid === undefined,
      };
    });
    const atCost = portfolio.positions.reduce((s, p) => s + p.costMicros, 0n);
    const value = positions.reduce((s, p) => s + BigInt(p.value.micros), 0n);
    const agentKill = await redis.get(names.agentKillKey(row.id));
    const proc = processes?.find((p) => p.name === agentProcessName(row.id)) ?? null;
    const hb = heartbeats.filter((h) => h.app === 'agent' && (h.agentId ?? h.instanceId) === row.id).sort((a, b) => a.ageMs - b.ageMs)[0];
    agents.push({
      agentId: row.id,
      strategy: row.strategy,
      status: row.status,
      weight: row.weight,
      process: proc,
      heartbeat: hb ?? null,
      killed: agentKill ? killReason(agentKill) : null,
      allocated: money(portfolio.allocatedMicros),
      cash: money(portfolio.cashMicros),
      positionsCount: positions.length,
      positionsAtCost: money(atCost),
      positionsValue: money(value),
      realizedPnl: money(portfolio.realizedPnlMicros),
      fees: money(portfolio.feesMicros),
      unrealizedPnl: money(value - atCost),
      equity: money(portfolio.cashMicros + value),
      missingMarks: positions.filter((p) => p.markMissing).map((p) => p.tokenId),
      fillCount: portfolio.fillCount,
      positions,
    });
  }

  const breakers = await collectBreakers(db, redis, names, rows.filter((r) => r.status !== 'retired').map((r) => r.id));
  const sum = (pick: (a: AgentStatus) => Money) => money(agents.reduce((s, a) => s + BigInt(pick(a).micros), 0n));
  return {
    generatedAtMs: nowMs,
    prefix: names.prefix,
    processes,
    heartbeats,
    agents,
    totals: {
      cash: sum((a) => a.cash),
      positionsAtCost: sum((a) => a.positionsAtCost),
      positionsValue: sum((a) => a.positionsValue),
      realizedPnl: sum((a) => a.realizedPnl),
      unrealizedPnl: sum((a) => a.unrealizedPnl),
      fees: sum((a) => a.fees),
      equity: sum((a) => a.equity),
      missingMarks: agents.reduce((n, a) => n + a.missingMarks.length, 0),
    },
    configErrors,
    killSwitch: { on: killSwitch.global, reason: killSwitch.reason },
    breakers,
  };
}

function killReason(value: string): string {
  try {
    const reason = (JSON.parse(value) as { reason?: unknown }).reason;
    return typeof reason === 'string' && reason ? reason : 'kill switch on';
  } catch {
    return 'kill switch on';
  }
}
