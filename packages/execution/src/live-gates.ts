import { ConfigError } from '@floor/domain';
import type { Env, FloorConfig } from '@floor/config';
import { createClobVenue, type LiveVenue } from '@floor/live-venue';
import type { Logger } from '@floor/telemetry';

/**
 * The three gates of live trading. A real order needs all of them:
 *   1. `execution.mode: live` in config/floor.yaml          (the floor's owner)
 *   2. `ENABLE_LIVE_TRADING=true` in the environment        (whoever starts the process)
 *   3. `live: true` in the agent's strategy file            (carried on each intent as `intent.live`)
 * Gates 1 and 2 decide whether the executor builds a venue client at all: closed, no object exists that could
 * send a request. Gate 3 is checked per intent (`routesLive`). Any gate closed → the paper exchange.
 */

export type ExecutionConfig = FloorConfig['execution'];
export type LiveSettings = ExecutionConfig['live'];

export type FloorGates = { readonly open: true } | { readonly open: false; readonly closed: readonly string[] };

export function floorLiveGates(execution: Pick<ExecutionConfig, 'mode'>, env: Pick<Env, 'ENABLE_LIVE_TRADING'>): FloorGates {
  const closed = [
    ...(execution.mode === 'live' ? [] : ['execution.mode is not live']),
    ...(env.ENABLE_LIVE_TRADING ? [] : ['ENABLE_LIVE_TRADING is not true']),
  ];
  return closed.length === 0 ? { open: true } : { open: false, closed };
}

/** Gate 3, given a venue that exists only when gates 1 and 2 are open. */
export function routesLive(intent: { readonly live: boolean }, venue: LiveVenue | undefined): venue is LiveVenue {
  return intent.live && venue !== undefined;
}

/**
 * The live venue when gates 1 and 2 are open, else undefined. Says which, once: with the gates open, the wallet
 * address (never the key) and the host every live order will go to.
 */
export function openLiveVenue(args: {
  readonly execution: ExecutionConfig;
  readonly env: Pick<Env, 'ENABLE_LIVE_TRADING' | 'POLYMARKET_PRIVATE_KEY' | 'POLYMARKET_API_KEY' | 'POLYMARKET_API_SECRET' | 'POLYMARKET_API_PASSPHRASE'>;
  readonly log: Logger;
}): LiveVenue | undefined {
  const { execution, env, log } = args;
  const gates = floorLiveGates(execution, env);
  if (!gates.open) {
    log.info({ gatesClosed: gates.closed }, 'live trading gates closed: every intent goes to the paper exchange');
    return undefined;
  }
  if (!env.POLYMARKET_PRIVATE_KEY) throw new ConfigError('live trading is enabled but POLYMARKET_PRIVATE_KEY is not set');
  const given = [env.POLYMARKET_API_KEY, env.POLYMARKET_API_SECRET, env.POLYMARKET_API_PASSPHRASE];
  if (given.some((v) => v) && !given.every((v) => v)) {
    throw new ConfigError('set all three of POLYMARKET_API_KEY, POLYMARKET_API_SECRET and POLYMARKET_API_PASSPHRASE, or none (then they are derived)');
  }
  const { live } = execution;
  let venue: LiveVenue;
  try {
    venue = createClobVenue({
      host: live.host,
      chainId: live.chainId,
      privateKey: env.POLYMARKET_PRIVATE_KEY,
      signatureType: live.signatureType,
      funder: live.funder,
      creds: env.POLYMARKET_API_KEY && env.POLYMARKET_API_SECRET && env.POLYMARKET_API_PASSPHRASE
        ? { key: env.POLYMARKET_API_KEY, secret: env.POLYMARKET_API_SECRET, passphrase: env.POLYMARKET_API_PASSPHRASE }
        : undefined,
      submitTimeoutMs: live.submitTimeoutMs,
    });
  } catch {
    // ethers' message for a malformed key can quote the input: never pass it on
    throw new ConfigError('POLYMARKET_PRIVATE_KEY is not a valid private key');
  }
  log.warn(
    {
      wallet: venue.address,
      funder: live.funder ?? venue.address,
      host: live.host,
      chainId: live.chainId,
      l2Credentials: env.POLYMARKET_API_KEY ? 'from environment' : 'derived at start',
    },
    'LIVE TRADING ENABLED: agents with `live: true` place real orders',
  );
  return venue;
}
