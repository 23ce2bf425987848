export * from './random.js';
export * from './books.js';
export * from './market-catalog.js';
export * from './market-model.js';
export * from './simulate.js';
export * from './dataset.js';
export * from './demo.js';
