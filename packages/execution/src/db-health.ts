/**
 * Whether Postgres answers, for the executor's workers. Postgres is the book of record: without it no intent can
 * be decided, and a job that fails on it would use up its BullMQ attempts within seconds (exponential backoff from
 * 200 ms) and be lost. So the executor stops taking jobs instead, puts the one in hand back at the head of its
 * queue, and takes jobs again once Postgres answers.
 *
 * Two signals say "down": a connection-class error out of a job (`isDatabaseUnavailable`), or a failed probe
 * (`SELECT 1` every `probeMs`, which also catches an outage while the queue is idle). Only a probe that succeeds
 * says "up" again.
 */

/** SQLSTATE classes and codes that mean the connection, not the statement, is the problem. */
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** errno codes of a socket that cannot reach or lost its server */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** what node-postgres and pg-pool say when a connection dies or cannot be had (they set no code) */
const DRIVER_MESSAGES = [
  'Connection terminated',
  'connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'Client was closed and is not queryable',
];

/**
 * True when `err` (or an error in its cause chain: drizzle wraps the driver's error) says Postgres is unreachable,
 * rather than that a statement was wrong. Pure.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let cur: unknown = err, depth = 0; cur instanceof Error && depth < 8; cur = cur.cause, depth += 1) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (SOCKET_CODES.has(code) || CONNECTION_SQLSTATES.has(code) || code.startsWith('08')) return true;
    }
    if (DRIVER_MESSAGES.some((m) => cur instanceof Error && cur.message.includes(m))) return true;
    // a failed query through the pool that never connected: AggregateError of the per-address attempts
    if (cur instanceof AggregateError && cur.errors.some((e) => isDatabaseUnavailable(e))) return true;
  }
  return false;
}

export interface DbHealthOptions {
  /** resolves when Postgres answers (`SELECT 1`), rejects otherwise */
  readonly probe: () => Promise<void>;
  /** probe period while up; while down it probes every `probeMs` too, so recovery is noticed within one period */
  readonly probeMs: number;
  /** a probe taking longer than this counts as failed (a black-holed network never answers) */
  readonly probeTimeoutMs: number;
  /** Postgres became unreachable; called once per outage */
  readonly onDown: (reason: string) => Promise<void> | void;
  /** Postgres answers again; called once per outage */
  readonly onUp: (downForMs: number) => Promise<void> | void;
  readonly clock?: () => number;
}

export interface DbHealth {
  /** false between a `down` signal and the next successful probe */
  readonly up: boolean;
  /** reports an outage seen by a job (idempotent while down); resolves once `onDown` has run */
  down(reason: string): Promise<void>;
  /** starts the probe timer */
  start(): void;
  stop(): void;
}

export function createDbHealth(opts: DbHealthOptions): DbHealth {
  const clock = opts.clock ?? Date.now;
  let up = true;
  let downSinceMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let transition: Promise<void> = Promise.resolve();

  /** Transitions run one at a time, in order, so an `onUp` never overtakes the `onDown` before it. */
  const serially = (step: () => Promise<void> | void) => {
    transition = transition.then(step, step);
    return transition;
  };

  function down(reason: string): Promise<void> {
    if (!up) return transition;
    up = false;
    downSinceMs = clock();
    return serially(() => opts.onDown(reason));
  }

  async function probeOnce(): Promise<void> {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        opts.probe(),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${opts.probeTimeoutMs} ms`)), opts.probeTimeoutMs);
        }),
      ]);
      if (!up) {
        up = true;
        await serially(() => opts.onUp(clock() - downSinceMs));
      }
    } catch (err) {
      await down(`Postgres health probe failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timeout);
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void probeOnce().finally(schedule);
    }, opts.probeMs);
    timer.unref();
  };

  return {
    get up() {
      return up;
    },
    down,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
