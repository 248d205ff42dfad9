/** Detection on the lines a commit (or the index) added, with hits mapped to the file's own line numbers. */
import type { Hit } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect } from '../detect/detector.js';
import { shippedTo } from '../detect/exposure.js';
import type { AddedLines } from '../sources/git.js';

function inFile(line: number, added: AddedLines): number {
  return added.lineNumbers[line - 1]!;
}

/** Maps a hit in the added-lines text back to the file's own line numbers. */
export function hitInFile(hit: Hit, added: AddedLines): Hit {
  const { region } = hit;
  return {
    ...hit,
    region: { ...region, startLine: inFile(region.startLine, added), endLine: inFile(region.endLine, added) },
    companions: hit.companions.map((companion) => ({
      ...companion,
      region: { ...companion.region, startLine: inFile(companion.region.startLine, added), endLine: inFile(companion.region.endLine, added) },
    })),
  };
}

export function detectAdded(added: AddedLines, ruleset: Ruleset): Hit[] {
  const provenance = added.commit === undefined ? { kind: 'file' as const, path: added.path } : { kind: 'git' as const, path: added.path, commit: added.commit };
  return detect({ text: added.text, provenance }, ruleset).map((hit) => {
    const shipped = shippedTo(hit.provenance, false, hit.before);
    return hitInFile(shipped === undefined ? hit : { ...hit, shipped }, added);
  });
}
