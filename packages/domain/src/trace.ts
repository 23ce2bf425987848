import { performance } from 'node:perf_hooks';

/** Microseconds since the epoch, from the high-resolution clock; for latency tracing across processes. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
