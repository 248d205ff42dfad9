/**
 * Scans an artifact: walks its containers, decodes every leaf, runs the rules on the text or on
 * the decoded strings, and gives each hit its place: `app.apk!classes2.dex`, dex string #812.
 */
import type { BinaryFormat, Hit, Locator, Notice, Provenance, Region, ShippedTo } from '../types.js';
import type { Ruleset } from '../ruleset/compile.js';
import { detect } from '../detect/detector.js';
import { walkArtifact, type ContainerKind, type Leaf } from '../artifacts/walk.js';
import { extractLeaf } from '../artifacts/extract.js';
import type { ExtractedString } from '../artifacts/strings.js';
import type { ArchiveLimits } from '../artifacts/limits.js';
import { printableRuns } from '../artifacts/formats/printable.js';

/** Shorter strings cannot hold a credential worth reporting; dropping them keeps DEX pools small. */
const MIN_STRING_LENGTH = 8;

export interface ArtifactScanResult {
  readonly hits: readonly Hit[];
  readonly notices: readonly Notice[];
  /** Leaves decoded or read as text. */
  readonly leaves: number;
}

/** Decoded strings as one text, one string per line (`key = "value"` when the format names it). */
interface Rendered {
  readonly text: string;
  readonly strings: readonly ExtractedString[];
  /** 1-based line each string starts on, ascending. */
  readonly firstLines: readonly number[];
  /** Characters before the value on its first line (the `key = "` part). */
  readonly prefixes: readonly number[];
}

export function renderStrings(strings: readonly ExtractedString[]): Rendered {
  const parts: string[] = [];
  const kept: ExtractedString[] = [];
  const firstLines: number[] = [];
  const prefixes: number[] = [];
  let line = 1;
  for (const string of strings) {
    // A constant code passes to a key or password parameter is one however short (`"admin"`).
    if (string.value.length < MIN_STRING_LENGTH && string.locator.kind !== 'use') continue;
    // Only LF may end a line inside a value, so line counting stays simple; CR keeps its width.
    const value = string.value.includes('\r') ? string.value.replace(/\r/g, ' ') : string.value;
    const prefix = string.key === undefined ? '' : `${string.key.replace(/[\r\n]/g, ' ')} = "`;
    parts.push(string.key === undefined ? value : `${prefix}${value}"`);
    kept.push(string);
    firstLines.push(line);
    prefixes.push(prefix.length);
    for (let at = value.indexOf('\n'); at !== -1; at = value.indexOf('\n', at + 1)) line++;
    line++;
  }
  return { text: parts.join('\n'), strings: kept, firstLines, prefixes };
}

/** Index of the string whose lines hold `line`. */
function stringAt(rendered: Rendered, line: number): number {
  let low = 0;
  let high = rendered.firstLines.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (rendered.firstLines[middle]! <= line) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** A region of the rendered text, moved to be relative to the value of string `index`. */
function withinString(rendered: Rendered, index: number, region: Region): Region {
  const first = rendered.firstLines[index]!;
  const prefix = rendered.prefixes[index]!;
  const line = (value: number) => value - first + 1;
  const column = (lineValue: number, value: number) => (lineValue === first ? Math.max(1, value - prefix) : value);
  return {
    startLine: line(region.startLine),
    startColumn: column(region.startLine, region.startColumn),
    endLine: line(region.endLine),
    endColumn: column(region.endLine, region.endColumn),
  };
}

function entryPath(artifact: string, chain: readonly string[]): string {
  return [artifact, ...chain].join('!');
}

function entryProvenance(artifact: string, chain: readonly string[], format?: BinaryFormat, locator?: Locator): Provenance {
  return {
    kind: 'entry',
    path: entryPath(artifact, chain),
    artifact,
    chain,
    ...(format === undefined ? {} : { format }),
    ...(locator === undefined ? {} : { locator }),
  };
}

/** The name a rule's `path` condition sees: the entry's own name inside its container. */
function innerName(artifact: string, chain: readonly string[]): string {
  return chain.at(-1) ?? artifact;
}

/**
 * Rules see the entry's own name as its path, so `path` conditions (`.env`, `.npmrc`) and
 * script detection work as they do on disk; hits are then given their full place.
 */
function detectInEntry(text: string, artifact: string, chain: readonly string[], ruleset: Ruleset): Hit[] {
  return detect({ text, provenance: entryProvenance(innerName(artifact, chain), []) }, ruleset);
}

const genericRuleIds = new WeakMap<Ruleset, ReadonlySet<string>>();

function isGeneric(ruleset: Ruleset, ruleId: string): boolean {
  let ids = genericRuleIds.get(ruleset);
  if (ids === undefined) {
    ids = new Set(ruleset.rules.filter((rule) => rule.spec.generic).map((rule) => rule.spec.id));
    genericRuleIds.set(ruleset, ids);
  }
  return ids.has(ruleId);
}

/**
 * Generic rules (`password = ...`) read configuration files, where a word can be the password. In
 * a binary's string table the same shape is mostly UI text (`autofill_save_type_password =
 * "Passwort"` in forty languages), so there a generic match must look machine-made: printable
 * ASCII without spaces, with both letters and digits.
 */
function looksMachineMade(secret: string): boolean {
  return /^[\x21-\x7e]+$/.test(secret) && /\d/.test(secret) && /[A-Za-z]/.test(secret);
}

/**
 * Type and method descriptors (`Ljava/lang/String;`, `(ILjava/util/List;)V`) are almost half the
 * text of a jar's constant pools and can never be a secret: `;` and `(` are outside every token
 * alphabet. Leaving them out of Java and DEX string tables halves the text rules must read.
 */
const JVM_DESCRIPTOR = /^(?:\[*L[\w/$]+;|\((?:\[*(?:[BCDFIJSZ]|L[\w/$]+;))*\)\[*(?:[BCDFIJSZV]|L[\w/$]+;))$/;
const JVM_FORMATS: ReadonlySet<BinaryFormat> = new Set(['class', 'dex']);

export function isJvmDescriptor(value: string): boolean {
  const first = value.charCodeAt(0);
  // Only strings opening like a descriptor (`L`, `[` or `(`) pay for the regex.
  return (first === 0x4c || first === 0x5b || first === 0x28) && JVM_DESCRIPTOR.test(value);
}

/** Strings in reading order: as stored, then the ones declared side by side in their declaration order. */
function inReadingOrder(strings: readonly ExtractedString[]): readonly ExtractedString[] {
  if (!strings.some((string) => string.declared !== undefined)) return strings;
  const declared = strings.filter((string) => string.declared !== undefined).sort((a, b) => a.declared! - b.declared!);
  return [...strings.filter((string) => string.declared === undefined), ...declared];
}

function detectStrings(strings: readonly ExtractedString[], artifact: string, chain: readonly string[], format: BinaryFormat, ruleset: Ruleset): Hit[] {
  const readable = JVM_FORMATS.has(format) ? strings.filter((string) => !isJvmDescriptor(string.value)) : strings;
  const rendered = renderStrings(inReadingOrder(readable));
  if (rendered.strings.length === 0) return [];
  const hits = detectInEntry(rendered.text, artifact, chain, ruleset).filter((hit) => !isGeneric(ruleset, hit.ruleId) || looksMachineMade(hit.secret));
  return hits.map((hit) => {
    const index = stringAt(rendered, hit.region.startLine);
    // A companion in another string (a key id in the resource before the secret's) gets that string's place.
    const companions = hit.companions.map((companion) => {
      const at = stringAt(rendered, companion.region.startLine);
      const region = withinString(rendered, at, companion.region);
      return at === index ? { ...companion, region } : { ...companion, region, locator: rendered.strings[at]!.locator };
    });
    return { ...hit, region: withinString(rendered, index, hit.region), companions, provenance: entryProvenance(artifact, chain, format, rendered.strings[index]!.locator) };
  });
}

/**
 * Strings outside any unit are read together; each unit (a class, a plist dict, an object literal)
 * on its own. A string found both as it is stored and under the name code gives it (its locator
 * says `via`) is reported once, named.
 */
function detectDecoded(strings: readonly ExtractedString[], artifact: string, chain: readonly string[], format: BinaryFormat, ruleset: Ruleset): Hit[] {
  const units = new Map<string, ExtractedString[]>();
  const loose: ExtractedString[] = [];
  for (const string of strings) {
    if (string.unit === undefined) loose.push(string);
    else units.set(string.unit, [...(units.get(string.unit) ?? []), string]);
  }
  const hits = [...detectStrings(loose, artifact, chain, format, ruleset), ...[...units.values()].flatMap((unit) => detectStrings(unit, artifact, chain, format, ruleset))];
  const locatorOf = (hit: Hit) => (hit.provenance.kind === 'entry' ? hit.provenance.locator : undefined);
  const isNamed = (hit: Hit) => {
    const locator = locatorOf(hit);
    return locator !== undefined && 'via' in locator && locator.via !== undefined;
  };
  const place = (hit: Hit) => `${hit.ruleId}\0${hit.secret}\0${JSON.stringify({ ...locatorOf(hit), via: undefined })}\0${hit.region.startLine}:${hit.region.startColumn}`;
  const namedPlaces = new Set(hits.filter(isNamed).map(place));
  return namedPlaces.size === 0 ? hits : hits.filter((hit) => isNamed(hit) || !namedPlaces.has(place(hit)));
}

/** App packages anyone can download and unpack: whatever they hold is public. */
const APP_PACKAGE = /\.(?:apk|aab|apks|xapk|apkm|ipa|crx|xpi|asar|appx|msix)$/i;
const APP_CONTAINERS: ReadonlySet<ContainerKind> = new Set(['crx', 'asar']);

function appPackage(artifact: string, leaf: Leaf): string | undefined {
  const names = [artifact, ...leaf.chain.slice(0, -1)];
  const named = names.find((name) => APP_PACKAGE.test(name));
  if (named !== undefined) return named;
  if (leaf.containers.some((kind) => APP_CONTAINERS.has(kind))) return artifact;
  if (leaf.chain[0] !== undefined && /^Payload\/[^/]+\.app\//.test(leaf.chain[0])) return artifact;
  return undefined;
}

function leafHits(leaf: Leaf, artifact: string, ruleset: Ruleset, notices: Notice[]): Hit[] | undefined {
  const content = extractLeaf(leaf);
  const path = entryPath(artifact, leaf.chain);
  switch (content.kind) {
    case 'skip':
      return undefined;
    case 'text':
      return detectInEntry(content.text, artifact, leaf.chain, ruleset).map((hit) => ({ ...hit, provenance: entryProvenance(artifact, leaf.chain) }));
    case 'raw':
      if (content.damaged) {
        notices.push({ level: 'warning', code: 'format-damaged', message: `damaged ${content.damaged.format}: ${content.damaged.reason}; printable strings scanned instead`, path });
      }
      return detectStrings(content.strings, artifact, leaf.chain, 'raw', ruleset);
    case 'strings': {
      content.extraction.notices.forEach((message) => notices.push({ level: 'warning', code: 'decode-notice', message, path }));
      const structured = detectDecoded(content.extraction.strings, artifact, leaf.chain, content.format, ruleset);
      if (!content.alsoRaw) return structured;
      // Strings outside the sections read (a secret in an odd section) still count, once: runs the
      // sections already gave are not scanned again, and a secret found both ways is kept from its section.
      const decoded = new Set(content.extraction.strings.map((string) => string.value));
      const runs = printableRuns(leaf.bytes).filter((run) => !decoded.has(run.value));
      const known = new Set(structured.map((hit) => `${hit.ruleId}\0${hit.secret}`));
      const raw = detectStrings(runs, artifact, leaf.chain, 'raw', ruleset).filter((hit) => !known.has(`${hit.ruleId}\0${hit.secret}`));
      return [...structured, ...raw];
    }
  }
}

export function scanArtifact(bytes: Uint8Array, artifact: string, ruleset: Ruleset, limits: ArchiveLimits): ArtifactScanResult {
  const hits: Hit[] = [];
  const notices: Notice[] = [];
  let leaves = 0;
  const remarks = walkArtifact(bytes, artifact, limits, (leaf) => {
    const found = leafHits(leaf, artifact, ruleset, notices);
    if (found === undefined) return;
    leaves++;
    const app = appPackage(artifact, leaf);
    const shipped: ShippedTo | undefined = app === undefined ? undefined : { via: 'app', app };
    for (const hit of found) hits.push(shipped === undefined ? hit : { ...hit, shipped });
  });
  for (const remark of remarks) {
    // Unpacked asar files are scanned where they lie; every other remark means something went unscanned.
    notices.push({ level: remark.code === 'archive-unpacked' ? 'note' : 'warning', code: remark.code, message: remark.message, path: entryPath(artifact, remark.chain) });
  }
  return { hits, notices, leaves };
}
