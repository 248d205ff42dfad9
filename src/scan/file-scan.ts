/** Scans one file: read, sniff, decode, detect. Runs on the main thread or inside a worker. */
import type { Hit, Notice } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect } from '../detect/detector.js';
import { readTextFile } from '../sources/read.js';
import type { FileTarget } from '../sources/files.js';
import { allowlistSkipsPath } from '../detect/allow.js';

export interface FileScanResult {
  readonly hits: readonly Hit[];
  readonly notices: readonly Notice[];
  readonly bytes: number;
  readonly scanned: boolean;
}

export function scanFile(file: FileTarget, ruleset: Ruleset, maxFileSize: number): FileScanResult {
  if (ruleset.allowlists.some((allowlist) => allowlistSkipsPath(allowlist, file.display))) {
    return { hits: [], notices: [], bytes: 0, scanned: false };
  }
  const outcome = readTextFile(file.absolute, file.display, maxFileSize);
  if (outcome.kind === 'skipped') return { hits: [], notices: [outcome.notice], bytes: outcome.bytes, scanned: false };
  const hits = detect({ text: outcome.text, provenance: { kind: 'file', path: file.display } }, ruleset);
  return { hits, notices: outcome.notices, bytes: outcome.bytes, scanned: true };
}
