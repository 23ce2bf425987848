export * from './plan.js';
export * from './capital.js';
export * from './config-errors.js';
export * from './pm2-adapter.js';
export * from './watcher.js';
export * from './boss.js';
export * from './floor-control.js';
