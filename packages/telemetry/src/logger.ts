import { pino, type Logger } from 'pino';
import { SECRET_ENV_KEYS } from '@floor/config';

export type { Logger };

/**
 * Paths pino censors wherever they appear: the env variables that hold secrets, plus the field names the
 * CLOB client and L2 headers use for them. Secrets never reach a log line.
 */
export const REDACT_PATHS: string[] = [
  ...SECRET_ENV_KEYS,
  ...SECRET_ENV_KEYS.map((k) => `*.${k}`),
  'privateKey', '*.privateKey', 'secret', '*.secret', 'apiSecret', '*.apiSecret', 'passphrase', '*.passphrase',
  'apiKey', '*.apiKey', 'key', 'creds', '*.creds', 'POLY_API_KEY', 'POLY_PASSPHRASE', 'POLY_SIGNATURE',
  'headers.POLY_API_KEY', 'headers.POLY_PASSPHRASE', 'headers.POLY_SIGNATURE', '*.headers.POLY_PASSPHRASE',
  'authorization', '*.authorization', 'headers.authorization', 'env', '*.env',
];

/** The root logger of a process: JSON lines with app bindings, secrets redacted, bigints as strings. */
export function createLogger(app: string, level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { app, pid: process.pid, ...bindings },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      // bigints (micro-unit amounts) would make pino throw; write them as decimal strings
      logMethod(args, method) {
        const fixed = args.map((a) => (a && typeof a === 'object' ? bigintSafe(a) : a)) as Parameters<typeof method>;
        method.apply(this, fixed);
      },
    },
  });
}

function bigintSafe(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error || depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => bigintSafe(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bigintSafe(v, depth + 1);
  return out;
}
