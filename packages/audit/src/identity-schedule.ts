import type { Logger } from 'pino';
import type { Db } from '@floor/db';
import { checkLedgerIdentity } from './ledger-identity.js';
import type { AuditMetrics } from './metrics.js';
import { recordOutcomes, type NewFindingsHandler } from './record.js';

export interface IdentityScheduleOptions {
  readonly db: Db;
  readonly intervalMs: number;
  readonly log: Logger;
  readonly metrics?: AuditMetrics;
  /** acts on new findings before they are stored (e.g. `onCriticalFinding`); a throw retries at the next tick */
  readonly onNewFindings?: NewFindingsHandler;
}

/**
 * Runs `checkLedgerIdentity` now and then every `intervalMs`, never two at once (a slow run delays the next
 * instead of piling up). A failed run is logged and retried at the next tick: the ledger is still there.
 */
export function startIdentityChecks(opts: IdentityScheduleOptions): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const runOnce = async () => {
    try {
      const fresh = await recordOutcomes(opts.db, await checkLedgerIdentity(opts.db), opts.metrics, opts.onNewFindings);
      for (const f of fresh) opts.log.error({ finding: f }, 'ledger identity finding');
    } catch (err) {
      opts.log.error({ err }, 'ledger identity check failed to run');
    }
  };
  const tick = () => {
    running = runOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.intervalMs);
    });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
