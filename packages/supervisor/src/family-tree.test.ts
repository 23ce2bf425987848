import { describe, expect, it } from 'vitest';
import { buildFamilyTree, renderFamilyTree, type FamilyMember } from './family-tree.js';

const member = (agentId: string, parentId: string | null, generation: number, extra: Partial<FamilyMember> = {}): FamilyMember => ({
  agentId,
  strategy: 'momentum',
  status: 'active',
  parentId,
  generation,
  pnlMicros: 0n,
  mutated: {},
  ...extra,
});

describe('family tree', () => {
  const members = [
    member('mom', null, 0, { pnlMicros: 12_340_000n }),
    member('mom-g1-aaaa', 'mom', 1, { mutated: { lookback: { from: 5, to: 7 } } }),
    member('mom-g2-bbbb', 'mom-g1-aaaa', 2, { status: 'retired', pnlMicros: -1_000_000n }),
    member('mom-g1-cccc', 'mom', 1),
    member('zeta', null, 0),
    member('orphan-g1-dddd', 'gone', 1),
  ];

  it('hangs clones under their parents, roots and children in id order; an orphan is a root', () => {
    const tree = buildFamilyTree(members);
    expect(tree.map((n) => n.agentId)).toEqual(['mom', 'orphan-g1-dddd', 'zeta']);
    expect(tree[0]?.children.map((c) => c.agentId)).toEqual(['mom-g1-aaaa', 'mom-g1-cccc']);
    expect(tree[0]?.children[0]?.children[0]).toMatchObject({ agentId: 'mom-g2-bbbb', generation: 2, status: 'retired', pnlUsd: '-1.00' });
  });

  it('draws the tree with generation, status, PnL and the mutated params', () => {
    expect(renderFamilyTree(buildFamilyTree(members))).toBe(
      [
        'mom  gen 0  active  momentum  PnL 12.34',
        '├─ mom-g1-aaaa  gen 1  active  momentum  PnL 0.00  [lookback 5→7]',
        '│  └─ mom-g2-bbbb  gen 2  retired  momentum  PnL -1.00',
        '└─ mom-g1-cccc  gen 1  active  momentum  PnL 0.00',
        'orphan-g1-dddd  gen 1  active  momentum  PnL 0.00',
        'zeta  gen 0  active  momentum  PnL 0.00',
      ].join('\n'),
    );
  });
});
