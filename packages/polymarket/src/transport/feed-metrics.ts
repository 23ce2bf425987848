import { Counter, Gauge, type Registry } from 'prom-client';
import { createVenueHttpMetrics, type VenueHttpMetrics } from './http.js';

/** Metrics of the live market-data feed (the collector's Polymarket / sandbox source). */
export interface LiveFeedMetrics {
  readonly http: VenueHttpMetrics;
  /** 1 while the connection's socket is open and it has data flowing, 0 otherwise */
  readonly wsState: Gauge<'connection'>;
  readonly reconnects: Counter<'connection'>;
  /** frames that were skipped: `malformed`, `unknown_type`, `invalid` */
  readonly badFrames: Counter<'kind'>;
  /** tokens whose feed is degraded (REST fallback, books marked stale) */
  readonly staleTokens: Gauge;
}

export function createLiveFeedMetrics(registry: Registry): LiveFeedMetrics {
  return {
    http: createVenueHttpMetrics(registry),
    wsState: new Gauge({ name: 'floor_collector_ws_state', help: '1 = market-channel connection up, 0 = down', labelNames: ['connection'], registers: [registry] }),
    reconnects: new Counter({ name: 'floor_collector_reconnects_total', help: 'market-channel reconnects, by connection', labelNames: ['connection'], registers: [registry] }),
    badFrames: new Counter({ name: 'floor_collector_bad_frames_total', help: 'market-channel messages skipped because they did not parse, by kind', labelNames: ['kind'], registers: [registry] }),
    staleTokens: new Gauge({ name: 'floor_collector_stale_tokens', help: 'tokens on REST fallback with stale books', registers: [registry] }),
  };
}
