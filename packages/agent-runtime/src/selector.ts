// The selector lives with the strategy-file schema in @floor/config, so the backtester applies the same one.
export { matchesSelector } from '@floor/config';
