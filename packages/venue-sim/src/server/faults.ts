import { z } from 'zod';

/**
 * Fault injection, switched per run (CLI flags) or live (`POST /_sandbox/faults` with a JSON patch).
 * Every fault targets a family of endpoints so a test can, say, rate-limit order entry while the book
 * keeps answering.
 */

export const EndpointFamily = z.enum(['gamma', 'market-data', 'meta', 'auth', 'orders', 'cancels', 'account', 'heartbeat']);
export type EndpointFamily = z.infer<typeof EndpointFamily>;

export const HttpErrorFault = z.object({
  family: z.union([EndpointFamily, z.literal('all')]).describe('which endpoints answer with the error'),
  status: z.union([z.literal(429), z.literal(500)]),
  /** sent as `Retry-After` (seconds) on a 429 */
  retryAfterSeconds: z.number().int().positive().default(1),
});
export type HttpErrorFault = z.output<typeof HttpErrorFault>;

export const WsMode = z.enum(['normal', 'drop', 'freeze']).describe(
  'normal; drop = close every socket now and each new one right after it opens; freeze = stay open, send nothing, ignore PING',
);
export type WsMode = z.infer<typeof WsMode>;

export const FaultConfig = z
  .object({
    ws: WsMode.default('normal'),
    /** added before every HTTP answer (control endpoints excepted) */
    delayMs: z.number().int().min(0).max(600_000).default(0),
    httpErrors: z.array(HttpErrorFault).default([]),
    /** the next N `POST /order` are executed (the order IS placed) but never answered; the socket is cut after hangMs */
    acceptThenTimeout: z.object({ orders: z.number().int().min(0), hangMs: z.number().int().min(0).max(600_000).default(5_000) }).default({ orders: 0, hangMs: 5_000 }),
  })
  .strict();
export type FaultConfig = z.output<typeof FaultConfig>;

/** What `POST /_sandbox/faults` accepts: any subset of the config, plus one-shot actions. */
export const FaultPatch = z
  .object({
    ws: WsMode.optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    httpErrors: z.array(HttpErrorFault).optional(),
    acceptThenTimeout: z.object({ orders: z.number().int().min(0), hangMs: z.number().int().min(0).max(600_000).default(5_000) }).optional(),
    /** one-shot: send one malformed (truncated JSON) frame on every open market and user socket */
    malformedFrame: z.boolean().optional(),
    /** true: back to no faults before applying the rest */
    reset: z.boolean().optional(),
  })
  .strict();
export type FaultPatch = z.input<typeof FaultPatch>;

export const NO_FAULTS: FaultConfig = FaultConfig.parse({});

/** The HTTP error fault for an endpoint family, if one is set. */
export function httpErrorFor(config: FaultConfig, family: EndpointFamily): HttpErrorFault | undefined {
  return config.httpErrors.find((f) => f.family === family || f.family === 'all');
}

/** A truncated `price_change`: not JSON, but `sniffEventType` can still tell what was lost. */
export const MALFORMED_FRAME = '{"event_type":"price_change","market":"0x00","price_changes":[{"asset_id":"1","pri';

/**
 * Parses a `--fault-http` flag value `family:status[:retryAfterSeconds]`, e.g. `orders:429:2`.
 * Throws a readable error for a bad value (the CLI shows it).
 */
export function parseHttpFaultFlag(value: string): HttpErrorFault {
  const [family, status, retryAfter] = value.split(':');
  return HttpErrorFault.parse({
    family,
    status: Number(status),
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: Number(retryAfter) }),
  });
}
