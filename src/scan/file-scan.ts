/** Scans one file: read, sniff, decode, detect. Runs on the main thread or inside a worker. */
import type { Hit, InlineAllow, Notice } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect } from '../detect/detector.js';
import { readTextFile } from '../sources/read.js';
import type { FileTarget } from '../sources/files.js';
import { allowlistSkipsPath, hasInlineAllow } from '../detect/allow.js';

export interface FileScanResult {
  readonly hits: readonly Hit[];
  /** Lines holding a `keyleak:allow` comment. */
  readonly inlineAllows: readonly InlineAllow[];
  readonly notices: readonly Notice[];
  readonly bytes: number;
  readonly scanned: boolean;
}

function inlineAllowLines(text: string, path: string): InlineAllow[] {
  if (!text.includes(':allow')) return [];
  return text.split(/\r\n|\r|\n/).flatMap((line, index) => (hasInlineAllow(line) ? [{ path, line: index + 1 }] : []));
}

export function scanFile(file: FileTarget, ruleset: Ruleset, maxFileSize: number): FileScanResult {
  if (ruleset.allowlists.some((allowlist) => allowlistSkipsPath(allowlist, file.display))) {
    return { hits: [], inlineAllows: [], notices: [], bytes: 0, scanned: false };
  }
  const outcome = readTextFile(file.absolute, file.display, maxFileSize);
  if (outcome.kind === 'skipped') return { hits: [], inlineAllows: [], notices: [outcome.notice], bytes: outcome.bytes, scanned: false };
  const hits = detect({ text: outcome.text, provenance: { kind: 'file', path: file.display } }, ruleset, { includeInlineAllowed: true });
  return { hits, inlineAllows: inlineAllowLines(outcome.text, file.display), notices: outcome.notices, bytes: outcome.bytes, scanned: true };
}
