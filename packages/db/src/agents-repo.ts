import { and, desc, eq, notInArray, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './client.js';
import { appendAudit, type Actor } from './audit.js';
import { agents, lifecycleEvents } from './schema.js';

/**
 * The agents table and the lifecycle log, as the Boss writes them. Lifecycle events and the audit row of the
 * admin action behind them commit in one transaction (STYLE #9), so the log never claims a restart nobody
 * audited.
 */

export const AgentStatus = z.enum(['active', 'stopped', 'retired', 'faulted']);
export type AgentStatus = z.infer<typeof AgentStatus>;

export const UpsertAgentInput = z.object({
  id: z.string().min(1),
  strategy: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  weight: z.number().positive(),
  markets: z.unknown(),
  status: AgentStatus.default('active'),
  sourceFile: z.string().nullable(),
  live: z.boolean().default(false),
  /** the strategy file's `risk:` block as `riskOverrideToJson` writes it; null = the floor's limits apply as they are */
  risk: z.record(z.string(), z.union([z.string(), z.number()])).nullable().default(null),
});
export type UpsertAgentInput = z.input<typeof UpsertAgentInput>;

/**
 * Creates or updates an agent row from its strategy file. Lineage (parent, generation) is set only on insert:
 * a file-defined agent is generation 0, and editing its file must not rewrite a clone's ancestry.
 */
export async function upsertAgent(db: Db, input: UpsertAgentInput): Promise<void> {
  const row = UpsertAgentInput.parse(input);
  const values = {
    strategy: row.strategy,
    params: row.params,
    weight: row.weight,
    // jsonb NOT NULL: an absent selector means every market
    markets: row.markets ?? 'all',
    status: row.status,
    sourceFile: row.sourceFile,
    live: row.live,
    risk: row.risk,
  };
  await db
    .insert(agents)
    .values({ id: row.id, ...values, generation: 0 })
    .onConflictDoUpdate({ target: agents.id, set: { ...values, updatedAt: new Date() } });
}

/**
 * Sets an agent's status (e.g. `stopped` when its file is removed). Returns false if there is no such agent, or
 * its status is one of `unless` (a retired agent whose process is then stopped stays `retired`).
 */
export async function setAgentStatus(db: Db, agentId: string, status: AgentStatus, opts: { unless?: readonly AgentStatus[] } = {}): Promise<boolean> {
  const keep = opts.unless ?? [];
  const res = await db
    .update(agents)
    .set({ status: AgentStatus.parse(status), updatedAt: new Date() })
    .where(keep.length ? and(eq(agents.id, agentId), notInArray(agents.status, [...keep])) : eq(agents.id, agentId))
    .returning({ id: agents.id });
  return res.length > 0;
}

export const CloneAgentInput = z.object({
  id: z.string().min(1),
  strategy: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  markets: z.unknown(),
  parentId: z.string().min(1),
  generation: z.number().int().positive(),
  sourceFile: z.string(),
});
export type CloneAgentInput = z.input<typeof CloneAgentInput>;

/**
 * Registers a clone before its strategy file appears, so the folder scan finds the row with its lineage already
 * set (`upsertAgent` never rewrites lineage). Idempotent; a clone is never live.
 */
export async function registerCloneAgent(db: Db, input: CloneAgentInput): Promise<void> {
  const row = CloneAgentInput.parse(input);
  const values = {
    strategy: row.strategy,
    params: row.params,
    markets: row.markets ?? 'all',
    status: 'active' as const,
    parentId: row.parentId,
    generation: row.generation,
    sourceFile: row.sourceFile,
    live: false,
  };
  await db
    .insert(agents)
    .values({ id: row.id, weight: 1, ...values })
    .onConflictDoUpdate({ target: agents.id, set: { ...values, updatedAt: new Date() } });
}

export type AgentRow = typeof agents.$inferSelect;

export async function listAgents(db: Db, opts: { status?: AgentStatus } = {}): Promise<AgentRow[]> {
  const where = opts.status ? eq(agents.status, opts.status) : undefined;
  return db.select().from(agents).where(where).orderBy(agents.id);
}

/** What happened to a process. Kept as a closed list so dashboards and tests can rely on the names. */
export const LifecycleKind = z.enum([
  'started',
  'restarted_hung',
  'restarted_changed',
  'stopped',
  'config_error',
  'config_fixed',
  /** the Boss bred this agent from a winner (detail: parent, generation, mutated params) */
  'cloned',
  /** the Boss retired this agent (detail: the reason and its numbers) */
  'retired',
  /** the agent's strategy threw: it runs on without trading (detail: the error) */
  'faulted',
  /** a faulted agent runs again (its file changed, or it was restarted) */
  'recovered',
]);
export type LifecycleKind = z.infer<typeof LifecycleKind>;

export interface LifecycleEventInput {
  readonly app: string;
  readonly agentId?: string | undefined;
  readonly kind: LifecycleKind;
  readonly detail?: Record<string, unknown>;
  /** the admin action behind the event, written to audit_log in the same transaction */
  readonly audit?: { readonly actor: Actor; readonly action: string };
}

const jsonSafe = (value: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as Record<string, unknown>;

/** Appends a lifecycle event (and its audit row when given). */
export async function recordLifecycleEvent(db: Db, event: LifecycleEventInput): Promise<void> {
  const kind = LifecycleKind.parse(event.kind);
  const detail = jsonSafe(event.detail ?? {});
  await db.transaction(async (tx) => {
    await tx.insert(lifecycleEvents).values({ app: event.app, agentId: event.agentId ?? null, kind, detail });
    if (event.audit) {
      await appendAudit(tx, { actor: event.audit.actor, action: event.audit.action, subject: event.agentId ?? '', detail });
    }
  });
}

export type LifecycleEventRow = typeof lifecycleEvents.$inferSelect;

/** Newest first. */
export async function listLifecycleEvents(
  db: Db,
  opts: { agentId?: string; kind?: LifecycleKind; limit?: number } = {},
): Promise<LifecycleEventRow[]> {
  const conditions: SQL[] = [];
  if (opts.agentId) conditions.push(eq(lifecycleEvents.agentId, opts.agentId));
  if (opts.kind) conditions.push(eq(lifecycleEvents.kind, opts.kind));
  return db
    .select()
    .from(lifecycleEvents)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(lifecycleEvents.id))
    .limit(opts.limit ?? 100);
}
