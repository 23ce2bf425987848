/**
 * @floor/live-venue — the live venue port and its Polymarket CLOB implementation (clob-client-v2, ethers v5),
 * with deterministic order signing so a resubmitted order is the one the venue already knows.
 */
export * from './port.js';
export * from './order-signing.js';
export * from './clob-venue.js';
export * from './counting-venue.js';
