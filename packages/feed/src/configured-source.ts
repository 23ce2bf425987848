import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@floor/domain';
import { feedEndpoints, type FloorConfig } from '@floor/config';
import type { LiveFeedMetrics, RateLimiterLike } from '@floor/polymarket';
import type { Logger } from '@floor/telemetry';
import { PolymarketSource } from './polymarket-source.js';
import { ReplaySource } from './replay-source.js';
import { SimulatorSource } from './simulator-source.js';
import type { MarketSource } from './source.js';

/** What a live source (`polymarket`, `sandbox`) needs beyond the config: the process's clients. */
export interface LiveSourceDeps {
  readonly polymarket: FloorConfig['polymarket'];
  /** the floor-wide `RedisRateLimiter` in a real process; an in-memory `RateLimiter` will do in a test */
  readonly limiter: RateLimiterLike;
  readonly log: Logger;
  readonly metrics?: LiveFeedMetrics;
  /** told whether each venue HTTP call worked (for the API-error breaker) */
  readonly onVenueCall?: (ok: boolean) => void;
}

/**
 * The source the floor config's `feed` section asks for. A replay dataset path is taken relative to `rootDir`
 * (the repository root) unless absolute; the source is named after the path as configured, so moving the
 * checkout does not orphan its saved cursor. The live sources need `live`.
 */
export function sourceFromConfig(feed: FloorConfig['feed'], rootDir: string, live?: LiveSourceDeps): MarketSource {
  switch (feed.source) {
    case 'replay':
      return new ReplaySource({
        path: isAbsolute(feed.dataset) ? feed.dataset : resolve(rootDir, feed.dataset),
        label: feed.dataset,
        speed: feed.speed,
        maxGapMs: feed.maxGapMs,
        loop: feed.loop,
      });
    case 'simulator':
      return new SimulatorSource({ seed: feed.seed, ratePerSec: feed.ratePerSec });
    case 'polymarket':
    case 'sandbox': {
      if (!live) throw new ConfigError(`feed.source ${feed.source} needs the live-source dependencies (rate limiter, logger)`);
      const pm = live.polymarket;
      return new PolymarketSource({
        name: feed.source,
        ...feedEndpoints(feed.source, pm),
        discovery: pm.discovery,
        maxMarkets: pm.maxMarkets,
        maxDiscoveryPages: pm.maxDiscoveryPages,
        rediscoverMs: pm.rediscoverMs,
        maxAssetsPerConnection: pm.maxAssetsPerConnection,
        pingIntervalMs: pm.pingIntervalMs,
        staleAfterMs: pm.staleAfterMs,
        tokenQuietAfterMs: pm.tokenQuietAfterMs,
        pollMs: pm.pollMs,
        httpTimeoutMs: pm.httpTimeoutMs,
        limiter: live.limiter,
        log: live.log,
        ...(live.metrics ? { metrics: live.metrics } : {}),
        ...(live.onVenueCall ? { onVenueCall: live.onVenueCall } : {}),
      });
    }
  }
}
