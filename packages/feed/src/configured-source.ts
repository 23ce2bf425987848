import { isAbsolute, resolve } from 'node:path';
import type { FloorConfig } from '@floor/config';
import { ReplaySource } from './replay-source.js';
import { SimulatorSource } from './simulator-source.js';
import type { MarketSource } from './source.js';

/**
 * The source the floor config's `feed` section asks for. A replay dataset path is taken relative to `rootDir`
 * (the repository root) unless absolute; the source is named after the path as configured, so moving the
 * checkout does not orphan its saved cursor.
 */
export function sourceFromConfig(feed: FloorConfig['feed'], rootDir: string): MarketSource {
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
  }
}
