/**
 * Source maps: a map's `sourcesContent` is scanned as the original files it holds (tree-shaken code
 * included), and a hit in a built file is traced back to the original line that put it there.
 * Decoding and lookup are @jridgewell/trace-mapping's (plain and index maps).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AnyMap, originalPositionFor, sourceContentFor, type TraceMap } from '@jridgewell/trace-mapping';
import { publicEnvVariable } from '../detect/exposure.js';
import type { Hit, Notice, OriginalPosition } from '../types.js';

/** A source-map file: what `sources` and `sourcesContent` say. */
export interface SourceMapContents {
  readonly sources: readonly string[];
  readonly contents: readonly (string | null)[];
}

/** Parses `text` as a source map (plain or index); undefined when it is not one. */
export function parseSourceMap(text: string): SourceMapContents | undefined {
  let map: TraceMap;
  try {
    map = new AnyMap(text);
  } catch {
    return undefined;
  }
  return { sources: map.sources.map((source) => source ?? ''), contents: map.sourcesContent ?? [] };
}

export function looksLikeSourceMap(displayPath: string, text: string): boolean {
  return displayPath.endsWith('.map') && text.trimStart().startsWith('{');
}

const MAPPING_URL = /(?:\/\/|\/\*)[#@][ \t]+sourceMappingURL=([^\s*'"]+)[ \t]*(?:\*\/)?[ \t]*$/m;

/** Where a built file's map is: its `sourceMappingURL` (a file or a data: URL), else a sibling `.map`. */
function mapTextFor(bundle: string, text: string): { text: string; name: string } | undefined {
  const tail = text.slice(-4096);
  const url = MAPPING_URL.exec(tail)?.[1];
  if (url?.startsWith('data:')) {
    const comma = url.indexOf(',');
    const payload = url.slice(comma + 1);
    const decoded = url.slice(0, comma).endsWith(';base64') ? Buffer.from(payload, 'base64').toString('utf8') : decodeURIComponent(payload);
    return { text: decoded, name: `${bundle} (inline source map)` };
  }
  const candidates = [...(url === undefined ? [] : [path.resolve(path.dirname(bundle), decodeURIComponent(url))]), `${bundle}.map`];
  for (const candidate of candidates) {
    try {
      return { text: readFileSync(candidate, 'utf8'), name: candidate };
    } catch {
      // try the next place
    }
  }
  return undefined;
}

/**
 * Adds each hit's original position, read through the bundle's source map. A map that cannot be
 * read or parsed is a notice; the hits stand as found in the bundle.
 */
export function traceToOriginal(hits: readonly Hit[], bundle: string, displayPath: string, text: string): { hits: Hit[]; notices: Notice[]; mapped: boolean } {
  if (hits.length === 0 || !/\.(?:m?js|cjs|css)$/.test(bundle)) return { hits: [...hits], notices: [], mapped: false };
  const found = mapTextFor(bundle, text);
  if (found === undefined) return { hits: [...hits], notices: [], mapped: false };
  let map: TraceMap;
  try {
    map = new AnyMap(found.text);
  } catch (error) {
    return { mapped: false, hits: [...hits], notices: [{ level: 'note', code: 'sourcemap-invalid', message: `source map ${path.basename(found.name)} cannot be read (${error instanceof Error ? error.message : String(error)}); positions are the built file's`, path: displayPath }] };
  }
  return {
    hits: hits.map((hit) => {
      const position = originalPositionFor(map, { line: hit.region.startLine, column: hit.region.startColumn - 1 });
      if (position.source === null) return hit;
      const originalLine = sourceContentFor(map, position.source)?.split(/\r\n|\r|\n/)[position.line - 1];
      const envVariable = originalLine === undefined ? undefined : publicEnvVariable(originalLine);
      const original: OriginalPosition = { source: position.source, line: position.line, column: position.column + 1, ...(envVariable === undefined ? {} : { envVariable }) };
      return { ...hit, original };
    }),
    notices: [],
    mapped: true,
  };
}
