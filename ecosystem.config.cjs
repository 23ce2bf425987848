/**
 * PM2 ecosystem of the trading floor: `pm2 start ecosystem.config.cjs` (what `npm start` does).
 *
 * Each app runs its TypeScript through tsx (`node --import tsx apps/<app>/src/main.ts`). Agents are not listed:
 * the Boss starts one `agent-<id>` per strategy file through the PM2 API, in the same namespace.
 *
 * Only the variables below are passed on, read from the environment of whoever runs PM2; secrets only when set.
 * The floor's own code reads the environment through @floor/config's loadEnv; this file is PM2's.
 */
const path = require('node:path');

const root = __dirname;
// must match DEFAULT_PM2_NAMESPACE in packages/supervisor/src/pm2-adapter.ts
const namespace = process.env.FLOOR_PM2_NAMESPACE || 'floor';

const PASSED_ON = [
  'DATABASE_URL',
  'REDIS_URL',
  'FLOOR_PREFIX',
  'FLOOR_CONFIG_DIR',
  'FLOOR_ROOT',
  'FLOOR_STATE_DIR',
  'FLOOR_AGENT_SCRIPT',
  'FLOOR_PM2_NAMESPACE',
  'LOG_LEVEL',
  'ENABLE_LIVE_TRADING',
  'POLYMARKET_PRIVATE_KEY',
  'POLYMARKET_API_KEY',
  'POLYMARKET_API_SECRET',
  'POLYMARKET_API_PASSPHRASE',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'ALERT_TELEGRAM_BOT_TOKEN',
  'ALERT_TELEGRAM_CHAT_ID',
  'ALERT_TELEGRAM_API_BASE',
  'ALERT_SLACK_WEBHOOK_URL',
  'ALERT_DISCORD_WEBHOOK_URL',
  // the Boss drives the daemon it runs under; a private PM2_HOME (tests) must reach it
  'PM2_HOME',
];

function passedOnEnv() {
  const env = { FLOOR_ROOT: root };
  for (const key of PASSED_ON) {
    const value = process.env[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  return env;
}

/** Seconds each app gets to drain after SIGINT before PM2 kills it. */
const KILL_TIMEOUT_MS = {
  boss: 30_000, // stops every agent (each checkpoints) before it exits
  collector: 10_000,
  executor: 15_000, // finishes the intent in hand and its Postgres transaction
  auditor: 10_000,
  monitor: 10_000,
};

const apps = Object.entries(KILL_TIMEOUT_MS).map(([name, killTimeoutMs]) => ({
  name,
  namespace,
  script: path.join(root, 'apps', name, 'src', 'main.ts'),
  interpreter: 'node',
  node_args: ['--import', 'tsx'],
  cwd: root,
  env: passedOnEnv(),
  autorestart: true,
  kill_timeout: killTimeoutMs,
  exp_backoff_restart_delay: 200,
  // a process that dies within min_uptime of its start counts as unstable; after max_restarts of those PM2 gives up
  max_restarts: 15,
  min_uptime: 10_000,
  merge_logs: true,
}));

// `npm run demo` adds the sandbox venue (a local Polymarket-protocol server replaying the bundled dataset); the
// demo's collector reads it through the same live code path a real floor uses.
if (process.env.FLOOR_SANDBOX_ARGS) {
  apps.unshift({
    name: 'sandbox',
    namespace,
    script: path.join(root, 'apps', 'sandbox', 'src', 'main.ts'),
    args: process.env.FLOOR_SANDBOX_ARGS,
    interpreter: 'node',
    node_args: ['--import', 'tsx'],
    cwd: root,
    env: passedOnEnv(),
    autorestart: true,
    kill_timeout: 5_000,
    exp_backoff_restart_delay: 200,
    max_restarts: 15,
    min_uptime: 10_000,
    merge_logs: true,
  });
}

module.exports = { apps };
