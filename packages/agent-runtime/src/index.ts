export * from './runtime.js';
export * from './selector.js';
