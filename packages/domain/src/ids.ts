import { createHash } from 'node:crypto';
import { ulid } from 'ulid';

/** Prefixed, readable identifiers (STYLE #12). ULIDs sort by time. */
export const IdPrefix = {
  clientOrder: 'co_',
  intent: 'int_',
  event: 'evt_',
  fill: 'fil_',
  audit: 'aud_',
  finding: 'fnd_',
  ledgerTxn: 'ltx_',
} as const;
export type IdKind = keyof typeof IdPrefix;

export function newId(kind: IdKind): string {
  return `${IdPrefix[kind]}${ulid().toLowerCase()}`;
}

/** A deterministic id from its parts: the same inputs always give the same id (replays deduplicate). */
export function deterministicId(kind: IdKind, ...parts: ReadonlyArray<string | number | bigint>): string {
  const hash = createHash('sha256').update(parts.map(String).join('|')).digest('hex').slice(0, 26);
  return `${IdPrefix[kind]}${hash}`;
}

/** Agent ids come from strategy file names: lower-case, digits, dash and underscore. */
export const AGENT_ID_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The PM2 process name of an agent. */
export function agentProcessName(agentId: string): string {
  return `agent-${agentId}`;
}
