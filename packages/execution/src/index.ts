export * from './executor.js';
export * from './metrics.js';
export * from './live-gates.js';
export * from './live-execution.js';
