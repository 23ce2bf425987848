export * from './runtime.js';
export * from './selector.js';
export * from './forecasts.js';
export * from './local-checkpoint.js';
export * from './process.js';
