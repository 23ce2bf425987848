export * from './collect.js';
export * from './render.js';
export * from './breakers.js';
