import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AlertEvent } from '@floor/alerts';
import { setAgentKillSwitch, setKillSwitch, type BusNames } from '@floor/bus';
import { appendAudit, type AuditFinding, type Db } from '@floor/db';
import type { NewFindingsHandler } from './record.js';

/** What a new critical finding trips (floor.yaml `audit.onCriticalFinding`). */
export type CriticalFindingMode = 'agent' | 'floor' | 'none';

export interface OnCriticalFindingOptions {
  readonly redis: Redis;
  readonly names: BusNames;
  readonly mode: CriticalFindingMode;
  readonly log?: Logger;
  /** where the switch is recorded as an admin action (`killswitch.set`, as `floor kill` writes it) */
  readonly db?: Db;
  /** told about each critical finding and each switch it trips; `Alerter.send` never throws */
  readonly alert?: (event: AlertEvent) => Promise<unknown>;
}

/**
 * The auditor's reaction to new critical findings, as a `NewFindingsHandler` for `recordOutcomes` (and the fill
 * consumer's and identity schedule's `onNewFindings`):
 * - `agent`: sets the kill switch of the agent the finding names; a floor-wide finding (a ledger that does not
 *   balance) names no agent, and trips the floor switch instead, since no single agent can be blamed;
 * - `floor`: sets the floor kill switch;
 * - `none`: trips nothing.
 * Findings of lower severity only pass through. The executor refuses new intents while a switch is set;
 * clearing it is an operator's decision (`floor kill off`).
 */
export function onCriticalFinding(opts: OnCriticalFindingOptions): NewFindingsHandler {
  return async (findings) => {
    for (const finding of findings) {
      if (finding.severity !== 'critical') continue;
      const tripped = await trip(opts, finding);
      opts.log?.error({ finding, tripped }, 'critical audit finding');
      await opts.alert?.({ type: 'critical_finding', rule: finding.rule, agentId: finding.agentId, refId: finding.refId, detail: finding.detail });
      if (tripped) {
        await opts.alert?.({ type: 'kill_switch_set', target: tripped, reason: reasonFor(finding), actor: 'auditor' });
      }
    }
  };
}

type Tripped = { scope: 'floor' } | { scope: 'agent'; agentId: string } | null;

async function trip(opts: OnCriticalFindingOptions, finding: AuditFinding): Promise<Tripped> {
  const reason = reasonFor(finding);
  if (opts.mode === 'none') return null;
  if (opts.mode === 'agent' && finding.agentId) {
    await setAgentKillSwitch(opts.redis, opts.names, finding.agentId, true, reason);
    await recordSwitch(opts, finding.agentId, reason, finding);
    return { scope: 'agent', agentId: finding.agentId };
  }
  await setKillSwitch(opts.redis, opts.names, true, reason);
  await recordSwitch(opts, 'floor', reason, finding);
  return { scope: 'floor' };
}

/** The switch as an admin action in the audit log: the same row `floor kill` writes, with the auditor as actor. */
async function recordSwitch(opts: OnCriticalFindingOptions, subject: string, reason: string, finding: AuditFinding): Promise<void> {
  if (!opts.db) return;
  await appendAudit(opts.db, {
    actor: { type: 'system', app: 'auditor' },
    action: 'killswitch.set',
    subject,
    detail: { on: true, reason, rule: finding.rule, refId: finding.refId },
  });
}

function reasonFor(finding: AuditFinding): string {
  return `audit finding ${finding.rule}${finding.refId ? ` on ${finding.refId}` : ''}`;
}
