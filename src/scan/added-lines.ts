/** Detection on the lines a commit (or the index) added, with hits mapped to the file's own line numbers. */
import type { Hit } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect, moveHit } from '../detect/detector.js';
import { shippedTo } from '../detect/exposure.js';
import type { AddedLines } from '../sources/git.js';

/** Maps a hit in the added-lines text back to the file's own line numbers. */
export function hitInFile(hit: Hit, added: AddedLines): Hit {
  const inFile = (line: number) => added.lineNumbers[line - 1]!;
  return moveHit(hit, (region) => ({ ...region, startLine: inFile(region.startLine), endLine: inFile(region.endLine) }));
}

export function detectAdded(added: AddedLines, ruleset: Ruleset): Hit[] {
  const provenance = added.commit === undefined ? { kind: 'file' as const, path: added.path } : { kind: 'git' as const, path: added.path, commit: added.commit };
  return detect({ text: added.text, provenance }, ruleset).map((hit) => {
    const shipped = shippedTo(hit.provenance, false, hit.before);
    return hitInFile(shipped === undefined ? hit : { ...hit, shipped }, added);
  });
}
