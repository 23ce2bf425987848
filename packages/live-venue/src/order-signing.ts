import { createHash } from 'node:crypto';
import { utils, type Wallet } from 'ethers';
import { z } from 'zod';
import { getContractConfig } from '@polymarket/clob-client-v2';
import { MICROS_PER_UNIT, type Side } from '@floor/domain';

/**
 * Deterministic V2 orders. clob-client-v2 signs every order with a random `salt` and `timestamp = Date.now()`, so
 * two signings of one intent would be two different orders, and a resubmission after a lost answer could place a
 * second one. We let the client compute the amounts (its rounding rules are the venue's), then fix the two
 * free fields from the intent (salt from the intent id, timestamp from the intent's creation time) and sign the
 * same EIP-712 struct again with the same wallet. The venue's order id is that struct's hash, so it is known
 * before anything is sent.
 *
 * Only EOA, POLY_PROXY and POLY_GNOSIS_SAFE orders are plain EIP-712 signatures; POLY_1271 (deposit wallets)
 * wraps the signature and is not supported here.
 */

/** Domain name and version of the V2 exchange (`ctfExchangeV2TypedData.ts` in clob-client-v2). */
const EXCHANGE_DOMAIN_NAME = 'Polymarket CTF Exchange';
const EXCHANGE_DOMAIN_VERSION = '2';

const ORDER_V2_TYPES = {
  Order: [
    { name: 'salt', type: 'uint256' },
    { name: 'maker', type: 'address' },
    { name: 'signer', type: 'address' },
    { name: 'tokenId', type: 'uint256' },
    { name: 'makerAmount', type: 'uint256' },
    { name: 'takerAmount', type: 'uint256' },
    { name: 'side', type: 'uint8' },
    { name: 'signatureType', type: 'uint8' },
    { name: 'timestamp', type: 'uint256' },
    { name: 'metadata', type: 'bytes32' },
    { name: 'builder', type: 'bytes32' },
  ],
};

const Address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const Uint = z.string().regex(/^\d+$/);
const Bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

/** The V2 order clob-client-v2's `createOrder` returns (the fields we rely on; the rest is kept as is). */
export const SignedOrderV2 = z.looseObject({
  salt: Uint,
  maker: Address,
  signer: Address,
  tokenId: Uint,
  makerAmount: Uint,
  takerAmount: Uint,
  side: z.enum(['BUY', 'SELL']),
  signatureType: z.number().int().min(0).max(2),
  timestamp: Uint,
  metadata: Bytes32,
  builder: Bytes32,
  expiration: Uint.optional(),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
});
export type SignedOrderV2 = z.output<typeof SignedOrderV2>;

/**
 * A salt derived from the idempotency key. `orderToJsonV2` sends the salt as a JS number (`parseInt`), so it must
 * stay below 2^53 to survive the trip exactly: 48 bits of sha256 do.
 */
export function saltFor(idempotencyKey: string): string {
  const digest = createHash('sha256').update(`polymarket-order-salt|${idempotencyKey}`).digest();
  return digest.readUIntBE(0, 6).toString();
}

function exchangeDomain(chainId: number, negRisk: boolean) {
  const contracts = getContractConfig(chainId);
  return {
    name: EXCHANGE_DOMAIN_NAME,
    version: EXCHANGE_DOMAIN_VERSION,
    chainId,
    verifyingContract: negRisk ? contracts.negRiskExchangeV2 : contracts.exchangeV2,
  };
}

function typedMessage(order: SignedOrderV2) {
  return {
    salt: order.salt,
    maker: order.maker,
    signer: order.signer,
    tokenId: order.tokenId,
    makerAmount: order.makerAmount,
    takerAmount: order.takerAmount,
    side: order.side === 'BUY' ? 0 : 1,
    signatureType: order.signatureType,
    timestamp: order.timestamp,
    metadata: order.metadata,
    builder: order.builder,
  };
}

/** The venue's order id of a signed V2 order: its EIP-712 hash. */
export function orderIdOf(order: SignedOrderV2, chainId: number, negRisk: boolean): string {
  return utils._TypedDataEncoder.hash(exchangeDomain(chainId, negRisk), ORDER_V2_TYPES, typedMessage(order));
}

/** Re-signs `order` with the deterministic salt and timestamp. Returns the order and its venue id. */
export async function sealOrder(
  wallet: Wallet,
  order: SignedOrderV2,
  fixed: { readonly salt: string; readonly timestampMs: number; readonly chainId: number; readonly negRisk: boolean },
): Promise<{ order: SignedOrderV2; orderId: string }> {
  const sealed = { ...order, salt: fixed.salt, timestamp: String(fixed.timestampMs) };
  const domain = exchangeDomain(fixed.chainId, fixed.negRisk);
  const signature = await wallet._signTypedData(domain, ORDER_V2_TYPES, typedMessage(sealed));
  return { order: { ...sealed, signature }, orderId: orderIdOf(sealed, fixed.chainId, fixed.negRisk) };
}

// ---------------------------------------------------------------------------------------------------------
// Prices, sizes and ticks
// ---------------------------------------------------------------------------------------------------------

const TICKS = { '100000': '0.1', '10000': '0.01', '5000': '0.005', '2500': '0.0025', '1000': '0.001', '100': '0.0001' } as const;
export type TickSize = (typeof TICKS)[keyof typeof TICKS];

/** The client's tick-size string of a tick in micros, or undefined for a tick Polymarket does not use. */
export function tickSizeOf(tickMicros: bigint): TickSize | undefined {
  return (TICKS as Record<string, TickSize>)[tickMicros.toString()];
}

/** The limit rounded onto the tick grid without worsening it: a BUY rounds down, a SELL up. */
export function priceOnTick(priceMicros: bigint, tickMicros: bigint, side: Side): bigint {
  const below = (priceMicros / tickMicros) * tickMicros;
  return side === 'BUY' || below === priceMicros ? below : below + tickMicros;
}

/** Order sizes go to the venue with two decimals (ROUNDING_CONFIG `size: 2` for every tick). */
export const SIZE_STEP_MICROS = 10_000n;

export function sizeOnStep(sizeMicros: bigint): bigint {
  return (sizeMicros / SIZE_STEP_MICROS) * SIZE_STEP_MICROS;
}

/** A micro amount as the decimal number the client's order builders take (exact: at most 6 decimals). */
export function microsToNumber(micros: bigint): number {
  const whole = micros / MICROS_PER_UNIT;
  const frac = (micros % MICROS_PER_UNIT).toString().padStart(6, '0');
  return Number(`${whole}.${frac}`);
}
