/**
 * @floor/evolution: the Floor Boss's pure statistics and decisions. No I/O: the Boss reads the records, calls
 * these, then applies the decisions (ledger allocations, new strategy files, PM2) and audits each one.
 *
 * - stats: moments, Sharpe, Probabilistic and Deflated Sharpe Ratio (Bailey & López de Prado)
 * - allocateCapital: next period's capital by max(0, Sharpe) × PSR, probation floor, per-agent cap, deployed kept
 * - reviewPopulation: retire / clone (mutate within the params schema, backtest first) / refuse, bounded population
 * - runPromotionExperiment: false-promotion rate of the rule on generated no-edge agents (for tests and a bench)
 */
export * from './stats.js';
export * from './rng.js';
export * from './config.js';
export * from './decisions.js';
export * from './assess.js';
export * from './allocation.js';
export * from './mutation.js';
export * from './selection.js';
export * from './experiment.js';
