export * from './kernel.js';
export * from './forecast-broker.js';
