export * from './match.js';
