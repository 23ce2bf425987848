import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Strategy } from '@floor/strategies';
import { createKernel, type LedgerPortfolio } from './kernel.js';

const idle: Strategy<Record<string, never>, null> = {
  name: 'idle',
  interfaceVersion: 1,
  description: 'does nothing',
  params: z.object({}).strict(),
  init: () => null,
  onMarketEvent: (_ctx, state) => ({ state, intents: [] }),
};

const ledger = (cash: bigint, allocated: bigint, lastFillSeq: bigint): LedgerPortfolio => ({
  cashMicros: cash,
  allocatedMicros: allocated,
  positions: [],
  lastFillSeq,
});

describe('kernel.reconcile (capital moved by the Boss reaches a running agent)', () => {
  it('takes cash and allocation from a ledger read that includes exactly the fills applied', () => {
    const k = createKernel({ agentId: 'a', strategy: idle, params: {}, live: false });
    k.restore({ portfolio: ledger(5_000n, 5_000n, 7n) });
    expect(k.reconcile(ledger(3_000n, 3_000n, 7n))).toBe(true);
    expect(k.portfolio().cashMicros).toBe(3_000n);
    expect(k.portfolio().allocatedMicros).toBe(3_000n);
  });
  it('ignores a read taken at another fill sequence (it would mix two moments)', () => {
    const k = createKernel({ agentId: 'a', strategy: idle, params: {}, live: false });
    k.restore({ portfolio: ledger(5_000n, 5_000n, 7n) });
    expect(k.reconcile(ledger(1n, 1n, 8n))).toBe(false);
    expect(k.reconcile(ledger(1n, 1n, 6n))).toBe(false);
    expect(k.portfolio().cashMicros).toBe(5_000n);
  });
});
