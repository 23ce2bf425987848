import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Accounts, allocationPostings, assertBalanced, EMPTY_POSITION, fillEffect, settlementEffect, type PositionState } from './ledger.js';

describe('ledger postings', () => {
  it('a buy moves cost into positions and fee to fees, paid from cash', () => {
    const e = fillEffect('a', EMPTY_POSITION, 'BUY', 400_000n, 10_000_000n, 96_000n);
    expect(e.cashDeltaMicros).toBe(-4_096_000n);
    expect(e.position).toEqual({ sizeMicros: 10_000_000n, costMicros: 4_000_000n });
    expect(e.postings.find((p) => p.account === Accounts.fees)?.amountMicros).toBe(96_000n);
  });
  it('a sell realizes proceeds minus pro-rata cost basis', () => {
    const pos: PositionState = { sizeMicros: 10_000_000n, costMicros: 4_000_000n };
    const e = fillEffect('a', pos, 'SELL', 600_000n, 5_000_000n, 0n);
    expect(e.realizedPnlMicros).toBe(1_000_000n);
    expect(e.position).toEqual({ sizeMicros: 5_000_000n, costMicros: 2_000_000n });
  });
  it('refuses to sell more than is held', () => {
    expect(() => fillEffect('a', EMPTY_POSITION, 'SELL', 500_000n, 1n, 0n)).toThrow(/cannot sell/);
  });
  it('settlement pays 1 per share for the winner and 0 for the loser', () => {
    const pos: PositionState = { sizeMicros: 3_000_000n, costMicros: 1_200_000n };
    expect(settlementEffect('a', pos, true).realizedPnlMicros).toBe(1_800_000n);
    expect(settlementEffect('a', pos, false).realizedPnlMicros).toBe(-1_200_000n);
    expect(settlementEffect('a', pos, true).position).toEqual(EMPTY_POSITION);
  });
  it('rejects unbalanced postings', () => {
    expect(() => assertBalanced([{ account: 'x', amountMicros: 1n }])).toThrow(/do not balance/);
  });

  // Any sequence of buys, sells and a final settlement keeps the identity the auditor checks:
  // cash + positions at cost = allocated − fees + realized PnL, and every transaction balances.
  it('keeps cash + positions = allocated − fees + realized over random trade sequences', () => {
    const trade = fc.record({
      buy: fc.boolean(),
      price: fc.bigInt({ min: 1n, max: 999_999n }),
      size: fc.bigInt({ min: 1n, max: 50_000_000n }),
      fee: fc.bigInt({ min: 0n, max: 100_000n }),
    });
    fc.assert(
      fc.property(fc.array(trade, { maxLength: 40 }), fc.boolean(), (trades, won) => {
        const allocated = 1_000_000_000n;
        const balances = new Map<string, bigint>();
        const post = (ps: readonly { account: string; amountMicros: bigint }[]) => {
          assertBalanced(ps);
          for (const p of ps) balances.set(p.account, (balances.get(p.account) ?? 0n) + p.amountMicros);
        };
        post(allocationPostings('a', allocated));
        let pos: PositionState = EMPTY_POSITION;
        let fees = 0n;
        let realized = 0n;
        for (const t of trades) {
          const size = t.buy ? t.size : t.size > pos.sizeMicros ? pos.sizeMicros : t.size;
          if (size === 0n) continue;
          const e = fillEffect('a', pos, t.buy ? 'BUY' : 'SELL', t.price, size, t.fee);
          post(e.postings);
          pos = e.position;
          fees += t.fee;
          realized += e.realizedPnlMicros;
        }
        if (pos.sizeMicros > 0n) {
          const e = settlementEffect('a', pos, won);
          post(e.postings);
          realized += e.realizedPnlMicros;
          pos = e.position;
        }
        const cash = balances.get(Accounts.cash('a')) ?? 0n;
        const atCost = balances.get(Accounts.positions('a')) ?? 0n;
        expect(atCost).toBe(pos.costMicros);
        expect(cash + atCost).toBe(allocated - fees + realized);
        expect(-(balances.get(Accounts.pnl('a')) ?? 0n)).toBe(realized);
        expect([...balances.values()].reduce((a, b) => a + b, 0n)).toBe(0n);
      }),
    );
  });
});
