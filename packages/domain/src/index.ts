export * from './units.js';
export * from './fees.js';
export * from './ids.js';
export * from './wire.js';
export * from './market.js';
export * from './messages.js';
export * from './ledger.js';
export * from './errors.js';
