export * from './names.js';
export * from './redis.js';
export * from './streams.js';
export * from './heartbeat.js';
export * from './kill-switch.js';
export * from './queues.js';
export * from './trading-state.js';
export * from './breaker-reset.js';
