/**
 * The detector: text × ruleset → hits. Step order (after gitleaks' detectRule): keyword prefilter →
 * path gate → regex → secret group → filters → entropy → checksum → inline allow → allowlists.
 * Base64 runs are decoded and scanned once more; their hits point at the encoded text.
 */
import type { Companion, CompanionSpec, FilterName, Hit, Provenance, Region } from '../types.js';
import type { Rule, Ruleset } from '../ruleset/compile.js';
import { entropyGate, shannonEntropy } from './entropy.js';
import { rejectingFilter } from './filters.js';
import { allowlistAllows, allowlistTargets, hasInlineAllow } from './allow.js';
import { lineLocator, type LineLocator, type Position } from './lines.js';
import { base64Segments } from './base64.js';
import { jsStringSegments } from './js-strings.js';
import { joinSpokenNames } from './spaced-names.js';
import { valueFirstPairs } from './value-first.js';
import type { KeywordScan } from './keywords.js';

/** Characters of context kept on each side of a secret for report snippets. */
const CONTEXT_CHARS = 40;

export interface DetectTarget {
  readonly text: string;
  readonly provenance: Provenance;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

interface Candidate extends Span {
  readonly rule: Rule;
  readonly secret: string;
  readonly entropy: number;
  readonly allowedInline: boolean;
  readonly likelyPlaceholder?: FilterName;
  /** What the finding points at: the secret, or the whole match for a `region = "match"` rule (a key block). */
  readonly reported: Span;
}

function secretSpan(match: RegExpExecArray, rule: Rule): Span {
  const indices = match.indices!;
  const group = rule.spec.secretGroup;
  if (typeof group === 'number') return spanOf(indices[group]) ?? spanOf(indices[0])!;
  const named = indices.groups?.[group ?? 'secret'];
  if (named) return spanOf(named)!;
  for (let i = 1; i < indices.length; i++) {
    const span = spanOf(indices[i]);
    if (span && span.end > span.start) return span;
  }
  return spanOf(indices[0])!;
}

function spanOf(pair: [number, number] | undefined): Span | undefined {
  return pair && { start: pair[0], end: pair[1] };
}

/** The rule's next match; the time guard hears of each search, so a rule making progress is never stopped. */
function nextMatch(regex: RegExp, view: string, ruleIndex: number, ruleset: Ruleset): RegExpExecArray | null {
  ruleset.searching?.(ruleIndex);
  return regex.exec(view);
}

/**
 * The rule's matches in `view`, in order. Where the rule's matches start at its keywords and the
 * prefilter told where those start, the regex is tried there only; the matches are the same. Such
 * a rule's regex for whole texts stays unused (never compiled, which costs up to 2 ms a regex).
 */
function* ruleMatches(ruleIndex: number, view: string, ruleset: Ruleset, starts: readonly number[] | undefined): Generator<RegExpExecArray> {
  const rule = ruleset.rules[ruleIndex]!;
  if (rule.sticky !== undefined && starts !== undefined) {
    const sticky = rule.sticky;
    let searchedTo = 0;
    for (const start of starts) {
      if (start < searchedTo) continue;
      sticky.lastIndex = start;
      const match = nextMatch(sticky, view, ruleIndex, ruleset);
      if (match === null) continue;
      searchedTo = start + Math.max(match[0].length, 1);
      yield match;
    }
    return;
  }
  const regex = rule.regex;
  regex.lastIndex = 0;
  for (let match = nextMatch(regex, view, ruleIndex, ruleset); match; match = nextMatch(regex, view, ruleIndex, ruleset)) {
    if (match[0].length === 0) regex.lastIndex++;
    yield match;
  }
}

function* ruleCandidates(ruleIndex: number, view: string, text: string, path: string, ruleset: Ruleset, locator: LineLocator, starts: readonly number[] | undefined): Generator<Candidate> {
  const rule = ruleset.rules[ruleIndex]!;
  if (rule.path && !rule.path.test(path)) return;
  for (const match of ruleMatches(ruleIndex, view, ruleset, starts)) {
    const { start, end } = secretSpan(match, rule);
    const secret = text.slice(start, end);
    if (secret.length === 0) continue;
    const filtered = { secret, match: match[0], documentedExamples: ruleset.documentedExamples, text, start, end, now: ruleset.now };
    if (rejectingFilter(rule.filters, filtered)) continue;
    const likelyPlaceholder = rule.spec.placeholderFilters && rejectingFilter(rule.spec.placeholderFilters, filtered);
    const entropy = shannonEntropy(secret);
    // A provider rule's gate is written for its format; a catch-all rule's cannot know the value's alphabet.
    if (entropy < (rule.spec.generic ? entropyGate(secret, rule.spec.entropy) : rule.spec.entropy)) continue;
    if (rule.checksum && !rule.checksum(secret)) continue;
    const reported = rule.spec.region === 'match' ? { start: match.index, end: match.index + match[0].length } : { start, end };
    // Every line the finding points at, as gitleaks reads a match's lines: a key block's comment may
    // stand on its BEGIN or END line.
    const line = text.slice(locator.lineBounds(reported.start).start, Math.max(locator.lineBounds(reported.end).end, reported.end));
    const candidate = { secret, match: match[0], line, path };
    if (rule.allowlists.some((allowlist) => allowlistAllows(allowlist, candidate))) continue;
    if (ruleset.allowlists.some((allowlist) => allowlistTargets(allowlist, rule.spec.id) && allowlistAllows(allowlist, candidate))) continue;
    yield { rule, secret, start, end, entropy, allowedInline: hasInlineAllow(line), reported, ...(likelyPlaceholder === undefined ? {} : { likelyPlaceholder }) };
  }
}

function overlaps(a: Candidate, b: Candidate): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The text the rules read, and which of their keywords it holds where. */
interface RulesView {
  readonly view: string;
  readonly keywords: KeywordScan;
}

/** Where the keywords of the rules that occur in the scan start, for the rules the index locates. */
function keywordStarts(keywords: KeywordScan, ruleset: Ruleset, includeGeneric: boolean): number[] {
  return keywords.startsOfAny(includeGeneric ? keywords.rules : keywords.rules.filter((index) => !ruleset.rules[index]!.spec.generic));
}

/**
 * The escape-aware view with the spoken credential names that start at a provider rule's keyword
 * joined (`Datadog API key: …` read as `Datadog-API-key: …`), and its keyword scan. Generic rules'
 * keywords (`key`, `token`) are not starts: they already read a name of any words before them.
 */
function rulesView(text: string, ruleset: Ruleset): RulesView {
  const view = escapeAwareView(text);
  const keywords = ruleset.keywords.scan(view);
  const joined = joinSpokenNames(view, keywordStarts(keywords, ruleset, false));
  // A joined name may hold a keyword the spaces hid (`DD API key` is `dd-api-key`).
  return joined === view ? { view, keywords } : { view: joined, keywords: ruleset.keywords.scan(joined) };
}

/** Rules run on `view`; secrets and lines are read from `text`, which has the same offsets. */
function candidatesIn({ view, keywords }: RulesView, text: string, path: string, ruleset: Ruleset, locator: LineLocator): Candidate[] {
  const found: Candidate[] = [];
  const search = (index: number) => {
    // One push per candidate: spreading a rule's matches overflows the stack past ~100 000.
    for (const candidate of ruleCandidates(index, view, text, path, ruleset, locator, keywords.starts(index))) found.push(candidate);
  };
  // Rules that are never reported (an issuer, a client id) only matter next to a candidate that takes
  // them as companions, or to a generic candidate they would outrank on the same text: they search
  // after the others, and not at all when nothing found needs them. Their regexes are the slow kind.
  const unreported: number[] = [];
  for (const index of keywords.rules) {
    if (ruleset.skipRule?.(index) === true) continue;
    if (ruleset.rules[index]!.spec.skipReport) unreported.push(index);
    else search(index);
  }
  if (unreported.length > 0 && found.length > 0) {
    const anyGeneric = found.some((candidate) => candidate.rule.spec.generic);
    const wanted = new Set(found.flatMap((candidate) => candidate.rule.spec.companions.map((companion) => companion.id)));
    for (const index of unreported) if (anyGeneric || wanted.has(ruleset.rules[index]!.spec.id)) search(index);
  }
  ruleset.searching?.(undefined);
  const kept = found.filter((candidate) => !candidate.rule.spec.generic);
  if (kept.length === found.length) return found;
  // Generic rules yield to provider rules, and to earlier generic rules, on overlapping text.
  for (const candidate of found) {
    if (candidate.rule.spec.generic && !kept.some((other) => overlaps(candidate, other))) kept.push(candidate);
  }
  return kept;
}

interface Paired {
  readonly candidate: Candidate;
  readonly companions: readonly Candidate[];
}

function isNear(spec: CompanionSpec, a: Position, b: Position): boolean {
  if (spec.withinLines !== undefined && Math.abs(a.line - b.line) > spec.withinLines) return false;
  if (spec.withinColumns !== undefined && Math.abs(a.column - b.column) > spec.withinColumns) return false;
  return true;
}

/**
 * Attaches each candidate's companions (the nearest match of each companion rule), drops candidates
 * whose required companions are missing, and drops companions that were attached: a client id next
 * to its secret is part of that one finding.
 */
function pairCompanions(candidates: readonly Candidate[], locator: LineLocator): Paired[] {
  const attached = new Set<Candidate>();
  const paired: Paired[] = [];
  for (const candidate of candidates) {
    const specs = candidate.rule.spec.companions;
    if (specs.length === 0) {
      paired.push({ candidate, companions: [] });
      continue;
    }
    const position = locator.position(candidate.start);
    const companions: Candidate[] = [];
    let complete = true;
    for (const spec of specs) {
      const nearest = candidates
        .filter((other) => other !== candidate && other.rule.spec.id === spec.id)
        .map((other) => ({ other, at: locator.position(other.start) }))
        .filter(({ at }) => isNear(spec, position, at))
        .sort((a, b) => Math.abs(a.at.line - position.line) - Math.abs(b.at.line - position.line) || a.other.start - b.other.start)[0];
      if (nearest) companions.push(nearest.other);
      else if (spec.required) complete = false;
    }
    if (!complete) continue;
    companions.forEach((companion) => attached.add(companion));
    paired.push({ candidate, companions });
  }
  return paired.filter(({ candidate }) => !attached.has(candidate) && !candidate.rule.spec.skipReport);
}

function regionOf(locator: LineLocator, span: Span): Hit['region'] {
  const start = locator.position(span.start);
  const end = locator.position(span.end);
  return { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
}

function toHit(target: DetectTarget, locator: LineLocator, candidate: Candidate, span: Span, encoding: Hit['encoding'], companions: readonly Companion[]): Hit {
  const { text } = target;
  const startLine = locator.lineBounds(span.start);
  const endLine = locator.lineBounds(span.end);
  return {
    ruleId: candidate.rule.spec.id,
    secret: candidate.secret,
    entropy: candidate.entropy,
    provenance: target.provenance,
    region: regionOf(locator, span),
    companions,
    ...(candidate.allowedInline ? { allowedInline: true as const } : {}),
    ...(candidate.likelyPlaceholder === undefined ? {} : { likelyPlaceholder: candidate.likelyPlaceholder }),
    before: text.slice(Math.max(startLine.start, span.start - CONTEXT_CHARS), span.start),
    after: text.slice(span.end, Math.max(span.end, Math.min(endLine.end, span.end + CONTEXT_CHARS))),
    encoding,
  };
}

/**
 * The text rules see: `\n`, `\r` and `\t` escapes (JSON strings, source maps, JS literals) become a
 * space and the character they stand for. Offsets stay the same, so positions are read from the
 * original text, while `\b`, `^` and `$` now work at escaped line starts and ends.
 */
export function escapeAwareView(text: string): string {
  if (!text.includes('\\')) return text;
  // Escaped backslashes are deliberately not paired off: in JSON inside JSON (a key file quoted in a
  // source map) a line end is `\\\\n`, and its last two characters must still read as one.
  return text.replace(/\\[nrt]/g, (escape) => (escape === '\\n' ? ' \n' : escape === '\\r' ? ' \r' : '  '));
}

export interface DetectOptions {
  /** Also return hits a `keyleak:allow` comment silenced, marked `allowedInline` (to find unused comments). */
  readonly includeInlineAllowed?: boolean;
}

/**
 * Texts longer than this are scanned in windows that overlap by WINDOW_OVERLAP characters, so the
 * copies the scan makes (the escape-aware view, decoded segments) stay bounded on a one-line
 * 20 MB bundle, and a secret on a window edge is still whole in one window.
 */
export const WINDOW = 4 * 1024 * 1024;
export const WINDOW_OVERLAP = 16 * 1024;

/** The hit with its own region and its companions' regions passed through `move`. */
export function moveHit(hit: Hit, move: (region: Region) => Region): Hit {
  return { ...hit, region: move(hit.region), companions: hit.companions.map((companion) => ({ ...companion, region: move(companion.region) })) };
}

/** Moves a region found in a window that starts at `origin` (1-based line and column in the whole text). */
function shift(region: Region, origin: Position): Region {
  const line = (value: number) => origin.line + value - 1;
  return {
    startLine: line(region.startLine),
    startColumn: region.startLine === 1 ? origin.column + region.startColumn - 1 : region.startColumn,
    endLine: line(region.endLine),
    endColumn: region.endLine === 1 ? origin.column + region.endColumn - 1 : region.endColumn,
  };
}

/** Every hit of `ruleset` in `target`, in text order per rule. */
export function detect(target: DetectTarget, ruleset: Ruleset, options: DetectOptions = {}): Hit[] {
  const { text } = target;
  if (text.length <= WINDOW + WINDOW_OVERLAP) return detectWindow(target, ruleset, options);
  const locator = lineLocator(text);
  const seen = new Set<string>();
  const hits: Hit[] = [];
  for (let start = 0; start < text.length; start += WINDOW) {
    const part = text.slice(start, Math.min(text.length, start + WINDOW + WINDOW_OVERLAP));
    const found = detectWindow({ ...target, text: part }, ruleset, options);
    // Where the window starts in lines takes a line table of the whole text: only for a window with hits.
    const origin = found.length === 0 ? { line: 1, column: 1 } : locator.position(start);
    for (const hit of found) {
      const moved = moveHit(hit, (region) => shift(region, origin));
      const key = `${hit.ruleId}\0${hit.secret}\0${moved.region.startLine}:${moved.region.startColumn}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push(moved);
    }
    if (start + WINDOW + WINDOW_OVERLAP >= text.length) break;
  }
  return hits;
}

function detectWindow(target: DetectTarget, ruleset: Ruleset, options: DetectOptions): Hit[] {
  const { text } = target;
  const path = displayPath(target.provenance);
  const locator = lineLocator(text);
  const companionOf = (candidate: Candidate): Companion => ({ ruleId: candidate.rule.spec.id, secret: candidate.secret, region: regionOf(locator, candidate) });
  const read = rulesView(text, ruleset);
  const hits = pairCompanions(candidatesIn(read, text, path, ruleset, locator), locator).map(({ candidate, companions }) =>
    toHit(target, locator, candidate, candidate.reported, [], companions.map(companionOf)),
  );
  // Value-first pairs, read as `NAME="value"`: a finding points at the value, and a secret the text
  // already showed on that line (by any rule) is not found again.
  for (const pair of valueFirstPairs(read.view, keywordStarts(read.keywords, ruleset, true))) {
    const pairLocator = lineLocator(pair.decoded);
    const line = regionOf(locator, pair).startLine;
    for (const { candidate, companions } of pairCompanions(candidatesIn(rulesView(pair.decoded, ruleset), pair.decoded, path, ruleset, pairLocator), pairLocator)) {
      if (hits.some((hit) => hit.secret === candidate.secret && hit.region.startLine === line)) continue;
      hits.push(toHit(target, locator, candidate, pair, [], companions.map((companion) => ({ ruleId: companion.rule.spec.id, secret: companion.secret, region: regionOf(locator, pair) }))));
    }
  }
  const segments = [...base64Segments(text).map((segment) => ({ ...segment, encoding: 'base64' as const })), ...(isScript(target.provenance) ? jsStringSegments(text) : [])];
  for (const segment of segments) {
    const decodedLocator = lineLocator(segment.decoded);
    const inSegment = (candidate: Candidate): Companion => ({ ruleId: candidate.rule.spec.id, secret: candidate.secret, region: regionOf(locator, segment) });
    for (const { candidate, companions } of pairCompanions(candidatesIn(rulesView(segment.decoded, ruleset), segment.decoded, path, ruleset, decodedLocator), decodedLocator)) {
      // A secret the plain text already showed at this place is not found twice.
      if (hits.some((hit) => hit.ruleId === candidate.rule.spec.id && hit.secret === candidate.secret && hit.region.startLine === regionOf(locator, segment).startLine)) continue;
      hits.push(toHit(target, locator, candidate, segment, [segment.encoding], companions.map(inSegment)));
    }
  }
  return options.includeInlineAllowed ? hits : hits.filter((hit) => !hit.allowedInline);
}

/** Files whose strings a JavaScript engine cooks: only there do escapes and `+` hide a secret. */
const SCRIPT_PATH = /\.(?:[cm]?[jt]sx?|html?|vue|svelte|astro|jsbundle|bundle)$/i;

function isScript(provenance: Provenance): boolean {
  return provenance.kind === 'sourcemap' || SCRIPT_PATH.test(provenance.path);
}

export function displayPath(provenance: Provenance): string {
  return provenance.path;
}
