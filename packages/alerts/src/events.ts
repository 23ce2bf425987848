import { z } from 'zod';
import { formatMicros } from '@floor/domain';

/**
 * What the floor tells people about, as typed events. Producers (the Boss, the auditor, the monitor) build one
 * of these; the Alerter formats it and sends it to every configured channel.
 */
const KillSwitchScope = z.discriminatedUnion('scope', [
  z.object({ scope: z.literal('floor') }),
  z.object({ scope: z.literal('agent'), agentId: z.string().min(1) }),
]);

export const AlertEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('kill_switch_set'), target: KillSwitchScope, reason: z.string(), actor: z.string() }),
  z.object({ type: z.literal('kill_switch_cleared'), target: KillSwitchScope, actor: z.string() }),
  z.object({ type: z.literal('breaker_tripped'), breaker: z.string(), agentId: z.string().nullable(), reason: z.string() }),
  z.object({ type: z.literal('breaker_reset'), breaker: z.string(), agentId: z.string().nullable() }),
  z.object({
    type: z.literal('critical_finding'),
    rule: z.string(),
    agentId: z.string().nullable(),
    refId: z.string().nullable(),
    detail: z.record(z.string(), z.string()),
  }),
  z.object({
    type: z.literal('agent_restart_loop'),
    agentId: z.string(),
    restarts: z.number().int().positive(),
    windowMinutes: z.number().positive(),
  }),
  z.object({
    type: z.literal('daily_summary'),
    /** UTC day, YYYY-MM-DD */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    fills: z.number().int().nonnegative(),
    volumeMicros: z.bigint(),
    feesMicros: z.bigint(),
    realizedPnlAfterFeesMicros: z.bigint(),
    openExposureMicros: z.bigint(),
    riskDenials: z.number().int().nonnegative(),
    criticalFindings: z.number().int().nonnegative(),
    /** `floor audit verify`'s head hash: sent out of the database, so a rewritten chain is evident later */
    auditHead: z.object({ id: z.string(), hash: z.string() }).nullable(),
  }),
]);
export type AlertEvent = z.infer<typeof AlertEvent>;

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface FormattedAlert {
  readonly severity: AlertSeverity;
  /** plain text (no markup: every channel shows it as written) */
  readonly text: string;
}

const MARK: Record<AlertSeverity, string> = { critical: '🔴 CRITICAL', warning: '🟠 WARNING', info: '🟢 INFO' };

const usd = (micros: bigint) => `${micros < 0n ? '-' : ''}$${formatMicros(micros < 0n ? -micros : micros, 2)}`;
const whose = (target: z.infer<typeof KillSwitchScope>) => (target.scope === 'floor' ? 'the whole floor' : `agent ${target.agentId}`);

/** The message for an event: first line says what happened, the rest gives what an operator needs to act. */
export function formatAlert(event: AlertEvent): FormattedAlert {
  const alert = (severity: AlertSeverity, ...lines: string[]): FormattedAlert => ({
    severity,
    text: [`${MARK[severity]}: ${lines[0] ?? ''}`, ...lines.slice(1)].join('\n'),
  });
  switch (event.type) {
    case 'kill_switch_set':
      return alert('critical', `kill switch SET for ${whose(event.target)}`, `reason: ${event.reason}`, `by: ${event.actor}`);
    case 'kill_switch_cleared':
      return alert('warning', `kill switch cleared for ${whose(event.target)}`, `by: ${event.actor}`);
    case 'breaker_tripped':
      return alert('critical', `breaker ${event.breaker} tripped${event.agentId ? ` for agent ${event.agentId}` : ''}`, `reason: ${event.reason}`);
    case 'breaker_reset':
      return alert('info', `breaker ${event.breaker} reset${event.agentId ? ` for agent ${event.agentId}` : ''}`);
    case 'critical_finding':
      return alert(
        'critical',
        `audit finding ${event.rule}${event.agentId ? ` (agent ${event.agentId})` : ''}`,
        ...(event.refId ? [`ref: ${event.refId}`] : []),
        ...Object.entries(event.detail).map(([k, v]) => `${k}: ${v}`),
      );
    case 'agent_restart_loop':
      return alert(
        'warning',
        `agent ${event.agentId} is restarting in a loop`,
        `${event.restarts} restarts in ${event.windowMinutes} minutes`,
      );
    case 'daily_summary':
      return alert(
        event.criticalFindings > 0 ? 'warning' : 'info',
        `daily summary ${event.day}`,
        `fills: ${event.fills}, volume ${usd(event.volumeMicros)}, fees ${usd(event.feesMicros)}`,
        `realized PnL after fees: ${usd(event.realizedPnlAfterFeesMicros)}`,
        `open exposure at cost: ${usd(event.openExposureMicros)}`,
        `risk denials: ${event.riskDenials}, critical findings: ${event.criticalFindings}`,
        event.auditHead ? `audit log head: #${event.auditHead.id} ${event.auditHead.hash}` : 'audit log head: (not verified)',
      );
  }
}
