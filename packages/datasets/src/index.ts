/**
 * @floor/datasets: research data commands that write the floor's dataset format (packages/sim/src/dataset.ts).
 *
 * - `runDataImport`: Gamma `/markets` dumps + `/prices-history` files → dataset (synthetic books);
 * - `runDataFetch`: the same, downloaded politely from Gamma and the CLOB;
 * - `runDataRecord`: the live market WebSocket recorded to a dataset.
 *
 * Each command takes parsed options and returns `{exitCode, stdout, stderr?}`; apps/cli wires the flags.
 */
export * from './command.js';
export * from './synthetic-book.js';
export * from './build.js';
export * from './inputs.js';
export * from './report.js';
export * from './http.js';
export * from './gamma.js';
export * from './recorder.js';
export { runDataImport, type DataImportOptions } from './import.js';
export { runDataFetch, PRICES_HISTORY_INTERVALS, type DataFetchOptions, type PricesHistoryInterval } from './fetch.js';
export { runDataRecord, type DataRecordOptions } from './record.js';
