import type { Db } from '@floor/db';
import { verifyAuditChain, type AuditChainVerdict } from './audit-chain.js';

/** Exit codes of `floor audit verify`: 0 intact, 1 broken, 2 could not verify (e.g. the database is down). */
export const AuditVerifyExit = { intact: 0, broken: 1, failed: 2 } as const;

export interface AuditVerifyResult {
  readonly exitCode: (typeof AuditVerifyExit)[keyof typeof AuditVerifyExit];
  /** what to print on stdout (one line of JSON with `json`, a sentence otherwise), without a trailing newline */
  readonly output: string;
}

/**
 * `floor audit verify`: recomputes the audit log's hash chain and reports the first broken row. Never throws:
 * a failure to run is exit code 2 with its message, so the CLI only prints and exits.
 */
export async function runAuditVerify({ db, json }: { db: Db; json: boolean }): Promise<AuditVerifyResult> {
  let verdict: AuditChainVerdict;
  try {
    verdict = await verifyAuditChain(db);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return {
      exitCode: AuditVerifyExit.failed,
      output: json ? JSON.stringify({ ok: false, error }) : `could not verify the audit log: ${error}`,
    };
  }
  if (verdict.ok) {
    return {
      exitCode: AuditVerifyExit.intact,
      output: json
        ? JSON.stringify({ ok: true, rows: verdict.rows, headId: verdict.headId?.toString() ?? null, headHash: verdict.headHash })
        : `audit log intact: ${verdict.rows} rows, head #${verdict.headId?.toString() ?? '-'} ${verdict.headHash}`,
    };
  }
  return {
    exitCode: AuditVerifyExit.broken,
    output: json
      ? JSON.stringify({ ok: false, firstBrokenId: verdict.firstBrokenId.toString(), reason: verdict.reason, rowsVerified: verdict.rows })
      : `audit log BROKEN at row #${verdict.firstBrokenId.toString()}: ${verdict.reason} (${verdict.rows} rows verified before it)`,
  };
}
