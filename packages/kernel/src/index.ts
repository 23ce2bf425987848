export * from './kernel.js';
