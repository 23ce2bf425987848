import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { describeIssues, FillApplied } from '@floor/domain';
import type { Db } from '@floor/db';
import { auditFill, type FillAuditContext } from './fill-checks.js';
import type { AuditMetrics } from './metrics.js';
import { recordOutcomes, type NewFindingsHandler } from './record.js';
import { AuditRules, failed, type CheckOutcome } from './rules.js';

export interface FillAuditConsumerOptions {
  readonly db: Db;
  /** a connection of its own: XREADGROUP BLOCK holds it while waiting */
  readonly redis: Redis;
  readonly stream: string;
  readonly group: string;
  /** stable across restarts, so a restarted auditor finds its own unacknowledged entries */
  readonly consumer: string;
  readonly log: Logger;
  /** the limits in force and the like (floor.yaml); see `FillAuditContext` */
  readonly context: FillAuditContext;
  readonly metrics?: AuditMetrics;
  /** acts on new findings before they are stored (e.g. `onCriticalFinding`); a throw retries the entry */
  readonly onNewFindings?: NewFindingsHandler;
  readonly blockMs?: number;
  readonly batchSize?: number;
  /** entries another consumer has held unacknowledged this long are taken over at start */
  readonly claimIdleMs?: number;
  readonly retryDelayMs?: number;
  /** told when the loop starts failing (Postgres or Redis down) and when it recovers */
  readonly onHealth?: (state: 'running' | 'degraded', why: string) => void;
}

export interface FillAuditConsumer {
  /** stops after the read in flight (at most `blockMs`) and the entry being checked */
  stop(): Promise<void>;
}

type EntryFields = string[] | null;
type XReadGroupReply = Array<[string, Array<[string, EntryFields]>]> | null;

/**
 * Audits every fill announced on the fills stream, through a consumer group.
 *
 * Delivery is at least once: an entry is acknowledged only after its findings are stored, so a crash between the
 * two re-checks it on restart, and findings (deterministic ids) are stored once. On start the consumer takes over
 * entries stale in other consumers' pending lists, then drains its own pending list ('0') before reading new
 * entries ('>'); after any error it drains its pending list again, which is where the failed entry still sits.
 */
export async function startFillAuditConsumer(opts: FillAuditConsumerOptions): Promise<FillAuditConsumer> {
  const { redis, stream, group, consumer, log } = opts;
  const blockMs = opts.blockMs ?? 2_000;
  const batchSize = opts.batchSize ?? 100;
  const retryDelayMs = opts.retryDelayMs ?? 1_000;

  await ensureGroup(redis, stream, group);
  await claimStaleEntries(redis, stream, group, consumer, opts.claimIdleMs ?? 60_000, log);

  let stopping = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const handle = async (id: string, fields: EntryFields) => {
    const outcomes = await checkEntry(opts.db, opts.context, stream, id, fields);
    const fresh = await recordOutcomes(opts.db, outcomes, opts.metrics, opts.onNewFindings);
    for (const f of fresh) log.warn({ finding: f, streamEntryId: id }, 'audit finding');
    await redis.xack(stream, group, id);
  };

  const loop = async () => {
    let cursor: '0' | '>' = '0';
    let degraded = false;
    while (!stopping) {
      try {
        const reply = (await redis.xreadgroup(
          'GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, cursor,
        )) as XReadGroupReply;
        const entries = reply?.[0]?.[1] ?? [];
        // An empty read of the pending list means it is drained: from now on, only new entries.
        if (cursor === '0' && entries.length === 0) cursor = '>';
        for (const [id, fields] of entries) {
          if (stopping) break;
          await handle(id, fields);
        }
        if (degraded) {
          degraded = false;
          opts.onHealth?.('running', '');
        }
      } catch (err) {
        if (stopping) break;
        log.error({ err }, 'auditing the fills stream failed; retrying from the pending list');
        if (!degraded) opts.onHealth?.('degraded', err instanceof Error ? err.message : String(err));
        degraded = true;
        cursor = '0';
        await pause(retryDelayMs);
      }
    }
  };
  const done = loop();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await done;
    },
  };
}

/** Creates the group reading from the start of the stream ('0', not '$'), so a first start misses nothing. */
export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
  }
}

/** Moves entries idle in any consumer's pending list into ours (XAUTOCLAIM), to be drained with the rest. */
async function claimStaleEntries(redis: Redis, stream: string, group: string, consumer: string, minIdleMs: number, log: Logger) {
  let cursor = '0-0';
  let claimed = 0;
  do {
    const reply = (await redis.xautoclaim(stream, group, consumer, minIdleMs, cursor, 'COUNT', 100, 'JUSTID')) as [string, string[]];
    cursor = reply[0];
    claimed += reply[1].length;
  } while (cursor !== '0-0');
  if (claimed > 0) log.info({ claimed }, 'took over stale pending fill entries');
}

/** Parses one stream entry and runs the fill checks; a malformed entry yields one finding instead. */
async function checkEntry(db: Db, context: FillAuditContext, stream: string, id: string, fields: EntryFields): Promise<CheckOutcome[]> {
  const where = { agentId: null, refId: id };
  if (fields === null) {
    // A pending entry trimmed away (MAXLEN) before it was checked: its fill goes unaudited except by the identity check.
    return [failed(AuditRules.malformedEvent, where, { stream, problem: 'entry was trimmed before it was audited' }, 'warning')];
  }
  const at = fields.indexOf('m');
  const payload = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  if (payload === undefined) return [failed(AuditRules.malformedEvent, where, { stream, problem: 'no field m' }, 'warning')];
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return [failed(AuditRules.malformedEvent, where, { stream, problem: 'not JSON', payload: payload.slice(0, 200) }, 'warning')];
  }
  const parsed = FillApplied.safeParse(json);
  if (!parsed.success) {
    return [
      failed(AuditRules.malformedEvent, where, { stream, problem: describeIssues(parsed.error.issues).slice(0, 500), payload: payload.slice(0, 200) }, 'warning'),
    ];
  }
  return auditFill(db, parsed.data, context);
}
