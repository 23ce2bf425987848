export * as schema from './schema.js';
export * from './client.js';
export * from './portfolio.js';
export * from './audit.js';
export * from './allocation.js';
export * from './checkpoints.js';
export * from './execution.js';
export * from './findings.js';
export * from './agents-repo.js';
