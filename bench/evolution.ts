/**
 * `npm run bench:evolution`: the Boss's promotion rule on generated data (@floor/evolution
 * `runPromotionExperiment`). Agents that enter at random on a random walk have no edge; the rule should promote
 * almost none of them (stated bound: 1 %), where the undeflated PSR rule promotes about 5 %. One agent with a real
 * edge (drift 0.15 σ per step) should be promoted and get the largest allotment. Prints the figures per seed and
 * pooled; the defaults of `EvolutionConfig` are the rule measured.
 */
import { formatMicros } from '@floor/domain';
import { EvolutionConfig, runPromotionExperiment } from '@floor/evolution';

const config = EvolutionConfig.parse({});
const AGENTS = 200;
const TRADES = 300;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const EDGE_DRIFT = 0.15;
const BANKROLL = 10_000_000_000n;

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
console.log(`promotion rule: DSR ≥ ${config.promoteDsr} after ≥ ${config.minTrades} trades; ${AGENTS} no-edge agents × ${TRADES} trades, seeds ${SEEDS[0]}..${SEEDS.at(-1)}`);
console.log('seed  false-promoted  (undeflated PSR)  bar Sharpe  edge Sharpe  edge DSR  promoted  edge capital  share   max no-edge');

let promoted = 0;
let nulls = 0;
let undeflated = 0;
let edgePromoted = 0;
let shareSum = 0;
for (const seed of SEEDS) {
  const r = runPromotionExperiment({ agents: AGENTS, tradesPerAgent: TRADES, seed, edgeDriftPerStep: EDGE_DRIFT, bankrollMicros: BANKROLL }, config);
  const e = r.edgeAgent;
  if (!e) throw new Error('the experiment ran without its edge agent');
  promoted += r.falsePromotions;
  nulls += AGENTS;
  undeflated += r.undeflatedFalsePromotionRate * AGENTS;
  if (e.promoted) edgePromoted += 1;
  const share = Number(e.targetMicros) / Number(BANKROLL);
  shareSum += share;
  console.log(
    [
      String(seed).padStart(4),
      `${r.falsePromotions}/${AGENTS} ${pct(r.falsePromotionRate)}`.padStart(15),
      pct(r.undeflatedFalsePromotionRate).padStart(17),
      r.benchmarkSharpe.toFixed(3).padStart(11),
      e.sharpe.toFixed(3).padStart(12),
      e.dsr.toFixed(4).padStart(9),
      String(e.promoted).padStart(9),
      `$${formatMicros(e.targetMicros, 2)}`.padStart(13),
      pct(share).padStart(7),
      `$${formatMicros(e.maxNullTargetMicros, 2)}`.padStart(12),
    ].join(' '),
  );
}
console.log('');
console.log(`false promotions among no-edge agents: ${promoted}/${nulls} = ${pct(promoted / nulls)} (bound 1 %); undeflated PSR rule: ${pct(undeflated / nulls)}`);
console.log(`edge agent promoted in ${edgePromoted}/${SEEDS.length} seeds; mean capital share ${pct(shareSum / SEEDS.length)} of the bankroll (cap ${pct(config.allocation.maxAgentShare)})`);
