export * from './collect.js';
export * from './render.js';
