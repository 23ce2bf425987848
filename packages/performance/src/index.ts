export * from './compute.js';
export * from './fetch.js';
export * from './metrics.js';
export * from './monitor.js';
