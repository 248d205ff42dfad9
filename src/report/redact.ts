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

/** Shorter overlaps at a window's edge are too likely to be chance. */
const GRAM = 4;

/**
 * Every secret of a report, indexed by its 4-character pieces so each field is searched in one pass.
 * A secret shorter than that is hidden only where the scan placed it: searching for it would mask chance text.
 */
export interface SecretSet {
  readonly grams: ReadonlyMap<string, readonly { readonly form: Form; readonly at: number }[]>;
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
  return [...new Set(forms)].filter((form) => form.length >= GRAM * 2);
}

export function secretSet(secrets: Iterable<string>): SecretSet {
  const forms: Form[] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length === 0) continue;
    forms.push({ text: secret, visible: visibleLength(secret) }, ...base64Forms(secret).map((text) => ({ text, visible: 0 })));
  }
  const grams = new Map<string, { form: Form; at: number }[]>();
  for (const form of forms) {
    for (let at = 0; at + GRAM <= form.text.length; at++) {
      const gram = form.text.slice(at, at + GRAM);
      const list = grams.get(gram);
      if (list === undefined) grams.set(gram, [{ form, at }]);
      else list.push({ form, at });
    }
  }
  return { grams };
}

/** Where known secrets appear in `text`, whole or cut by either edge (at least 4 characters of them). */
function searchCovers(text: string, secrets: SecretSet): Cover[] {
  const covers: Cover[] = [];
  for (let offset = 0; offset + GRAM <= text.length; offset++) {
    for (const { form, at } of secrets.grams.get(text.slice(offset, offset + GRAM)) ?? []) {
      const start = offset - at;
      // Each placement once, from its first piece inside the text; a piece may hang over either edge.
      if (offset !== Math.max(0, start)) continue;
      const end = Math.min(text.length, start + form.text.length);
      if (text.slice(offset, end) === form.text.slice(offset - start, end - start)) covers.push({ start, end: start + form.text.length, visible: form.visible });
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

/** The same text scanned: occurrences with equal provenance share lines and columns. */
function textKey(occurrence: Occurrence): string {
  return JSON.stringify(occurrence.provenance);
}

function placements(findings: readonly Finding[]): Map<string, Placement[]> {
  const byText = new Map<string, Placement[]>();
  const place = (key: string, placement: Placement) => byText.set(key, [...(byText.get(key) ?? []), placement]);
  for (const finding of findings) {
    for (const occurrence of finding.occurrences) {
      const key = textKey(occurrence);
      // An encoded occurrence's region is the encoded text: none of its head is the secret's.
      place(key, { region: occurrence.region, visible: occurrence.encoding.length > 0 ? 0 : visibleLength(finding.secret) });
      for (const companion of occurrence.companions) place(key, { region: companion.region, visible: visibleLength(companion.secret) });
    }
  }
  return byText;
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
  const secrets = secretSet(allSecrets(findings));
  const placed = placements(findings);
  const text = (value: string) => redactText(value, secrets);
  const coversOn = (occurrence: Occurrence, line: number, from: number): Cover[] =>
    (placed.get(textKey(occurrence)) ?? []).flatMap((placement) => coverOnLine(placement, line, from) ?? []);
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
