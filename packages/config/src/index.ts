export * from './env.js';
export * from './floor-config.js';
export * from './strategy-files.js';
