import { stringify } from 'yaml';
import type { AgentSpec } from '@floor/config';
import type { CloneDecision } from '@floor/evolution';
import { mutatedParams } from './period.js';

/**
 * The strategy file of a clone: what the user sees in config/strategies/ and what the folder-driven supervision
 * starts. A comment header says where it came from (parent, generation, mutated params, the parent's record and
 * the clone's backtest); the body is an ordinary strategy file. A clone inherits its parent's markets and risk
 * block, never its live switch: a clone trades paper until a person decides otherwise.
 */
export function cloneFileText(decision: CloneDecision, parent: Pick<AgentSpec, 'agentId' | 'strategy' | 'markets' | 'risk' | 'resolvedParams'>, meta: { period: number; nowMs: number; dataset: string }): string {
  const { child, numbers } = decision;
  const changes = Object.entries(mutatedParams(parent.resolvedParams, child))
    .map(([k, { from, to }]) => `${k} ${String(from)} → ${String(to)}`)
    .join(', ');
  const header = [
    `Clone of ${parent.agentId}, generation ${child.generation}, bred by the Floor Boss in evaluation period ${meta.period} (${new Date(meta.nowMs).toISOString()}).`,
    `Mutated params: ${changes || 'none'} (seed ${child.seed}).`,
    `Parent's record: ${numbers.trades} closed trades, Sharpe ${numbers.sharpe}, PSR ${numbers.psr}, DSR ${numbers.dsr} (bar ${numbers.benchmarkSharpe}).`,
    `Backtest on ${meta.dataset}: ${numbers.backtestTrades} trades, Sharpe ${numbers.backtestSharpe}, PnL ${String(numbers.backtestPnlMicros)} micro-USD.`,
    'Capital comes from the Boss (probation first, then by its record); `weight` only matters before the first evaluation.',
    'Delete this file, or set `enabled: false`, to stop the clone. Retired agents are moved to strategies/retired/.',
  ];
  const body: Record<string, unknown> = {
    strategy: child.strategy,
    weight: 1,
    markets: parent.markets,
    live: false,
    enabled: true,
    params: child.params,
  };
  if (parent.risk) body.risk = parent.risk;
  return `${header.map((l) => `# ${l}`).join('\n')}\n${stringify(body)}`;
}
