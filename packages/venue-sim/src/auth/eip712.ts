import { utils } from 'ethers';

/**
 * The two EIP-712 structures the CLOB checks, exactly as @polymarket/clob-client-v2 signs them
 * (`src/signing/eip712.ts`, `src/order-utils/model/ctfExchangeV2TypedData.ts`), and signature recovery
 * with ethers v5. Recovery never throws: a malformed signature recovers to null.
 */

/** L1: the message signed to create or derive API credentials. */
export const CLOB_AUTH_MESSAGE = 'This message attests that I control the given wallet';

const CLOB_AUTH_TYPES = {
  ClobAuth: [
    { name: 'address', type: 'address' },
    { name: 'timestamp', type: 'string' },
    { name: 'nonce', type: 'uint256' },
    { name: 'message', type: 'string' },
  ],
};

/** V2 exchange order struct (domain "Polymarket CTF Exchange", version "2"). */
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

/** V2 exchange contracts; the same addresses on Polygon (137) and Amoy (80002) (clob-client-v2 `src/config.ts`). */
export const EXCHANGE_V2_ADDRESS = '0xE111180000d2663C0091e4f400237545B87B996B';
export const NEG_RISK_EXCHANGE_V2_ADDRESS = '0xe2222d279d744050d28e00520010520000310F59';

export interface ClobAuthClaim {
  readonly address: string;
  /** unix seconds as the header carried it */
  readonly timestamp: string;
  readonly nonce: bigint;
}

export function recoverClobAuthSigner(chainId: number, claim: ClobAuthClaim, signature: string): string | null {
  return recover(() =>
    utils.verifyTypedData(
      { name: 'ClobAuthDomain', version: '1', chainId },
      CLOB_AUTH_TYPES,
      { address: claim.address, timestamp: claim.timestamp, nonce: claim.nonce, message: CLOB_AUTH_MESSAGE },
      signature,
    ),
  );
}

/** The signed fields of a V2 order, as decimal strings / hex as they travel in `POST /order`. */
export interface OrderV2Struct {
  readonly salt: string;
  readonly maker: string;
  readonly signer: string;
  readonly tokenId: string;
  readonly makerAmount: string;
  readonly takerAmount: string;
  readonly side: 'BUY' | 'SELL';
  readonly signatureType: number;
  readonly timestamp: string;
  readonly metadata: string;
  readonly builder: string;
}

function orderDomain(chainId: number, negRisk: boolean) {
  return {
    name: 'Polymarket CTF Exchange',
    version: '2',
    chainId,
    verifyingContract: negRisk ? NEG_RISK_EXCHANGE_V2_ADDRESS : EXCHANGE_V2_ADDRESS,
  };
}

function orderValue(order: OrderV2Struct) {
  return { ...order, side: order.side === 'BUY' ? 0 : 1 };
}

/** The order's EIP-712 hash: the CLOB uses it as the order id. */
export function orderHash(chainId: number, negRisk: boolean, order: OrderV2Struct): string {
  return utils._TypedDataEncoder.hash(orderDomain(chainId, negRisk), ORDER_V2_TYPES, orderValue(order));
}

export function recoverOrderSigner(chainId: number, negRisk: boolean, order: OrderV2Struct, signature: string): string | null {
  return recover(() => utils.verifyTypedData(orderDomain(chainId, negRisk), ORDER_V2_TYPES, orderValue(order), signature));
}

export function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function recover(run: () => string): string | null {
  try {
    return run();
  } catch {
    return null;
  }
}
