/**
 * Source maps: a map's `sourcesContent` is scanned as the original files it holds (tree-shaken code
 * included), and a hit in a built file is traced back to the original line that put it there.
 * Decoding and lookup are @jridgewell/trace-mapping's (plain and index maps).
 *
 * A built file names its own map, so the name is hostile input: a map is read only when it is a
 * regular file inside the scanned folder (symlinks resolved) within the size limit; remote URLs
 * are never fetched; and no notice quotes a map's bytes, which may belong to another file.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnyMap, originalPositionFor, sourceContentFor, type TraceMap } from '@jridgewell/trace-mapping';
import { publicEnvVariable } from '../detect/exposure.js';
import type { Hit, Notice, OriginalPosition } from '../types.js';
import { describeError, readRegularFile } from './read.js';
import { climbsOut } from './files.js';

/** A source-map file: what `sources` and `sourcesContent` say. */
export interface SourceMapContents {
  readonly sources: readonly string[];
  /** Null where a source has no text: absent, or not a string. */
  readonly contents: readonly (string | null)[];
  /** Why some of `sourcesContent` cannot be scanned (not a list, entries that are not text). */
  readonly problem?: string;
}

/** Where a built file's source map may be read from, and the most it may weigh. */
export interface MapScope {
  /** The folder the user asked to scan; nothing outside it is opened. */
  readonly root: string;
  readonly maxBytes: number;
}

type ParsedMap = { readonly kind: 'map'; readonly map: TraceMap } | { readonly kind: 'invalid'; readonly reason: string };

/** Parses a map without ever quoting it: JSON and trace-mapping errors include the text. */
/** trace-mapping fills every generated line up to a section's offset: a 200-byte map saying line 10⁹ would exhaust memory. */
export const MAX_SECTION_LINE = 1_000_000;
/** Index maps may nest index maps; deeper than this is no bundler's output. */
const MAX_SECTION_DEPTH = 32;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why an index map's sections cannot be read within bounds, or undefined when they can (or it is a plain map). */
export function indexMapProblem(json: unknown): string | undefined {
  const pending: { readonly map: unknown; readonly line: number; readonly depth: number }[] = [{ map: json, line: 0, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (!isRecord(next.map) || next.map['sections'] === undefined) continue;
    const sections = next.map['sections'];
    if (!Array.isArray(sections)) return 'sections is not a list';
    if (next.depth >= MAX_SECTION_DEPTH) return `index maps nested more than ${MAX_SECTION_DEPTH} deep`;
    for (const section of sections) {
      const offset = isRecord(section) ? section['offset'] : undefined;
      const line = isRecord(offset) ? offset['line'] : undefined;
      const column = isRecord(offset) ? offset['column'] : undefined;
      if (!Number.isSafeInteger(line) || !Number.isSafeInteger(column) || (line as number) < 0 || (column as number) < 0) return 'a section offset is not a pair of whole numbers';
      const absolute = next.line + (line as number);
      if (absolute > MAX_SECTION_LINE) return `a section starts at line ${absolute}, past the ${MAX_SECTION_LINE}-line bound`;
      pending.push({ map: (section as Record<string, unknown>)['map'], line: absolute, depth: next.depth + 1 });
    }
  }
  return undefined;
}

function parseMap(text: string): ParsedMap {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  const sectionsProblem = indexMapProblem(json);
  if (sectionsProblem !== undefined) return { kind: 'invalid', reason: sectionsProblem };
  try {
    return { kind: 'map', map: new AnyMap(json as ConstructorParameters<typeof AnyMap>[0]) };
  } catch {
    return { kind: 'invalid', reason: 'not a source map' };
  }
}

/** `sourcesContent` as text per source: a list whose entries are strings or null, as the spec says; anything else is left out and counted. */
function textContents(raw: unknown): { readonly contents: (string | null)[]; readonly problem?: string } {
  if (raw === undefined || raw === null) return { contents: [] };
  if (!Array.isArray(raw)) return { contents: [], problem: 'sourcesContent is not a list; its sources are not scanned' };
  const contents = raw.map((content: unknown) => (typeof content === 'string' ? content : null));
  const notText = raw.filter((content: unknown) => content !== null && content !== undefined && typeof content !== 'string').length;
  return notText === 0 ? { contents } : { contents, problem: `${notText} sourcesContent entries are not text; they are not scanned` };
}

/** Parses `text` as a source map (plain or index); undefined when it is not one. */
export function parseSourceMap(text: string): SourceMapContents | undefined {
  const parsed = parseMap(text);
  if (parsed.kind === 'invalid') return undefined;
  const { map } = parsed;
  const { contents, problem } = textContents(map.sourcesContent);
  return { sources: map.sources.map((source) => (typeof source === 'string' ? source : '')), contents, ...(problem === undefined ? {} : { problem }) };
}

export function looksLikeSourceMap(displayPath: string, text: string): boolean {
  return displayPath.endsWith('.map') && text.trimStart().startsWith('{');
}

const MAPPING_KEY = 'sourceMappingURL=';
/** What must precede the key on its line: `//# `, `//@ `, `/*# `. */
const COMMENT_OPENER = /(?:\/\/|\/\*)[#@][ \t]+$/;
/** What may follow the URL to the end of its line. */
const URL_AND_CLOSER = /^([^\s*'"]+)[ \t]*(?:\*\/)?[ \t]*$/;
/** The longest `//#   ` before the key worth looking at. */
const OPENER_WINDOW = 64;

/**
 * The URL of the last `sourceMappingURL` comment. Found by position rather than by searching the
 * file's tail, so an inline map of any length is read and a long minified line costs one pass.
 */
export function sourceMappingUrl(text: string): string | undefined {
  const at = text.lastIndexOf(MAPPING_KEY);
  if (at < 0) return undefined;
  const lineStart = Math.max(text.lastIndexOf('\n', at), text.lastIndexOf('\r', at)) + 1;
  if (!COMMENT_OPENER.test(text.slice(Math.max(lineStart, at - OPENER_WINDOW), at))) return undefined;
  const newline = text.slice(at).search(/[\r\n]/);
  const lineEnd = newline < 0 ? text.length : at + newline;
  return URL_AND_CLOSER.exec(text.slice(at + MAPPING_KEY.length, lineEnd))?.[1];
}

/** Where a `sourceMappingURL` points: an inline map, a local path, or a reason not to follow it. */
export type MapLocation =
  | { readonly kind: 'inline'; readonly text: string }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'refused'; readonly reason: string };

function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
const MALFORMED = { kind: 'refused', reason: 'its URL has malformed percent-encoding' } as const;

function inlineMap(url: string, maxBytes: number): MapLocation {
  const comma = url.indexOf(',');
  if (comma < 0) return { kind: 'refused', reason: 'its data: URL has no comma' };
  const payload = url.slice(comma + 1);
  if (payload.length > maxBytes) return { kind: 'refused', reason: `its inline map is over the ${maxBytes}-byte limit (--max-file-size)` };
  if (url.slice(0, comma).toLowerCase().endsWith(';base64')) return { kind: 'inline', text: Buffer.from(payload, 'base64').toString('utf8') };
  const text = percentDecoded(payload);
  return text === undefined ? MALFORMED : { kind: 'inline', text };
}

function localPath(url: string, bundle: string): MapLocation {
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  let decoded: string | undefined;
  if (scheme === 'file') {
    try {
      decoded = fileURLToPath(url);
    } catch {
      return { kind: 'refused', reason: 'its file: URL does not name a local file' };
    }
  } else if (scheme === 'http' || scheme === 'https') {
    return { kind: 'refused', reason: `it is a remote ${scheme}: URL; not fetched` };
  } else if (scheme !== undefined) {
    return { kind: 'refused', reason: `its ${scheme}: URL is not a local file` };
  } else {
    // A query or fragment is not part of the file name, as in a browser.
    decoded = percentDecoded(url.replace(/[?#].*$/s, ''));
    if (decoded === undefined) return MALFORMED;
  }
  if (decoded.includes('\0')) return { kind: 'refused', reason: 'its URL holds a NUL byte' };
  return { kind: 'path', path: path.resolve(path.dirname(bundle), decoded) };
}

/** Where a bundle's `sourceMappingURL` points; pure, nothing is opened. */
export function locateMap(url: string, bundle: string, maxBytes: number): MapLocation {
  return /^data:/i.test(url) ? inlineMap(url, maxBytes) : localPath(url, bundle);
}

function isInside(child: string, parent: string): boolean {
  return !climbsOut(path.relative(parent, child));
}

type MapText = { readonly kind: 'found'; readonly text: string; readonly name: string } | { readonly kind: 'refused'; readonly reason: string } | { readonly kind: 'missing' };

const OUTSIDE = { kind: 'refused', reason: 'it is outside the scanned folder' } as const;

/** A map file's text when it is a regular file inside the root once symlinks are resolved. */
function readMapFile(candidate: string, scope: MapScope): MapText {
  if (!isInside(candidate, scope.root)) return OUTSIDE;
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'refused', reason: `it cannot be read: ${describeError(error)}` };
  }
  try {
    if (!isInside(real, realpathSync(scope.root))) return OUTSIDE;
    const read = readRegularFile(real, scope.maxBytes);
    if (read.kind === 'refused') return { kind: 'refused', reason: `it ${read.reason}${read.reason.includes('limit') ? ' (--max-file-size)' : ''}` };
    return { kind: 'found', text: read.bytes.toString('utf8'), name: candidate };
  } catch (error) {
    return { kind: 'refused', reason: `it cannot be read: ${describeError(error)}` };
  }
}

/** A built file's map: its `sourceMappingURL` (a file or a data: URL), else a sibling `.map`. */
function mapTextFor(bundle: string, text: string, scope: MapScope): MapText {
  const url = sourceMappingUrl(text);
  if (url !== undefined) {
    const location = locateMap(url, bundle, scope.maxBytes);
    if (location.kind === 'inline') return { kind: 'found', text: location.text, name: `${bundle} (inline source map)` };
    if (location.kind === 'refused') return location;
    const named = readMapFile(location.path, scope);
    if (named.kind !== 'missing') return named;
  }
  return readMapFile(`${bundle}.map`, scope);
}

const UNTRACED = "positions are the built file's";

/**
 * Adds each hit's original position, read through the bundle's source map. A map that cannot be
 * read, is refused or cannot be parsed is a notice; the hits stand as found in the bundle.
 */
export function traceToOriginal(hits: readonly Hit[], bundle: string, displayPath: string, text: string, scope: MapScope): { hits: Hit[]; notices: Notice[]; mapped: boolean } {
  if (hits.length === 0 || !/\.(?:m?js|cjs|css)$/.test(bundle)) return { hits: [...hits], notices: [], mapped: false };
  const found = mapTextFor(bundle, text, scope);
  if (found.kind === 'missing') return { hits: [...hits], notices: [], mapped: false };
  if (found.kind === 'refused') {
    return { mapped: false, hits: [...hits], notices: [{ level: 'note', code: 'sourcemap-refused', message: `source map not read: ${found.reason}; ${UNTRACED}`, path: displayPath }] };
  }
  const parsed = parseMap(found.text);
  if (parsed.kind === 'invalid') {
    return { mapped: false, hits: [...hits], notices: [{ level: 'note', code: 'sourcemap-invalid', message: `source map ${path.basename(found.name)} cannot be read (${parsed.reason}); ${UNTRACED}`, path: displayPath }] };
  }
  const { map } = parsed;
  return {
    hits: hits.map((hit) => {
      const position = originalPositionFor(map, { line: hit.region.startLine, column: hit.region.startColumn - 1 });
      if (position.source === null) return hit;
      const content: unknown = sourceContentFor(map, position.source);
      const originalLine = typeof content === 'string' ? content.split(/\r\n|\r|\n/)[position.line - 1] : undefined;
      const envVariable = originalLine === undefined ? undefined : publicEnvVariable(originalLine);
      const original: OriginalPosition = { source: position.source, line: position.line, column: position.column + 1, ...(envVariable === undefined ? {} : { envVariable }) };
      return { ...hit, original };
    }),
    notices: [],
    mapped: true,
  };
}
