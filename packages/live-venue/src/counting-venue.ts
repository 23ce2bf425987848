import type { LiveVenue } from './port.js';

/**
 * The same venue, telling `onCall` whether each exchange call worked, for the API-error circuit breaker. A clean
 * rejection of our order is the venue working; a timeout, a 5xx or a refused connection (an `unknown` submit, a
 * thrown error) is not.
 */
export function countingVenue(venue: LiveVenue, onCall: (ok: boolean) => void): LiveVenue {
  const counted = async <T>(call: () => Promise<T>, okOf: (value: T) => boolean = () => true): Promise<T> => {
    try {
      const value = await call();
      onCall(okOf(value));
      return value;
    } catch (err) {
      onCall(false);
      throw err;
    }
  };
  return {
    address: venue.address,
    host: venue.host,
    connect: () => counted(() => venue.connect()),
    prepare: (request) => venue.prepare(request),
    submit: (order) => counted(() => venue.submit(order), (outcome) => outcome.kind !== 'unknown'),
    cancel: (ids) => counted(() => venue.cancel(ids)),
    openOrders: () => counted(() => venue.openOrders()),
    trades: (sinceMs) => counted(() => venue.trades(sinceMs)),
    heartbeat: () => counted(() => venue.heartbeat()),
  };
}
