import { createHash } from 'node:crypto';
import { MarketInfo, type MarketCategory } from '@floor/domain';
import { TICK_MICROS } from './books.js';
import type { Random } from './random.js';

/** Categories the simulator lists markets in ('other' is left to real data). */
export const SIM_CATEGORIES: readonly MarketCategory[] = ['sports', 'elections', 'crypto', 'macro', 'weather', 'corporate'];

/** Polymarket's common taker fees (probability-weighted); about a quarter of simulated markets are fee-free, as on the venue. */
const FEE_FREE = { rateMicros: 0n, exponent: 1, takerOnly: true } as const;
const FEE_4_PCT = { rateMicros: 40_000n, exponent: 1, takerOnly: true } as const;
const FEE_2_PCT = { rateMicros: 20_000n, exponent: 1, takerOnly: true } as const;

function feeSchedule(rng: Random) {
  if (rng.chance(0.25)) return FEE_FREE;
  return rng.chance(0.7) ? FEE_4_PCT : FEE_2_PCT;
}

const TEAMS = ['Harbor City Herons', 'Red Valley Rams', 'Northgate Comets', 'Lakeside Lynx', 'Iron Bay Miners', 'Sunport Sharks'];
const CANDIDATES = ['Alvarez', 'Brennan', 'Castellano', 'Duval', 'Eriksen', 'Fontaine'];
const PLACES = ['Westmark', 'New Albion', 'Port Ellis', 'Carrow County', 'Eastvale'];
const COINS = ['BTC', 'ETH', 'SOL'];
const CITIES = ['Ashford', 'Millbrook', 'Stonehaven', 'Redcliff'];
const COMPANIES = ['Acme Robotics', 'Globex', 'Initech', 'Umbrella Foods', 'Vandelay Imports'];

/** sha256 as hex: the source of every simulated identifier, so ids depend only on the seed and the market number. */
function digest(...parts: ReadonlyArray<string | number>): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

/** A Polymarket-style condition id: 0x + 64 hex digits. */
export function simConditionId(seed: number, index: number): string {
  return `0x${digest('floor-sim', seed, 'market', index)}`;
}

/** A Polymarket-style CLOB token id: a uint256 written in decimal (about 77 digits). */
export function simTokenId(seed: number, index: number, outcome: 'Yes' | 'No'): string {
  return BigInt(`0x${digest('floor-sim', seed, 'token', index, outcome)}`).toString();
}

function question(category: MarketCategory, endDateMs: number, rng: Random): string {
  const day = new Date(endDateMs).toISOString().slice(0, 10);
  switch (category) {
    case 'sports': {
      const [home, away] = rng.shuffle(TEAMS);
      return `Will the ${home} beat the ${away} on ${day}?`;
    }
    case 'elections':
      return `Will ${rng.pick(CANDIDATES)} win the ${rng.pick(PLACES)} mayoral election?`;
    case 'crypto': {
      const coin = rng.pick(COINS);
      const level = coin === 'BTC' ? rng.int(60, 140) * 1_000 : coin === 'ETH' ? rng.int(20, 60) * 100 : rng.int(10, 40) * 10;
      return `Will ${coin} close above $${level.toLocaleString('en-US')} on ${day}?`;
    }
    case 'macro':
      return `Will the ${rng.pick(PLACES)} central bank cut its policy rate by ${day}?`;
    case 'weather':
      return `Will ${rng.pick(CITIES)} record more than ${rng.int(10, 40)} mm of rain on ${day}?`;
    case 'corporate':
      return `Will ${rng.pick(COMPANIES)} beat revenue estimates in results out by ${day}?`;
    default:
      return `Will simulated event #${rng.int(1, 9_999)} happen by ${day}?`;
  }
}

function slugOf(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** The static description of simulated market number `index` (deterministic in seed, index and rng). */
export function simMarketInfo(args: { seed: number; index: number; category: MarketCategory; endDateMs: number; rng: Random }): MarketInfo {
  const { seed, index, category, endDateMs, rng } = args;
  const text = question(category, endDateMs, rng);
  return MarketInfo.parse({
    marketId: simConditionId(seed, index),
    question: text,
    slug: `${slugOf(text)}-sim${index}`,
    category,
    eventId: `sim-${seed}-${index}`,
    endDateMs,
    tickSizeMicros: TICK_MICROS,
    minOrderSizeMicros: 5_000_000n,
    negRisk: false,
    fee: feeSchedule(rng),
    tokens: [
      { tokenId: simTokenId(seed, index, 'Yes'), outcome: 'Yes' },
      { tokenId: simTokenId(seed, index, 'No'), outcome: 'No' },
    ],
  });
}
