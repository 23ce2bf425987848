import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import { AGENT_ID_RE, ConfigError, describeIssues, MarketCategory, type MarketInfo } from '@floor/domain';
import { AgentRiskOverride } from '@floor/risk';
import { parseYamlFile } from './floor-config.js';

/** Which markets an agent trades: all of them, a list of market ids, or whole categories. */
export const MarketSelector = z.union([
  z.literal('all'),
  z.array(z.string().min(1)).min(1),
  z.object({ categories: z.array(MarketCategory).min(1) }).strict(),
]);
export type MarketSelector = z.infer<typeof MarketSelector>;

/** Whether a strategy file's `markets:` selector picks this market. */
export function matchesSelector(selector: MarketSelector, market: Pick<MarketInfo, 'marketId' | 'category'>): boolean {
  if (selector === 'all') return true;
  if (Array.isArray(selector)) return selector.includes(market.marketId);
  return selector.categories.includes(market.category);
}

/** The envelope of a file in config/strategies/. `params` is checked against the strategy's own schema. */
export const StrategyFile = z
  .object({
    strategy: z.string().min(1).describe('registered strategy name, e.g. momentum'),
    weight: z.number().positive().default(1).describe('share of the bankroll relative to the other agents'),
    markets: MarketSelector.default('all'),
    live: z.boolean().default(false).describe('gate 3 of 3 for real orders'),
    enabled: z.boolean().default(true),
    params: z.record(z.string(), z.unknown()).default({}),
    risk: AgentRiskOverride.optional().describe("this agent's risk limits, merged key by key over the floor's `risk.agent`"),
  })
  .strict();
export type StrategyFile = z.output<typeof StrategyFile>;

export interface AgentSpec extends StrategyFile {
  readonly agentId: string;
  readonly file: string;
  /** params after the strategy's schema filled defaults */
  readonly resolvedParams: Record<string, unknown>;
}

export interface StrategyFileError {
  readonly file: string;
  readonly message: string;
}

/** Validates a strategy's params; returns the parsed params or throws with a field-level message. */
export type ParamsValidator = (strategy: string, params: Record<string, unknown>) => Record<string, unknown>;

export function agentIdFromFile(file: string): string {
  return basename(file, extname(file)).toLowerCase();
}

/** Parses one strategy file's text. Throws ConfigError naming the file, the field and the problem. */
export function parseStrategyFile(text: string, file: string, validateParams: ParamsValidator): AgentSpec {
  const agentId = agentIdFromFile(file);
  if (!AGENT_ID_RE.test(agentId)) {
    throw new ConfigError(`${file}: file name must be lower-case letters, digits, '-' or '_' (it becomes the agent id)`, { file });
  }
  const raw = parseYamlFile(text, file);
  const result = StrategyFile.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${file}: ${describeIssues(result.error.issues)}`, { file });
  let resolvedParams: Record<string, unknown>;
  try {
    resolvedParams = validateParams(result.data.strategy, result.data.params);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  return { ...result.data, agentId, file, resolvedParams };
}

/**
 * Loads every *.yaml / *.yml file in the folder. A bad file does not stop the others: it is reported in
 * `errors` and its agent is not started.
 */
export function loadStrategyDir(
  dir: string,
  validateParams: ParamsValidator,
): { agents: AgentSpec[]; errors: StrategyFileError[] } {
  const agents: AgentSpec[] = [];
  const errors: StrategyFileError[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort();
  } catch {
    return { agents, errors: [{ file: dir, message: `${dir}: strategies folder is missing` }] };
  }
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    try {
      const spec = parseStrategyFile(readFileSync(file, 'utf8'), file, validateParams);
      const other = seen.get(spec.agentId);
      if (other) throw new ConfigError(`${file}: agent id '${spec.agentId}' is already used by ${other}`, { file });
      seen.set(spec.agentId, file);
      agents.push(spec);
    } catch (err) {
      errors.push({ file, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { agents, errors };
}
