import { MICROS_PER_UNIT, type BookLevel } from '@floor/domain';
import type { Random } from './random.js';

/** The simulator quotes on Polymarket's common 0.01 grid. */
export const TICK_MICROS = 10_000n;
/** Ticks in one dollar: a binary token trades strictly between tick 1 and tick 99. */
export const TICKS_PER_UNIT = Number(MICROS_PER_UNIT / TICK_MICROS);

/** Where the YES book's touch sits, in ticks (bid < ask, both on the grid inside (0, 1)). */
export interface Touch {
  readonly bidTick: number;
  readonly askTick: number;
}

/** How deep the simulated market makers quote. */
export interface DepthShape {
  /** median shares at the touch */
  readonly touchShares: number;
  /** each level further from the touch holds about (1 + growth × distance) times the touch size */
  readonly growthPerLevel: number;
  readonly minLevels: number;
  readonly maxLevels: number;
}

export interface TokenBooks {
  readonly yes: { readonly bids: BookLevel[]; readonly asks: BookLevel[] };
  readonly no: { readonly bids: BookLevel[]; readonly asks: BookLevel[] };
}

/**
 * The touch for a fair probability and a spread: the bid sits about half a spread below the fair price, so the
 * mid tracks the latent probability to within a tick. Clamped so both sides stay strictly inside (0, 1).
 */
export function touchFor(probability: number, spreadTicks: number): Touch {
  const spread = Math.max(1, Math.min(spreadTicks, TICKS_PER_UNIT - 2));
  const raw = Math.round(probability * TICKS_PER_UNIT - spread / 2);
  const bidTick = Math.min(Math.max(raw, 1), TICKS_PER_UNIT - 1 - spread);
  return { bidTick, askTick: bidTick + spread };
}

/**
 * Both tokens' books around a touch. Depth grows away from the touch (market makers quote bigger where they
 * are less likely to be hit). The NO book is the YES book seen from the other side: a resting YES ask at p is
 * a NO bid at 1 − p for the same shares, so the two can never cross each other.
 */
export function buildBooks(touch: Touch, shape: DepthShape, rng: Random): TokenBooks {
  const yesBids = ladder(touch.bidTick, -1, shape, rng);
  const yesAsks = ladder(touch.askTick, +1, shape, rng);
  return { yes: { bids: yesBids, asks: yesAsks }, no: { bids: mirrorLevels(yesAsks), asks: mirrorLevels(yesBids) } };
}

/** The other token's side of the same resting orders: price 1 − p, same size, order kept best-first. */
export function mirrorLevels(levels: readonly BookLevel[]): BookLevel[] {
  return levels.map((l) => ({ priceMicros: MICROS_PER_UNIT - l.priceMicros, sizeMicros: l.sizeMicros }));
}

function ladder(touchTick: number, direction: -1 | 1, shape: DepthShape, rng: Random): BookLevel[] {
  const wanted = rng.int(shape.minLevels, shape.maxLevels);
  const room = direction < 0 ? touchTick : TICKS_PER_UNIT - touchTick; // ticks left before 0 or 1
  const levels: BookLevel[] = [];
  for (let k = 0; k < Math.min(wanted, room); k += 1) {
    const shares = Math.max(5, Math.round(shape.touchShares * (1 + shape.growthPerLevel * k) * rng.logNormal(1, 0.35)));
    levels.push({ priceMicros: BigInt(touchTick + direction * k) * TICK_MICROS, sizeMicros: BigInt(shares) * MICROS_PER_UNIT });
  }
  return levels;
}
