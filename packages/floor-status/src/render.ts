import type { BreakersStatus } from './breakers.js';
import type { AgentStatus, FloorStatus } from './collect.js';

/**
 * The human view of a FloorStatus: fixed-width tables, amounts as the same decimal strings `--json` prints.
 * Pure, so it is unit-tested on a hand-built status.
 */
export function renderFloorStatus(status: FloorStatus): string {
  const out: string[] = [];
  out.push(`Floor status  prefix=${status.prefix}  at ${new Date(status.generatedAtMs).toISOString()}`);
  out.push(status.killSwitch.on ? `KILL SWITCH ON: ${status.killSwitch.reason}` : 'Kill switch: off');
  out.push('');

  out.push('Processes');
  if (status.processes === null) {
    out.push('  PM2 is not running: the floor is down (start it with `npm start`).');
  } else if (status.processes.length === 0) {
    out.push('  PM2 runs, but no floor process is registered (start the floor with `npm start`).');
  } else {
    out.push(
      ...table(
        ['NAME', 'STATUS', 'PID', 'RESTARTS', 'UPTIME'],
        status.processes.map((p) => [p.name, p.status, p.pid === null ? '-' : String(p.pid), String(p.restarts), duration(p.uptimeMs)]),
        [false, false, true, true, true],
      ),
    );
  }
  out.push('');

  out.push('Agents (USD)');
  if (status.agents.length === 0) {
    out.push('  none yet: drop a strategy file into config/strategies/');
  } else {
    const rows = status.agents.map(agentRow);
    const t = status.totals;
    rows.push(['TOTAL', '', '', '', '', t.cash.usd, '', t.positionsAtCost.usd, t.positionsValue.usd, t.realizedPnl.usd, t.unrealizedPnl.usd, t.fees.usd, t.equity.usd]);
    out.push(
      ...table(
        ['AGENT', 'STRATEGY', 'STATUS', 'PROCESS', 'HEARTBEAT', 'CASH', 'POS', 'AT COST', 'VALUE', 'REALIZED', 'UNREALIZED', 'FEES', 'EQUITY'],
        rows,
        [false, false, false, false, false, true, true, true, true, true, true, true, true],
      ),
    );
    if (t.missingMarks > 0) {
      out.push(`  * ${t.missingMarks} position(s) have no mid price (no two-sided book): valued at cost, unrealized PnL 0 for them.`);
    }
    const killed = status.agents.filter((a) => a.killed !== null);
    for (const a of killed) out.push(`  kill switch on for ${a.agentId}: ${a.killed}`);
  }
  out.push('');

  out.push('Heartbeats');
  if (status.heartbeats.length === 0) {
    out.push('  none');
  } else {
    out.push(
      ...table(
        ['APP', 'INSTANCE', 'PID', 'STATE', 'AGE', ''],
        status.heartbeats.map((h) => [h.app, h.instanceId, String(h.pid), h.state, duration(h.ageMs), h.stale ? 'STALE' : '']),
        [false, false, true, false, true, false],
      ),
    );
  }
  out.push('');

  if (status.breakers) {
    out.push(...renderBreakers(status.breakers));
    out.push('');
  }

  out.push('Config errors');
  if (status.configErrors.length === 0) out.push('  none');
  for (const e of status.configErrors) out.push(`  ${e.file}: ${stripFilePrefix(e.message, e.file)}`);
  return out.join('\n');
}

function renderBreakers(b: BreakersStatus): string[] {
  const out = ['Breakers'];
  const describe = (s: { state: string; reason: string; sizeMultiplier: number }) =>
    `${s.state}${s.reason ? ` (${s.reason})` : ''}${s.sizeMultiplier < 1 ? `, size ×${s.sizeMultiplier}` : ''}`;
  out.push(`  floor: ${describe(b.floor)}`);
  const notable = b.agents.filter((a) => a.state !== 'active' || a.trips > 0 || a.sizeMultiplier < 1);
  if (notable.length === 0) out.push('  agents: all active, no trips');
  else out.push(...table(['AGENT', 'STATE', 'TRIPS'], notable.map((a) => [a.agentId, describe(a), String(a.trips)]), [false, false, true]));
  for (const e of b.recent.slice(0, 5)) out.push(`  ${e.ts}  ${e.breaker} ${e.transition}  ${e.scope}: ${e.reason}`);
  return out;
}

function agentRow(a: AgentStatus): string[] {
  const hb = a.heartbeat ? `${duration(a.heartbeat.ageMs)}${a.heartbeat.stale ? ' STALE' : ''}` : '-';
  return [
    a.agentId,
    a.strategy,
    a.status,
    a.process ? a.process.status : '-',
    hb,
    a.cash.usd,
    String(a.positionsCount),
    a.positionsAtCost.usd,
    `${a.positionsValue.usd}${a.missingMarks.length ? '*' : ''}`,
    a.realizedPnl.usd,
    a.unrealizedPnl.usd,
    a.fees.usd,
    a.equity.usd,
  ];
}

/** Loader messages start with the file name; the table already shows it. */
function stripFilePrefix(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** "950ms", "12s", "3m 04s", "2h 05m" */
export function duration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  const s = Math.floor(ms / 1_000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

function table(header: string[], rows: string[][], rightAlign: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}
