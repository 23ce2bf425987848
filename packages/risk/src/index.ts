export * from './check-intent.js';
