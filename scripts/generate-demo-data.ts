/**
 * Regenerates the bundled demo dataset: `npm run data:generate` → data/demo.jsonl.gz.
 * Synthetic, seeded and deterministic: running it twice writes the same bytes (see DEMO_DATASET).
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_DATASET, writeDemoDataset } from '@floor/sim';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(root, process.argv[2] ?? 'data/demo.jsonl.gz');
mkdirSync(dirname(target), { recursive: true });
const { events, markets } = await writeDemoDataset(target);
const kib = Math.round(statSync(target).size / 1024);
console.log(`wrote ${target}: ${markets} markets, ${events} events, ${kib} KiB (seed ${DEMO_DATASET.seed})`);
