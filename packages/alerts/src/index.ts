export * from './events.js';
export * from './channels.js';
export * from './alerter.js';
export * from './restart-loop.js';
