import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { BookSnapshot, type PriceMicros } from '@floor/domain';
import { readAgentPortfolio, type AgentPortfolio, type Db } from '@floor/db';
import type { BusNames } from '@floor/bus';
import { markFromBook, type AgentRow } from './compute.js';

const AgentRowSchema = z.object({ agentId: z.string().min(1), strategy: z.string() });

/**
 * Every agent that has a row in `agents`, plus any agent that holds capital without one (an allocation made
 * before the row, or a deleted row): floor-wide equity must count every dollar in the ledger.
 */
export async function fetchAgents(db: Db): Promise<AgentRow[]> {
  const result = await db.execute(sql`
    SELECT id AS "agentId", strategy FROM agents
    UNION
    SELECT DISTINCT t.agent_id, 'unknown' FROM ledger_txns t
    WHERE t.kind = 'allocation' AND t.agent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = t.agent_id)
    ORDER BY 1`);
  return result.rows.map((r) => AgentRowSchema.parse(r));
}

/** Latest book of each token from Redis, reduced to its mark. Missing, corrupt or one-sided books yield no mark. */
export async function fetchMarks(redis: Redis, names: BusNames, tokenIds: readonly string[]): Promise<Map<string, PriceMicros>> {
  const marks = new Map<string, PriceMicros>();
  const unique = [...new Set(tokenIds)];
  if (unique.length === 0) return marks;
  const values = await redis.mget(...unique.map((t) => names.bookKey(t)));
  unique.forEach((tokenId, i) => {
    const raw = values[i];
    if (!raw) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return; // a corrupt book is no mark: the position is valued at cost and counted as unmarked
    }
    const book = BookSnapshot.safeParse(json);
    if (!book.success) return;
    const mark = markFromBook(book.data);
    if (mark !== null) marks.set(tokenId, mark);
  });
  return marks;
}

export interface PerformanceInputs {
  readonly agents: ReadonlyArray<{ readonly agent: AgentRow; readonly portfolio: AgentPortfolio }>;
  readonly marks: Map<string, PriceMicros>;
}

/** Reads what one monitor tick needs: each agent's book of record (its own snapshot) and the marks of its tokens. */
export async function fetchPerformanceInputs(db: Db, redis: Redis, names: BusNames): Promise<PerformanceInputs> {
  const agents = [];
  for (const agent of await fetchAgents(db)) {
    agents.push({ agent, portfolio: await readAgentPortfolio(db, agent.agentId) });
  }
  const tokenIds = agents.flatMap((a) => a.portfolio.positions.map((p) => p.tokenId));
  return { agents, marks: await fetchMarks(redis, names, tokenIds) };
}
