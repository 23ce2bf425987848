/**
 * @floor/venue-sim — a protocol-faithful Polymarket sandbox venue: a price-time-priority matching engine
 * that shares its liquidity-taking code with @floor/paper, and a loopback HTTP + WebSocket server that
 * speaks Gamma, the CLOB REST API (L1/L2 auth, V2 signed orders) and the CLOB WebSocket channels, with
 * fault injection for tests.
 */
export * from './engine/token-book.js';
export * from './engine/order-amounts.js';
export * from './engine/trade-lifecycle.js';
export * from './auth/eip712.js';
export * from './auth/hmac.js';
export * from './venue.js';
export * from './feed.js';
export * from './server/faults.js';
export * from './server/stats.js';
export * from './server/sandbox-server.js';
