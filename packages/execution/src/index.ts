export * from './executor.js';
export * from './metrics.js';
