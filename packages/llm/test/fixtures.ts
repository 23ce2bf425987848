import type { ForecastInputWire } from '../src/forecast.js';

/** A forecast input as the agent would build it: a Fed-decision market two and a half weeks before it closes. */
export const sampleInput: ForecastInputWire = {
  marketId: '0xmarket',
  question: 'Will the Fed cut rates at the June meeting?',
  description: 'Resolves YES if the FOMC announces a cut to the federal funds target range at its June meeting.',
  endDateMs: Date.UTC(2025, 5, 18, 18),
  asOfMs: Date.UTC(2025, 5, 1, 12),
  yesPriceMicros: '620000',
  noPriceMicros: '390000',
  book: {
    spreadMicros: '20000',
    bidDepthSharesMicros: '1200000000',
    askDepthSharesMicros: '800000000',
    depthLevels: 5,
    moveMicros: '30000',
    moveWindowMs: 3_600_000,
  },
};
