import { describe, expect, it } from 'vitest';
import { formatAlert } from './events.js';
import { RestartLoopDetector } from './restart-loop.js';

describe('formatAlert', () => {
  it('puts what happened on the first line, with the severity', () => {
    expect(formatAlert({ type: 'kill_switch_cleared', target: { scope: 'agent', agentId: 'alpha' }, actor: 'operator ops' }).text).toBe(
      '🟠 WARNING: kill switch cleared for agent alpha\nby: operator ops',
    );
    expect(formatAlert({ type: 'breaker_tripped', breaker: 'daily_loss', agentId: null, reason: 'lost $120 today' })).toEqual({
      severity: 'critical',
      text: '🔴 CRITICAL: breaker daily_loss tripped\nreason: lost $120 today',
    });
    expect(formatAlert({ type: 'breaker_reset', breaker: 'daily_loss', agentId: 'beta' }).text).toBe('🟢 INFO: breaker daily_loss reset for agent beta');
  });

  it('lists a finding with its numbers', () => {
    const alert = formatAlert({
      type: 'critical_finding',
      rule: 'cash_non_negative',
      agentId: 'beta',
      refId: 'fil_1',
      detail: { cashMicros: '-700000000' },
    });
    expect(alert.text).toBe('🔴 CRITICAL: audit finding cash_non_negative (agent beta)\nref: fil_1\ncashMicros: -700000000');
  });

  it('formats money in the daily summary as dollars from micro-units', () => {
    const alert = formatAlert({
      type: 'daily_summary',
      day: '2025-03-01',
      fills: 12,
      volumeMicros: 1_234_560_000n,
      feesMicros: 1_500_000n,
      realizedPnlAfterFeesMicros: -2_250_000n,
      openExposureMicros: 300_000_000n,
      riskDenials: 3,
      criticalFindings: 0,
      auditHead: { id: '57', hash: 'ab'.repeat(32) },
    });
    expect(alert.severity).toBe('info');
    expect(alert.text.split('\n')).toEqual([
      '🟢 INFO: daily summary 2025-03-01',
      'fills: 12, volume $1234.56, fees $1.50',
      'realized PnL after fees: -$2.25',
      'open exposure at cost: $300.00',
      'risk denials: 3, critical findings: 0',
      `audit log head: #57 ${'ab'.repeat(32)}`,
    ]);
  });
});

describe('RestartLoopDetector', () => {
  it('alerts once when an agent restarts N times within the window, again only after it calms down', () => {
    const detector = new RestartLoopDetector({ maxRestarts: 3, windowMs: 10 * 60_000 });
    const minute = 60_000;
    expect(detector.record('alpha', 0)).toBeNull();
    expect(detector.record('alpha', 1 * minute)).toBeNull();
    expect(detector.record('beta', 1 * minute)).toBeNull();
    expect(detector.record('alpha', 2 * minute)).toEqual({ type: 'agent_restart_loop', agentId: 'alpha', restarts: 3, windowMinutes: 10 });
    expect(detector.record('alpha', 3 * minute)).toBeNull(); // same episode
    expect(detector.record('alpha', 30 * minute)).toBeNull(); // calm: the window emptied
    expect(detector.record('alpha', 31 * minute)).toBeNull();
    expect(detector.record('alpha', 32 * minute)).toMatchObject({ agentId: 'alpha', restarts: 3 });
  });
});
