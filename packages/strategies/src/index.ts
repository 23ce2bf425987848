export * from './strategy.js';
export * from './momentum.js';
export * from './registry.js';
export * from './exits.js';
export * from './entries.js';
export * from './mean-reversion.js';
export * from './volume-spike.js';
export * from './parity-arbitrage.js';
