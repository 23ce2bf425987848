/**
 * Exact money. Every price, size and amount is an integer count of micro-units (10^-6), held in a bigint.
 * 10^-6 is the precision of USDC/pUSD and of CTF share amounts, and covers every Polymarket tick size.
 * Floats never enter the ledger: venue decimal strings are parsed straight into integers.
 */
export const MICROS_PER_UNIT = 1_000_000n;

/** 1 = $0.000001 */
export type UsdMicros = bigint;
/** 0..1_000_000 for a binary outcome token (1_000_000 = $1 per share) */
export type PriceMicros = bigint;
/** 1 = 0.000001 shares */
export type SharesMicros = bigint;

const DECIMAL_RE = /^(-)?(\d*)(?:\.(\d*))?$/;

/**
 * Parses a decimal string ("0.52", ".48", "12", "-3.5") into micro-units.
 * Rejects exponents, NaN, empty strings and more than 6 decimal places (no silent rounding).
 */
export function parseMicros(decimal: string): bigint {
  const text = decimal.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    throw new RangeError(`not a decimal number: ${JSON.stringify(decimal)}`);
  }
  const frac = m[3] ?? '';
  if (frac.length > 6) throw new RangeError(`more than 6 decimal places: ${JSON.stringify(decimal)}`);
  const whole = BigInt(m[2] === '' ? '0' : (m[2] as string));
  const value = whole * MICROS_PER_UNIT + BigInt(frac.padEnd(6, '0'));
  return m[1] ? -value : value;
}

/** Like parseMicros but rounds extra decimal places half-up instead of rejecting them (for prices from data files). */
export function parseMicrosRounded(decimal: string): bigint {
  const text = decimal.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new RangeError(`not a decimal number: ${JSON.stringify(decimal)}`);
  const frac = m[3] ?? '';
  if (frac.length <= 6) return parseMicros(text);
  const head = parseMicros(`${m[1] ?? ''}${m[2] === '' ? '0' : m[2]}.${frac.slice(0, 6)}`);
  const roundUp = (frac.charCodeAt(6) - 48) >= 5;
  if (!roundUp) return head;
  return head < 0n || m[1] ? head - 1n : head + 1n;
}

/** Converts a JS number that came from JSON (e.g. a Gamma price) to micros, rounding half away from zero. */
export function numberToMicros(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  // toFixed(6) is exact for the decimal representation JSON gave us; no float multiplication.
  return parseMicrosRounded(value.toFixed(7));
}

/** Formats micros as a decimal string with up to 6 places ("0.52", "-3.5", "12"). */
export function formatMicros(value: bigint, minDecimals = 0): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const whole = abs / MICROS_PER_UNIT;
  let frac = (abs % MICROS_PER_UNIT).toString().padStart(6, '0').replace(/0+$/, '');
  if (frac.length < minDecimals) frac = frac.padEnd(minDecimals, '0');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Floor/ceil division for bigints (JS `/` truncates toward zero). */
export function divRound(n: bigint, d: bigint, mode: 'floor' | 'ceil' | 'halfUp'): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) return divRound(-n, -d, mode);
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  if (mode === 'floor') return n < 0n ? q - 1n : q;
  if (mode === 'ceil') return n < 0n ? q : q + 1n;
  // half up (away from zero at exactly half)
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Notional of `size` shares at `price`: price × size / 10^6, with an explicit rounding mode. */
export function notionalMicros(price: PriceMicros, size: SharesMicros, mode: 'floor' | 'ceil'): UsdMicros {
  return divRound(price * size, MICROS_PER_UNIT, mode);
}

export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
export function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Decimal-integer string for the wire: bigints do not survive JSON.stringify. */
export function toWire(value: bigint): string {
  return value.toString();
}
