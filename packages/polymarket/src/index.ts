/**
 * @floor/polymarket — the Polymarket venue adapter.
 *
 * The pure half: parsers (raw venue payloads → typed values in micro-units, never a throw on
 * venue input), market classification, the discovery filter, the local order book and the rate
 * limiter. The transport half (./transport: HTTP clients, the market-channel WebSocket, discovery)
 * builds on these and keeps I/O out of them.
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
export * from './transport/http.js';
export * from './transport/feed-plan.js';
export * from './transport/feed-metrics.js';
export * from './transport/ws-market.js';
export * from './transport/discovery.js';
