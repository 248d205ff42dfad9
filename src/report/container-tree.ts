/**
 * Apps and archives as trees: `app.apk` → `assets/sdk.aar` → `classes.jar` → `Config.class`, each
 * finding hanging off the leaf that holds it. Built from the occurrences' provenance chains, in a
 * fixed order (names by code units, hits as the reports sort occurrences), so the report is the same
 * whatever order the scan finished in.
 */
import { compareOccurrences } from '../post/findings.js';
import type { Finding, Occurrence } from '../types.js';

/** One occurrence of a finding, at its place in the tree; `index` is the finding's position in the report. */
export interface TreeHit {
  readonly finding: Finding;
  readonly index: number;
  readonly occurrence: Occurrence;
}

export interface ContainerNode {
  /** The artifact's display path at a root; an entry name inside its container below. */
  readonly name: string;
  readonly children: readonly ContainerNode[];
  /** Findings in this node itself (its strings or lines), not in its children. */
  readonly hits: readonly TreeHit[];
  /** Hits in this node and everything below it. */
  readonly total: number;
}

interface Building {
  readonly children: Map<string, Building>;
  readonly hits: TreeHit[];
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function freeze(name: string, node: Building): ContainerNode {
  const children = [...node.children.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([childName, child]) => freeze(childName, child));
  const hits = [...node.hits].sort((a, b) => compareOccurrences(a.occurrence, b.occurrence) || byCodeUnits(a.finding.ruleId, b.finding.ruleId) || a.index - b.index);
  return { name, children, hits, total: hits.length + children.reduce((sum, child) => sum + child.total, 0) };
}

/** One tree per artifact that holds findings inside it (an app, an archive, a decoded binary). */
export function containerTrees(findings: readonly Finding[]): ContainerNode[] {
  const roots = new Map<string, Building>();
  findings.forEach((finding, index) => {
    for (const occurrence of finding.occurrences) {
      const { provenance } = occurrence;
      if (provenance.kind !== 'entry') continue;
      let level = roots;
      let node: Building | undefined;
      for (const name of [provenance.artifact, ...provenance.chain]) {
        node = level.get(name);
        if (node === undefined) {
          node = { children: new Map(), hits: [] };
          level.set(name, node);
        }
        level = node.children;
      }
      node!.hits.push({ finding, index, occurrence });
    }
  });
  return [...roots.entries()].sort(([a], [b]) => byCodeUnits(a, b)).map(([name, node]) => freeze(name, node));
}
