import { formatMicros } from '@floor/domain';

/**
 * The agents' family tree for `floor agents --tree`: strategy-file agents are roots, clones hang under their
 * parent. Pure: the CLI reads the rows, the PnL and the clone decisions, this builds and draws the tree.
 */

export interface FamilyMember {
  readonly agentId: string;
  readonly strategy: string;
  readonly status: string;
  readonly parentId: string | null;
  readonly generation: number;
  /** realized PnL − fees, micro-USD */
  readonly pnlMicros: bigint;
  /** for a clone: the params its parent's differ in, from → to */
  readonly mutated: Readonly<Record<string, { readonly from: unknown; readonly to: unknown }>>;
}

export interface FamilyNode {
  readonly agentId: string;
  readonly strategy: string;
  readonly status: string;
  readonly parentId: string | null;
  readonly generation: number;
  readonly pnlMicros: string;
  readonly pnlUsd: string;
  readonly mutated: Readonly<Record<string, { readonly from: unknown; readonly to: unknown }>>;
  readonly children: readonly FamilyNode[];
}

/** Roots in id order, children in id order. A clone whose parent row is gone is shown as a root. */
export function buildFamilyTree(members: readonly FamilyMember[]): FamilyNode[] {
  const ids = new Set(members.map((m) => m.agentId));
  const childrenOf = new Map<string, FamilyMember[]>();
  for (const m of members) {
    if (m.parentId === null || !ids.has(m.parentId)) continue;
    childrenOf.set(m.parentId, [...(childrenOf.get(m.parentId) ?? []), m]);
  }
  const byId = (a: FamilyMember, b: FamilyMember) => a.agentId.localeCompare(b.agentId);
  const node = (m: FamilyMember, seen: ReadonlySet<string>): FamilyNode => ({
    agentId: m.agentId,
    strategy: m.strategy,
    status: m.status,
    parentId: m.parentId,
    generation: m.generation,
    pnlMicros: m.pnlMicros.toString(),
    pnlUsd: formatMicros(m.pnlMicros, 2),
    mutated: m.mutated,
    // `seen` guards against a cycle in hand-edited rows
    children: (childrenOf.get(m.agentId) ?? [])
      .filter((c) => !seen.has(c.agentId))
      .sort(byId)
      .map((c) => node(c, new Set([...seen, c.agentId]))),
  });
  return members
    .filter((m) => m.parentId === null || !ids.has(m.parentId))
    .sort(byId)
    .map((m) => node(m, new Set([m.agentId])));
}

/** The tree as text, one agent a line: id, generation, status, strategy, PnL, then what its mutation changed. */
export function renderFamilyTree(roots: readonly FamilyNode[]): string {
  if (roots.length === 0) return 'no agents yet: drop a strategy file into config/strategies/';
  const lines: string[] = [];
  const walk = (n: FamilyNode, prefix: string, branch: string) => {
    const changes = Object.entries(n.mutated)
      .map(([k, { from, to }]) => `${k} ${String(from)}→${String(to)}`)
      .join(', ');
    lines.push(`${prefix}${branch}${n.agentId}  gen ${n.generation}  ${n.status}  ${n.strategy}  PnL ${n.pnlUsd}${changes ? `  [${changes}]` : ''}`);
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    n.children.forEach((c, i) => walk(c, childPrefix, i === n.children.length - 1 ? '└─ ' : '├─ '));
  };
  for (const r of roots) walk(r, '', '');
  return lines.join('\n');
}
