import { z } from 'zod';
import { describeIssues, numberToMicros, parseMicros, parseMicrosRounded, type BookLevel } from '@floor/domain';

/**
 * Building blocks shared by every Polymarket parser: the result type (parsers never throw on venue
 * input), and zod schemas that turn the venue's decimal strings and timestamps into exact values.
 */

/**
 * Why a payload could not be used.
 * - `malformed`: not JSON, truncated, or not an object at all.
 * - `unknown_type`: well-formed, but an `event_type` (or message kind) this adapter does not know.
 * - `invalid`: a known message whose fields have the wrong type or value (e.g. a number where the
 *   venue sends a string).
 */
export type ParseFailureKind = 'malformed' | 'unknown_type' | 'invalid';

export interface ParseFailure {
  readonly ok: false;
  readonly kind: ParseFailureKind;
  /** The payload's `event_type` (or REST surface name) when it could be read, for the log line. */
  readonly eventType?: string;
  readonly detail: string;
}

export interface ParseSuccess<T> {
  readonly ok: true;
  readonly value: T;
}

export type ParseResult<T> = ParseSuccess<T> | ParseFailure;

export function parsed<T>(value: T): ParseSuccess<T> {
  return { ok: true, value };
}

export function parseFailure(kind: ParseFailureKind, detail: string, eventType?: string): ParseFailure {
  return eventType === undefined ? { ok: false, kind, detail } : { ok: false, kind, eventType, detail };
}

/** Runs a zod schema over a raw payload and maps failure to an `invalid` result naming the bad fields. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown, eventType?: string): ParseResult<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return parsed(result.data);
  return parseFailure('invalid', describeIssues(result.error.issues), eventType);
}

/** `JSON.parse` without the throw. The detail keeps the parser's message (position of the damage). */
export function parseJsonText(text: string): ParseResult<unknown> {
  try {
    return parsed(JSON.parse(text) as unknown);
  } catch (err) {
    return parseFailure('malformed', `not JSON (${err instanceof Error ? err.message : String(err)}): ${preview(text)}`);
  }
}

/**
 * Best-effort `event_type` of a frame that would not parse (truncated, corrupted), read with a regex
 * so the log line can still say what kind of message was lost.
 */
export function sniffEventType(text: string): string | undefined {
  return /"event_type"\s*:\s*"([A-Za-z0-9_]{1,64})"/.exec(text)?.[1];
}

/** The first characters of a payload, for log lines that must not carry a whole frame. */
export function preview(text: string, maxChars = 80): string {
  return text.length <= maxChars ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, maxChars))}…(${text.length} chars)`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------

/** Wraps a throwing converter as a zod transform that reports a field issue instead. */
function converted<I, O>(convert: (input: I) => O) {
  return (input: I, ctx: z.RefinementCtx): O => {
    try {
      return convert(input);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
  };
}

/**
 * A CLOB decimal string ("0.52", ".48", "150.0") → exact micro-units. More than 6 decimal places is
 * refused, not rounded: CLOB prices and sizes are 6-decimal integers on chain, so more would mean a
 * payload we misunderstand.
 */
export const DecimalMicros = z.string().transform(converted(parseMicros));

/**
 * A decimal string that may carry float noise past 6 places (Gamma's `"25814545.294374414"` volume),
 * rounded half-up to micro-units. For statistics only, never for prices we trade at.
 */
export const DecimalMicrosRounded = z.string().transform(converted(parseMicrosRounded));

/** A JSON number (Gamma sends ticks, fee rates and some statistics as numbers) → micro-units. */
export const NumberMicros = z.number().transform(converted(numberToMicros));

/** Epoch milliseconds as a digit string (`"1703875200000"`), the CLOB WebSocket's timestamp format. */
export const MsString = z
  .string()
  .regex(/^\d{1,16}$/, 'expected epoch milliseconds as a digit string')
  .transform((s) => Number(s));

/**
 * Epoch seconds below this are read as seconds, above as milliseconds: 10^11 s is the year 5138,
 * 10^11 ms is 1973, so no real timestamp is ambiguous.
 */
const SECONDS_MS_BOUNDARY = 100_000_000_000;

/** Digit-string or number epoch (seconds or milliseconds, see SECONDS_MS_BOUNDARY) → milliseconds. */
export function epochToMs(value: number): number {
  return value < SECONDS_MS_BOUNDARY ? value * 1000 : value;
}

/**
 * User-channel and REST order/trade times arrive as epoch seconds, epoch milliseconds (as strings or
 * numbers) or ISO strings, depending on the endpoint and its version. All become epoch milliseconds.
 */
export const VenueTimeMs = z.union([z.string(), z.number()]).transform(
  converted((value: string | number): number => {
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`not an epoch time: ${value}`);
      return epochToMs(Math.trunc(value));
    }
    if (/^\d{1,16}$/.test(value)) return epochToMs(Number(value));
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${JSON.stringify(value)}`);
    return ms;
  }),
);

/** An ISO-8601 date-time string → epoch milliseconds. */
export const IsoDateMs = z.string().transform(
  converted((value: string): number => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new RangeError(`not an ISO date: ${JSON.stringify(value)}`);
    return ms;
  }),
);

/**
 * Gamma encodes some arrays as JSON text inside the JSON (`"outcomes": "[\"Yes\", \"No\"]"`).
 * Decodes the text, then validates the decoded value with `inner`.
 */
export function jsonEncoded<S extends z.ZodType>(inner: S) {
  return z
    .string()
    .transform(
      converted((text: string): unknown => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new SyntaxError(`not JSON-encoded: ${preview(text, 40)}`);
        }
      }),
    )
    .pipe(inner);
}

export const Side = z.enum(['BUY', 'SELL']);
export type Side = z.infer<typeof Side>;

/** Basis points as the venue sends them: a digit string (`"0"`, `"150"`). */
export const BpsString = z
  .string()
  .regex(/^\d+$/, 'expected basis points as a digit string')
  .transform((s) => Number(s));

/** An optional decimal string; `""` and absent both mean "not given" (e.g. `best_bid` of an empty side). */
export const OptionalDecimalMicros = z
  .union([z.literal(''), DecimalMicros])
  .nullish()
  .transform((v): bigint | null => (v === '' || v === null || v === undefined ? null : v));

/** A CLOB book level as the wire sends it: price and size as decimal strings. */
export const WireBookLevel = z.object({ price: DecimalMicros, size: DecimalMicros });

/**
 * CLOB books list bids ascending and asks descending, so the best level is the LAST entry. The
 * domain keeps books best-first; this reverses a wire side into that order.
 */
export function bestFirst(levels: ReadonlyArray<{ readonly price: bigint; readonly size: bigint }>): BookLevel[] {
  const out: BookLevel[] = [];
  for (let i = levels.length - 1; i >= 0; i -= 1) {
    const level = levels[i];
    if (level) out.push({ priceMicros: level.price, sizeMicros: level.size });
  }
  return out;
}
