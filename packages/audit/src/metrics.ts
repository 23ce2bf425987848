import { Counter, type Registry } from 'prom-client';

/** The auditor's own metrics; labels stay low-cardinality (rule, result, severity: never ids). */
export interface AuditMetrics {
  readonly checks: Counter<'rule' | 'result'>;
  readonly findings: Counter<'rule' | 'severity'>;
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  return {
    checks: new Counter({
      name: 'floor_audit_checks_total',
      help: 'Audit checks run, by rule and result (pass or fail)',
      labelNames: ['rule', 'result'],
      registers: [registry],
    }),
    findings: new Counter({
      name: 'floor_audit_findings_total',
      help: 'Audit findings newly recorded (a re-found finding is stored once and counted once)',
      labelNames: ['rule', 'severity'],
      registers: [registry],
    }),
  };
}
