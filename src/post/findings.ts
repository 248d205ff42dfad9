/** Groups hits into findings (one per rule and secret) and orders everything deterministically. */
import { createHash } from 'node:crypto';
import type { Finding, Hit, InlineAllow, Notice, Occurrence, RuleSpec } from '../types.js';

/** Content-based: a hash of rule id and secret, so it survives line moves, renames and re-runs. */
export function fingerprint(ruleId: string, secret: string): string {
  return createHash('sha256').update(`${ruleId}\0${secret}`).digest('hex').slice(0, 32);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function commitOf(occurrence: Occurrence): string {
  return occurrence.provenance.kind === 'git' ? occurrence.provenance.commit.sha : '';
}

/** Two strings of one decoded binary file share a path and often a region: their locators tell them apart. */
function locatorOf(occurrence: Occurrence): string {
  return occurrence.provenance.kind === 'entry' && occurrence.provenance.locator !== undefined ? JSON.stringify(occurrence.provenance.locator) : '';
}

/** Places in a decoded file in reading order: by name, then by index or byte offset as numbers. */
function placeOrder(occurrence: Occurrence): readonly [string, number] {
  if (occurrence.provenance.kind !== 'entry' || occurrence.provenance.locator === undefined) return ['', 0];
  const locator = occurrence.provenance.locator;
  switch (locator.kind) {
    case 'string-table':
    case 'use':
      return [locator.table, locator.index];
    case 'object-literal':
      return [`${locator.table} object literal`, locator.index];
    case 'resource':
      return [locator.name, 0];
    case 'xml-attribute':
      return [`${locator.element} ${locator.name ?? ''} ${locator.attribute}`, 0];
    case 'plist-key':
      return [locator.keyPath, 0];
    case 'section':
    case 'offset':
      return ['', locator.offset];
  }
}

function comparePlaces(a: Occurrence, b: Occurrence): number {
  const [nameA, numberA] = placeOrder(a);
  const [nameB, numberB] = placeOrder(b);
  return compareStrings(nameA, nameB) || numberA - numberB || compareStrings(locatorOf(a), locatorOf(b));
}

export function compareOccurrences(a: Occurrence, b: Occurrence): number {
  return (
    compareStrings(a.provenance.path, b.provenance.path) ||
    comparePlaces(a, b) ||
    a.region.startLine - b.region.startLine ||
    a.region.startColumn - b.region.startColumn ||
    a.region.endLine - b.region.endLine ||
    a.region.endColumn - b.region.endColumn ||
    compareStrings(commitOf(a), commitOf(b))
  );
}

export function compareNotices(a: Notice, b: Notice): number {
  return compareStrings(a.path ?? '', b.path ?? '') || compareStrings(a.code, b.code) || compareStrings(a.message, b.message);
}

export function compareInlineAllows(a: InlineAllow, b: InlineAllow): number {
  return compareStrings(a.path, b.path) || a.line - b.line;
}

function occurrenceKey(occurrence: Occurrence): string {
  const { region } = occurrence;
  return `${commitOf(occurrence)}:${occurrence.provenance.path}:${locatorOf(occurrence)}:${region.startLine}:${region.startColumn}:${region.endLine}:${region.endColumn}`;
}

/** Findings sorted by their first occurrence, then rule id; occurrences sorted and deduplicated. */
export function groupFindings(hits: readonly Hit[], rules: ReadonlyMap<string, RuleSpec>): Finding[] {
  const groups = new Map<string, { hit: Hit; occurrences: Map<string, Occurrence> }>();
  for (const hit of hits) {
    if (hit.allowedInline) continue;
    const key = fingerprint(hit.ruleId, hit.secret);
    const group = groups.get(key) ?? { hit, occurrences: new Map<string, Occurrence>() };
    const { provenance, region, companions, before, after, encoding, original, shipped } = hit;
    const occurrence: Occurrence = { provenance, region, companions, before, after, encoding, ...(original === undefined ? {} : { original }), ...(shipped === undefined ? {} : { shipped }) };
    group.occurrences.set(occurrenceKey(occurrence), occurrence);
    groups.set(key, group);
  }
  const findings = [...groups].map(([key, { hit, occurrences }]): Finding => {
    const rule = rules.get(hit.ruleId)!;
    // Shipped to every user: a confidential secret is as serious as it gets; a publishable key is
    // exactly where it is meant to be, so it is only inventory.
    const shipped = [...occurrences.values()].some((occurrence) => occurrence.shipped !== undefined);
    const level = hit.likelyPlaceholder !== undefined || (shipped && rule.exposure === 'publishable') ? 'note' : shipped ? 'error' : rule.level;
    return {
      ruleId: hit.ruleId,
      level,
      exposure: rule.exposure,
      secret: hit.secret,
      entropy: hit.entropy,
      fingerprint: key,
      occurrences: [...occurrences.values()].sort(compareOccurrences),
      ...(hit.likelyPlaceholder === undefined ? {} : { likelyPlaceholder: hit.likelyPlaceholder }),
    };
  });
  return findings.sort((a, b) => compareOccurrences(a.occurrences[0]!, b.occurrences[0]!) || compareStrings(a.ruleId, b.ruleId) || compareStrings(a.fingerprint, b.fingerprint));
}
