/**
 * @floor/backtest: strategies run through the live kernel over recorded or simulated market data, with the
 * executor's paper matching and booking; reports, trade CSV, equity SVG, parameter sweeps with walk-forward
 * validation, and the CLI verbs `floor backtest` and `floor sweep`.
 */
export * from './backtest.js';
export * from './metrics.js';
export * from './sim-executor.js';
export * from './report.js';
export * from './oracle-port.js';
export * from './sweep.js';
export * from './cli.js';
export * from './daily-history.js';
