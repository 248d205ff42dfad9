/**
 * How much of a secret a report shows. Every reporter goes through here: a snippet, a commit
 * subject, a path or a notice can hold any finding's secret, not only its own.
 */
import type { CommitInfo, Finding, Locator, Occurrence, Region } from '../types.js';

const MASK = '*****';

/** Characters of a secret's head a redacted report keeps: enough to tell `sk_live_` from `ghp_`. */
function visibleLength(secret: string): number {
  return secret.length >= 16 ? 4 : secret.length >= 8 ? 2 : 0;
}

/** Keeps a short prefix and hides the rest, including its length. */
export function redactSecret(secret: string): string {
  return secret.slice(0, visibleLength(secret)) + MASK;
}

export function shownSecret(secret: string, redact: boolean): string {
  return redact ? redactSecret(secret) : secret;
}

/**
 * A stretch of text to hide, in the text's offsets; it may run past either edge when a snippet
 * window cut the secret. `visible` head characters stay readable when the head is in the text.
 */
export interface Cover {
  readonly start: number;
  readonly end: number;
  readonly visible: number;
}

/** Replaces every covered stretch by its visible head and the mask; overlapping covers merge. */
export function maskCovers(text: string, covers: readonly Cover[]): string {
  const inside = covers
    .map((cover) => ({ start: Math.max(0, cover.start), end: Math.min(text.length, cover.end), visible: cover.start >= 0 ? cover.visible : 0 }))
    .filter((cover) => cover.end > cover.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let shown = '';
  let at = 0;
  for (const cover of inside) {
    if (cover.start < at) {
      at = Math.max(at, cover.end);
      continue;
    }
    shown += text.slice(at, cover.start) + text.slice(cover.start, cover.start + Math.min(cover.visible, cover.end - cover.start)) + MASK;
    at = cover.end;
  }
  return shown + text.slice(at);
}

/** A string to hide wherever it appears: a secret as found, or one of its encoded forms. */
interface Form {
  readonly text: string;
  readonly visible: number;
}

/** Shorter overlaps at a window's edge, and shorter secrets anywhere, are too likely to be chance. */
const MIN_MATCH = 4;
/** Forms are looked up by this many leading characters: enough to tell apart keys that share a provider prefix. */
const HEAD_KEY = 16;

/**
 * Every secret of a report, indexed so each field is searched in time linear in its length whatever
 * the number of secrets (a scan can report 200 000). A secret shorter than 4 characters is hidden
 * only where the scan placed it: searching for it would mask chance text.
 */
export interface SecretSet {
  /** Forms by their first 16 characters (all of a shorter form). */
  readonly byHead: ReadonlyMap<string, readonly Form[]>;
  readonly headLengths: readonly number[];
  /** Forms in code-unit order, to find one a window's end cuts (its head is the text's tail). */
  readonly sorted: readonly string[];
  /** Reversed forms in order, to find one a window's start cuts (its tail is the text's head). */
  readonly reversed: readonly string[];
  readonly visible: ReadonlyMap<string, number>;
  readonly longest: number;
}

/**
 * The stretches of base64 that spell `secret` whatever its alignment inside the encoded blob:
 * each of the three byte offsets gives a core of characters that depend only on the secret.
 */
export function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'latin1');
  const forms = [0, 1, 2].flatMap((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    return [core, core.replace(/\+/g, '-').replace(/\//g, '_')];
  });
  return [...new Set(forms)].filter((form) => form.length >= MIN_MATCH * 2);
}

function reverse(text: string): string {
  let reversed = '';
  for (let i = text.length - 1; i >= 0; i--) reversed += text[i];
  return reversed;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `secrets` as found; `encoded` ones were found as base64 too, so their encoded forms are hidden as well. */
export function secretSet(secrets: Iterable<string>, encoded: Iterable<string> = []): SecretSet {
  const visible = new Map<string, number>();
  for (const secret of secrets) if (secret.length >= MIN_MATCH) visible.set(secret, visibleLength(secret));
  for (const secret of encoded) for (const form of base64Forms(secret)) if (!visible.has(form)) visible.set(form, 0);
  const byHead = new Map<string, Form[]>();
  for (const [text, shown] of visible) {
    const head = text.slice(0, HEAD_KEY);
    const list = byHead.get(head);
    if (list === undefined) byHead.set(head, [{ text, visible: shown }]);
    else list.push({ text, visible: shown });
  }
  const sorted = [...visible.keys()].sort(byCodeUnits);
  return {
    byHead,
    headLengths: [...new Set(sorted.map((text) => Math.min(text.length, HEAD_KEY)))],
    sorted,
    reversed: sorted.map(reverse).sort(byCodeUnits),
    visible,
    longest: Math.max(0, ...sorted.map((text) => text.length)),
  };
}

/** The first entry of `sorted` that starts with `prefix` and is longer than it, if any. */
function longerStartingWith(sorted: readonly string[], prefix: string): string | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < prefix) low = mid + 1;
    else high = mid;
  }
  const candidate = sorted[low] === prefix ? sorted[low + 1] : sorted[low];
  return candidate?.startsWith(prefix) ? candidate : undefined;
}

/** A secret whose tail opens `text` or whose head closes it, the longest overlap (4 characters at least). */
function edgeCovers(text: string, secrets: SecretSet): Cover[] {
  const covers: Cover[] = [];
  const most = Math.min(text.length, secrets.longest - 1);
  const reversedHead = reverse(text.slice(0, most));
  for (let length = most; length >= MIN_MATCH; length--) {
    const reversedTail = longerStartingWith(secrets.reversed, reversedHead.slice(most - length));
    if (reversedTail === undefined) continue;
    covers.push({ start: length - reversedTail.length, end: length, visible: 0 });
    break;
  }
  for (let length = most; length >= MIN_MATCH; length--) {
    const form = longerStartingWith(secrets.sorted, text.slice(text.length - length));
    if (form === undefined) continue;
    covers.push({ start: text.length - length, end: text.length - length + form.length, visible: secrets.visible.get(form) ?? 0 });
    break;
  }
  return covers;
}

/** Where known secrets appear in `text`, whole or cut by either edge. */
function searchCovers(text: string, secrets: SecretSet): Cover[] {
  const covers = edgeCovers(text, secrets);
  for (let offset = 0; offset + MIN_MATCH <= text.length; offset++) {
    for (const length of secrets.headLengths) {
      for (const form of secrets.byHead.get(text.slice(offset, offset + length)) ?? []) {
        if (text.startsWith(form.text, offset)) covers.push({ start: offset, end: offset + form.text.length, visible: form.visible });
      }
    }
  }
  return covers;
}

/** Hides every known secret in a free-text field (a commit subject, a path, a notice), plus any given placed covers. */
export function redactText(text: string, secrets: SecretSet, placed: readonly Cover[] = []): string {
  return maskCovers(text, [...placed, ...searchCovers(text, secrets)]);
}

/** A secret at a known place in a scanned text (its region), for exact covers in snippets of its neighbours. */
interface Placement {
  readonly region: Region;
  readonly visible: number;
}

/** Columns `[from, from + length)` of `line` that a placement covers, in the piece's offsets. */
function coverOnLine(placement: Placement, line: number, from: number): Cover | undefined {
  const { region } = placement;
  if (line < region.startLine || line > region.endLine) return undefined;
  const start = line === region.startLine ? region.startColumn - from : -Infinity;
  const end = line === region.endLine ? region.endColumn - from : Infinity;
  return { start, end, visible: placement.visible };
}

/** What every report field goes through: one per report, built from all its findings. */
export interface Redactor {
  readonly redact: boolean;
  /** The secret itself, as the report shows it. */
  secret(secret: string): string;
  /** A free-text field that may hold any finding's secret. */
  text(text: string): string;
  /** The text around an occurrence with its secret in place, every other secret in the window hidden. */
  snippet(occurrence: Occurrence, secret: string): string;
  /** A commit with subject, author, email and ref redacted. */
  commit(commit: CommitInfo): CommitInfo;
}

/** A line of a scanned text: occurrences with equal provenance share lines and columns. */
function lineKey(occurrence: Occurrence, line: number): string {
  return `${line} ${JSON.stringify(occurrence.provenance)}`;
}

/** Every finding's and companion's place, by the lines it spans. */
function placements(findings: readonly Finding[]): Map<string, Placement[]> {
  const byLine = new Map<string, Placement[]>();
  const place = (occurrence: Occurrence, placement: Placement) => {
    for (let line = placement.region.startLine; line <= placement.region.endLine; line++) {
      const key = lineKey(occurrence, line);
      const list = byLine.get(key);
      if (list === undefined) byLine.set(key, [placement]);
      else list.push(placement);
    }
  };
  for (const finding of findings) {
    for (const occurrence of finding.occurrences) {
      // An encoded occurrence's region is the encoded text: none of its head is the secret's.
      place(occurrence, { region: occurrence.region, visible: occurrence.encoding.length > 0 ? 0 : visibleLength(finding.secret) });
      for (const companion of occurrence.companions) place(occurrence, { region: companion.region, visible: visibleLength(companion.secret) });
    }
  }
  return byLine;
}

function allSecrets(findings: readonly Finding[]): string[] {
  return findings.flatMap((finding) => [finding.secret, ...finding.occurrences.flatMap((occurrence) => occurrence.companions.map((companion) => companion.secret))]);
}

function assemble(occurrence: Occurrence, shown: string, before: string, after: string): string {
  const middle = occurrence.encoding.length > 0 ? `[${occurrence.encoding.join('+')}-encoded ${shown}]` : shown;
  return `${before.trimStart()}${middle}${after.trimEnd()}`;
}

const SHOW_ALL: Redactor = {
  redact: false,
  secret: (secret) => secret,
  text: (text) => text,
  snippet: (occurrence, secret) => assemble(occurrence, secret, occurrence.before, occurrence.after),
  commit: (commit) => commit,
};

/** The redactor for a report of `findings`: exact places where the scan gave them, string search for the rest. */
export function redactor(findings: readonly Finding[], redact: boolean): Redactor {
  if (!redact) return SHOW_ALL;
  const encoded = findings.filter((finding) => finding.occurrences.some((occurrence) => occurrence.encoding.includes('base64'))).map((finding) => finding.secret);
  const secrets = secretSet(allSecrets(findings), encoded);
  const placed = placements(findings);
  const text = (value: string) => redactText(value, secrets);
  const coversOn = (occurrence: Occurrence, line: number, from: number): Cover[] =>
    (placed.get(lineKey(occurrence, line)) ?? []).flatMap((placement) => coverOnLine(placement, line, from) ?? []);
  return {
    redact,
    secret: redactSecret,
    text,
    snippet(occurrence, secret) {
      const { region, before, after } = occurrence;
      const shownBefore = redactText(before, secrets, coversOn(occurrence, region.startLine, region.startColumn - before.length));
      const shownAfter = redactText(after, secrets, coversOn(occurrence, region.endLine, region.endColumn));
      return assemble(occurrence, redactSecret(secret), shownBefore, shownAfter);
    },
    commit: (commit) => ({ ...commit, subject: text(commit.subject), author: text(commit.author), email: text(commit.email), ...(commit.ref === undefined ? {} : { ref: text(commit.ref) }) }),
  };
}

/** Names inside a binary (resource names, plist key paths, sections) are scanned data too. */
export function redactedLocator(locator: Locator, redactor: Redactor): Locator {
  return Object.fromEntries(Object.entries(locator).map(([key, value]) => [key, key !== 'kind' && typeof value === 'string' ? redactor.text(value) : value])) as unknown as Locator;
}
