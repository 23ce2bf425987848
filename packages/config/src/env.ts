import { join as joinPath, resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { ConfigError, describeIssues } from '@floor/domain';

/**
 * The only module that reads process.env (STYLE #13). Everything else receives a parsed, frozen `Env`.
 * Secrets live here and nowhere else; the logger redacts the fields named in SECRET_ENV_KEYS.
 */
const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

export const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/floor').describe('Postgres, system of record'),
  DATABASE_MIGRATION_URL: z
    .string()
    .url()
    .optional()
    .describe('owner connection `npm run db:migrate` uses when the floor runs as a less privileged role (docs/audit-queries.md, Roles); defaults to DATABASE_URL'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379').describe('Redis: queues, streams, heartbeats'),
  FLOOR_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]+$/)
    .default('floor')
    .describe('prefix of every Redis key and BullMQ queue, so two floors (or test runs) share one Redis'),
  FLOOR_STATE_DIR: z.string().default('.floor').describe('local state (checkpoints kept while Postgres is unreachable), relative to FLOOR_ROOT'),
  FLOOR_CONFIG_DIR: z.string().default('config').describe('folder holding floor.yaml and strategies/'),
  FLOOR_ROOT: z.string().default(process.cwd()).describe('repository root (PM2 cwd)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AGENT_ID: z.string().optional().describe('set by the Boss for an agent process'),
  FLOOR_AGENT_SCRIPT: z
    .string()
    .default('apps/agent/src/main.ts')
    .describe('script the Boss runs for each agent, relative to FLOOR_ROOT (tests point it at a fixture)'),
  FLOOR_PM2_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]+$/)
    .optional()
    .describe('PM2 namespace of the floor processes, so a test floor is told apart from a real one'),
  PATH: z.string().optional().describe('passed on to processes the Boss starts, which inherit nothing else implicitly'),
  HOME: z.string().optional().describe('passed on to processes the Boss starts'),
  TZ: z.string().optional().describe('passed on to processes the Boss starts'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ENABLE_LIVE_TRADING: bool.describe('gate 2 of 3 for real orders'),
  POLYMARKET_PRIVATE_KEY: z.string().optional(),
  POLYMARKET_API_KEY: z.string().optional(),
  POLYMARKET_API_SECRET: z.string().optional(),
  POLYMARKET_API_PASSPHRASE: z.string().optional(),
  ALERT_TELEGRAM_BOT_TOKEN: z.string().min(1).optional().describe('Telegram bot token for alerts (secret); needs ALERT_TELEGRAM_CHAT_ID'),
  ALERT_TELEGRAM_CHAT_ID: z.string().min(1).optional().describe('Telegram chat that receives alerts'),
  ALERT_TELEGRAM_API_BASE: z
    .string()
    .url()
    .default('https://api.telegram.org')
    .describe('Telegram Bot API base URL (tests point it at a local server)'),
  ALERT_SLACK_WEBHOOK_URL: z.string().url().optional().describe('Slack incoming-webhook URL for alerts (secret)'),
  ALERT_DISCORD_WEBHOOK_URL: z.string().url().optional().describe('Discord webhook URL for alerts (secret)'),
  OPENAI_API_KEY: z.string().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
});
export type Env = Readonly<z.infer<typeof EnvSchema>>;

/** Names of variables whose values must never reach a log line, metric or database row. */
export const SECRET_ENV_KEYS = [
  'POLYMARKET_PRIVATE_KEY',
  'POLYMARKET_API_KEY',
  'POLYMARKET_API_SECRET',
  'POLYMARKET_API_PASSPHRASE',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'ALERT_TELEGRAM_BOT_TOKEN',
  'ALERT_SLACK_WEBHOOK_URL',
  'ALERT_DISCORD_WEBHOOK_URL',
] as const;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(`invalid environment: ${describeIssues(result.error.issues)}`);
  }
  return Object.freeze(result.data);
}

let cached: Env | undefined;
/** The process environment, parsed once. */
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** The environment a child process (an agent started by the Boss) needs, secrets included only by name. */
export function childEnv(overrides: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return { ...out, ...overrides };
}

/** The config folder: FLOOR_CONFIG_DIR, relative to FLOOR_ROOT unless absolute. */
export function configDirOf(env: Env): string {
  return resolvePath(env.FLOOR_ROOT, env.FLOOR_CONFIG_DIR);
}

/** `<config folder>/floor.yaml`. */
export function floorConfigPathOf(env: Env): string {
  return joinPath(configDirOf(env), 'floor.yaml');
}

/** Local state of this floor (namespaced by the Redis prefix, so two floors on one machine never share it). */
export function stateDirOf(env: Env): string {
  return resolvePath(env.FLOOR_ROOT, env.FLOOR_STATE_DIR, env.FLOOR_PREFIX);
}
