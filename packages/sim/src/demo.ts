import type { DatasetHeaderWire } from './dataset.js';
import { writeDataset } from './dataset.js';
import { simulateMarkets, type SimulateMarketsOptions } from './simulate.js';

/**
 * The bundled demo dataset's recipe (data/demo.jsonl.gz). Eight markets, three sim-days each, listed twelve
 * hours apart so the replay shows listings and resolutions along the way. Changing anything here changes the
 * file: regenerate it with `npm run data:generate` and say so in data/README.md.
 */
export const DEMO_DATASET = {
  name: 'demo',
  seed: 7,
  markets: 8,
  startMs: Date.UTC(2025, 0, 6),
  stepMs: 60_000,
  steps: 3 * 24 * 60,
  staggerMs: 12 * 3_600_000,
} as const satisfies SimulateMarketsOptions & { name: string };

/** Header and events of a simulated dataset, ready for `writeDataset`. */
export function simulatedDataset(name: string, opts: SimulateMarketsOptions) {
  const sim = simulateMarkets(opts);
  const header: DatasetHeaderWire = {
    format: 'floor-dataset',
    v: 1,
    name,
    // the listing time of the first market, not the wall clock: regenerating must give the same bytes
    createdAtMs: opts.startMs,
    generator: `floor-sim seed=${opts.seed} markets=${opts.markets} stepMs=${opts.stepMs} steps=${opts.steps} staggerMs=${opts.staggerMs ?? 0}`,
    markets: [...sim.markets],
  };
  return { header, events: sim.events, markets: sim.markets };
}

/** Writes the demo dataset to `path` (byte-identical on every run). */
export async function writeDemoDataset(path: string): Promise<{ events: number; markets: number }> {
  const { header, events, markets } = simulatedDataset(DEMO_DATASET.name, DEMO_DATASET);
  const written = await writeDataset(path, header, events);
  return { events: written.events, markets: markets.length };
}
