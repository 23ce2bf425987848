import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from './client.js';
import { checkpoints } from './schema.js';

/** Stream key → the last entry id whose effects the checkpointed state includes. */
export const StreamOffsets = z.record(z.string(), z.string().regex(/^\d+(-\d+)?$/, 'expected a Redis stream id'));
export type StreamOffsets = z.output<typeof StreamOffsets>;

/** An agent's checkpoint: its kernel state (opaque JSON here) and where it was in each stream. */
export interface Checkpoint {
  readonly agentId: string;
  readonly state: unknown;
  readonly streamOffsets: StreamOffsets;
  readonly lastFillSeq: bigint;
  /** cumulative over the agent's life, so it only grows */
  readonly eventsProcessed: bigint;
  readonly updatedAt: Date;
}

export interface SaveCheckpointInput {
  readonly agentId: string;
  /** JSON-safe (no bigints): it is stored as jsonb */
  readonly state: unknown;
  readonly streamOffsets: StreamOffsets;
  readonly lastFillSeq: bigint;
  readonly eventsProcessed: bigint;
}

/** The agent's checkpoint, or undefined for an agent that never wrote one. */
export async function loadCheckpoint(db: Db, agentId: string): Promise<Checkpoint | undefined> {
  const rows = await db.select().from(checkpoints).where(eq(checkpoints.agentId, agentId)).limit(1);
  const row = rows[0];
  if (!row) return undefined;
  return {
    agentId: row.agentId,
    state: row.state,
    // a corrupt offsets document reads as none: the agent then starts those streams afresh instead of crash-looping
    streamOffsets: StreamOffsets.safeParse(row.streamOffsets).data ?? {},
    lastFillSeq: row.lastFillSeq,
    eventsProcessed: row.eventsProcessed,
    updatedAt: row.updatedAt,
  };
}

/**
 * Upserts the agent's checkpoint. A write carrying fewer processed events than the stored row is ignored: it
 * can only come from a stale process (a hung agent the Boss already replaced), which must not roll the new one
 * back. Returns whether the row was written.
 */
export async function saveCheckpoint(db: Db, input: SaveCheckpointInput): Promise<boolean> {
  const streamOffsets = StreamOffsets.parse(input.streamOffsets);
  const values = {
    agentId: input.agentId,
    state: input.state ?? {},
    streamOffsets,
    lastFillSeq: input.lastFillSeq,
    eventsProcessed: input.eventsProcessed,
  };
  const written = await db
    .insert(checkpoints)
    .values(values)
    .onConflictDoUpdate({
      target: checkpoints.agentId,
      set: {
        state: sql`excluded.state`,
        streamOffsets: sql`excluded.stream_offsets`,
        lastFillSeq: sql`excluded.last_fill_seq`,
        eventsProcessed: sql`excluded.events_processed`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${checkpoints.eventsProcessed} <= excluded.events_processed`,
    })
    .returning({ agentId: checkpoints.agentId });
  return written.length > 0;
}
