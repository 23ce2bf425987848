export * from './compute.js';
export * from './discovery.js';
export * from './fetch.js';
export * from './metrics.js';
export * from './monitor.js';
export * from './stats.js';
export * from './daily-summary.js';
