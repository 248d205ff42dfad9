/** Scans one file: read, sniff, decode, detect. Runs on the main thread or inside a worker. */
import type { Hit, InlineAllow, Notice, ShippedTo } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect } from '../detect/detector.js';
import { readFileWithin, textOf } from '../sources/read.js';
import { isArtifact } from '../artifacts/extract.js';
import type { ArchiveLimits } from '../artifacts/limits.js';
import { scanArtifact } from './artifact-scan.js';
import type { FileTarget } from '../sources/files.js';
import { allowlistSkipsPath, hasInlineAllow } from '../detect/allow.js';
import { inFirebaseWebConfig, isScriptPath, looksBuilt, shippedTo } from '../detect/exposure.js';
import { looksLikeSourceMap, parseSourceMap, traceToOriginal, type SourceMapContents } from '../sources/sourcemap.js';

export interface FileScanResult {
  readonly hits: readonly Hit[];
  /** Lines holding a `keyleak:allow` comment. */
  readonly inlineAllows: readonly InlineAllow[];
  readonly notices: readonly Notice[];
  readonly bytes: number;
  readonly scanned: boolean;
}

/** Offset in `text` of a 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  let start = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf('\n', start);
    if (next === -1) break;
    start = next + 1;
  }
  return start + column - 1;
}

/**
 * `built`: the file is client code (it has a source map, or its content is a bundle). `text`, when
 * given, lets a key assigned in a Firebase web config object count as shipped by design.
 */
function withShipping(hits: readonly Hit[], built: boolean, text?: string): Hit[] {
  return hits.map((hit) => {
    const inConfig = text !== undefined && /\bapiKey["']?\s*:\s*["']$/.test(hit.before) && inFirebaseWebConfig(text, offsetOf(text, hit.region.startLine, hit.region.startColumn));
    const shipped: ShippedTo | undefined = inConfig && !built ? { via: 'client-config' } : shippedTo(hit.provenance, built, hit.before, hit.original?.envVariable);
    return shipped === undefined ? hit : { ...hit, shipped };
  });
}

/** Each original source a map embeds, scanned as the file it was: `main.js.map!src/auth.ts`. */
function sourceMapHits(map: SourceMapContents, display: string, ruleset: Ruleset): Hit[] {
  return map.sources.flatMap((source, index) => {
    const content = map.contents[index];
    if (content === null || content === undefined) return [];
    return detect({ text: content, provenance: { kind: 'sourcemap', path: `${display}!${source}`, map: display, source } }, ruleset, { includeInlineAllowed: true });
  });
}

function inlineAllowLines(text: string, path: string): InlineAllow[] {
  if (!text.includes(':allow')) return [];
  return text.split(/\r\n|\r|\n/).flatMap((line, index) => (hasInlineAllow(line) ? [{ path, line: index + 1 }] : []));
}

export interface FileLimits {
  /** Ordinary files larger than this are skipped with a notice. */
  readonly maxFileSize: number;
  /** Bounds for app packages, archives and binaries keyleak decodes. */
  readonly archive: ArchiveLimits;
}

export function scanFile(file: FileTarget, ruleset: Ruleset, limits: FileLimits): FileScanResult {
  const skipped = (notices: readonly Notice[], bytes = 0): FileScanResult => ({ hits: [], inlineAllows: [], notices, bytes, scanned: false });
  if (ruleset.allowlists.some((allowlist) => allowlistSkipsPath(allowlist, file.display))) return skipped([]);
  const read = readFileWithin(file.rawPath ?? file.absolute, file.display, limits.maxFileSize, (head) => (isArtifact(head, file.display) ? limits.archive.maxTotalBytes : undefined));
  if (read.kind === 'skipped') return skipped([read.notice], read.bytes);
  const { bytes } = read;
  if (isArtifact(bytes, file.display)) {
    const artifact = scanArtifact(bytes, file.display, ruleset, limits.archive);
    return { hits: artifact.hits, inlineAllows: [], notices: artifact.notices, bytes: bytes.length, scanned: artifact.leaves > 0 };
  }
  const outcome = textOf(bytes, file.display);
  if (outcome.kind === 'binary') return skipped([outcome.notice], bytes.length);
  const inlineAllows = inlineAllowLines(outcome.text, file.display);
  const notices: Notice[] = [...outcome.notices];
  if (looksLikeSourceMap(file.display, outcome.text)) {
    const map = parseSourceMap(outcome.text);
    if (map?.problem !== undefined) notices.push({ level: 'note', code: 'sourcemap-invalid', message: map.problem, path: file.display });
    if (map !== undefined && map.contents.some((content) => content !== null)) {
      return { hits: withShipping(sourceMapHits(map, file.display, ruleset), false), inlineAllows, notices, bytes: bytes.length, scanned: true };
    }
    if (map === undefined) notices.push({ level: 'note', code: 'sourcemap-invalid', message: 'not a valid source map; scanned as text', path: file.display });
  }
  const found = detect({ text: outcome.text, provenance: { kind: 'file', path: file.display } }, ruleset, { includeInlineAllowed: true });
  const traced = traceToOriginal(found, file.absolute, file.display, outcome.text, { root: file.root, maxBytes: limits.maxFileSize });
  const built = traced.mapped || (isScriptPath(file.display) && looksBuilt(outcome.text));
  return { hits: withShipping(traced.hits, built, outcome.text), inlineAllows, notices: [...notices, ...traced.notices], bytes: bytes.length, scanned: true };
}
