import { describe, expect, it } from 'vitest';
import { createDbHealth, isDatabaseUnavailable } from './db-health.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** drizzle's wrapping: "Failed query: …" with the driver's error as the cause */
const wrapped = (cause: Error) => new Error('Failed query: select 1\nparams: ', { cause });

describe('isDatabaseUnavailable', () => {
  it('recognises a lost or refused connection, also wrapped in a cause chain', () => {
    expect(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(withCode('read ECONNRESET', 'ECONNRESET')))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(new Error('Connection terminated unexpectedly')))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('connection failure', '08006'))).toBe(true);
  });

  it('leaves statement errors to the ordinary retry path', () => {
    expect(isDatabaseUnavailable(wrapped(withCode('duplicate key value violates unique constraint', '23505')))).toBe(false);
    expect(isDatabaseUnavailable(withCode('ledger transaction does not balance', 'P0001'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNRESET')).toBe(false);
  });
});

describe('createDbHealth', () => {
  it('goes down once per outage and up only when a probe answers', async () => {
    let answering = true;
    const transitions: string[] = [];
    const health = createDbHealth({
      probe: async () => {
        if (!answering) throw new Error('connect ECONNREFUSED');
      },
      probeMs: 10,
      probeTimeoutMs: 100,
      onDown: (reason) => void transitions.push(`down: ${reason}`),
      onUp: () => void transitions.push('up'),
    });
    await health.down('a job saw ECONNRESET');
    await health.down('another job saw it too');
    expect(health.up).toBe(false);
    health.start();
    await new Promise((r) => setTimeout(r, 50));
    answering = false;
    expect(transitions).toEqual(['down: a job saw ECONNRESET', 'up']);
    await new Promise((r) => setTimeout(r, 50));
    answering = true;
    await new Promise((r) => setTimeout(r, 50));
    health.stop();
    expect(transitions).toEqual(['down: a job saw ECONNRESET', 'up', 'down: Postgres health probe failed: connect ECONNREFUSED', 'up']);
    expect(health.up).toBe(true);
  });

  it('counts a probe without an answer as down', async () => {
    const transitions: string[] = [];
    const health = createDbHealth({
      probe: () => new Promise(() => undefined),
      probeMs: 5,
      probeTimeoutMs: 20,
      onDown: (reason) => void transitions.push(reason),
      onUp: () => undefined,
    });
    health.start();
    await new Promise((r) => setTimeout(r, 80));
    health.stop();
    expect(transitions).toEqual(['Postgres health probe failed: no answer within 20 ms']);
  });
});
