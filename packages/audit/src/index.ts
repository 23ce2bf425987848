export * from './rules.js';
export * from './fill-checks.js';
export * from './ledger-identity.js';
export * from './metrics.js';
export * from './record.js';
export * from './fill-consumer.js';
export * from './identity-schedule.js';
