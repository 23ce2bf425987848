/**
 * @floor/polymarket — the Polymarket venue adapter.
 *
 * This is the pure half: parsers (raw venue payloads → typed values in micro-units, never a throw on
 * venue input), market classification, the discovery filter, the local order book and the rate
 * limiter. Transport (HTTP and WebSocket clients) builds on these.
 */
export * from './parse/common.js';
export * from './parse/gamma.js';
export * from './parse/ws-market.js';
export * from './parse/ws-user.js';
export * from './parse/rest.js';
export * from './classify.js';
export * from './discovery-filter.js';
export * from './local-book.js';
export * from './domain-events.js';
export * from './rate-limit.js';
export * from './rate-limit-redis.js';
