import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StreamOffsets, type SaveCheckpointInput } from '@floor/db';

/**
 * The checkpoint's fallback home while Postgres is unreachable: one JSON file per agent, replaced atomically
 * (write a temp file, rename). When Postgres takes a checkpoint again the file is removed; at boot the newer of
 * the two (by events processed, which only grows) wins, so an outage loses no strategy state.
 */
const LocalCheckpointFile = z.object({
  v: z.literal(1),
  agentId: z.string(),
  state: z.unknown(),
  streamOffsets: StreamOffsets,
  lastFillSeq: z.string().regex(/^\d+$/).transform(BigInt),
  eventsProcessed: z.string().regex(/^\d+$/).transform(BigInt),
  writtenAtMs: z.number(),
});

const fileOf = (dir: string, agentId: string) => join(dir, `${agentId}.json`);

export function writeLocalCheckpoint(dir: string, cp: SaveCheckpointInput, nowMs: number): void {
  mkdirSync(dir, { recursive: true });
  const file = fileOf(dir, cp.agentId);
  const body = JSON.stringify({
    v: 1,
    agentId: cp.agentId,
    state: cp.state,
    streamOffsets: cp.streamOffsets,
    lastFillSeq: cp.lastFillSeq.toString(),
    eventsProcessed: cp.eventsProcessed.toString(),
    writtenAtMs: nowMs,
  });
  writeFileSync(`${file}.tmp`, body);
  renameSync(`${file}.tmp`, file);
}

/** The agent's local checkpoint, or undefined when there is none or it is unreadable (then Postgres's is used). */
export function readLocalCheckpoint(dir: string, agentId: string): (SaveCheckpointInput & { writtenAtMs: number }) | undefined {
  let text: string;
  try {
    text = readFileSync(fileOf(dir, agentId), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = LocalCheckpointFile.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.agentId !== agentId) return undefined;
    const { v: _v, ...cp } = parsed.data;
    return cp;
  } catch {
    return undefined;
  }
}

export function removeLocalCheckpoint(dir: string, agentId: string): void {
  rmSync(fileOf(dir, agentId), { force: true });
}
