export * as schema from './schema.js';
export * from './client.js';
export * from './portfolio.js';
export * from './audit.js';
export * from './allocation.js';
