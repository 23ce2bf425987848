export * from './match.js';
export * from './booking.js';
