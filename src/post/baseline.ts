/**
 * Baselines: known findings recorded so only new ones fail a build. Keyed by content fingerprint and
 * path (never a line number, so moving code keeps them valid), sorted, one entry per line and no
 * timestamps, so two branches adding entries merge cleanly.
 */
import type { Finding } from '../types.js';

export const DEFAULT_BASELINE_FILE = '.keyleak-baseline.json';
const FORMAT = 'keyleak-baseline/1';

export interface BaselineEntry {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly path: string;
}

export class BaselineError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'BaselineError';
  }
}

function entryKey(entry: Pick<BaselineEntry, 'fingerprint' | 'path'>): string {
  return `${entry.fingerprint}\0${entry.path}`;
}

export function baselineEntries(findings: readonly Finding[]): BaselineEntry[] {
  const entries = new Map<string, BaselineEntry>();
  for (const finding of findings) {
    for (const occurrence of finding.occurrences) {
      const entry = { fingerprint: finding.fingerprint, ruleId: finding.ruleId, path: occurrence.provenance.path };
      entries.set(entryKey(entry), entry);
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

/** The file's text: each entry on a line of its own so a merge conflict is one line, not a block. */
export function serializeBaseline(entries: readonly BaselineEntry[]): string {
  const lines = entries.map((entry) => `    ${JSON.stringify({ path: entry.path, ruleId: entry.ruleId, fingerprint: entry.fingerprint })}`);
  return `{\n  "format": "${FORMAT}",\n  "entries": [\n${lines.join(',\n')}${lines.length > 0 ? '\n' : ''}  ]\n}\n`;
}

export function parseBaseline(text: string, file: string): BaselineEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const { format, entries } = (document ?? {}) as { format?: unknown; entries?: unknown };
  if (format !== FORMAT) throw new BaselineError(file, `not a keyleak baseline (expected "format": "${FORMAT}")`);
  if (!Array.isArray(entries)) throw new BaselineError(file, '"entries" must be an array');
  return entries.map((entry, index) => {
    const { fingerprint, ruleId, path } = (entry ?? {}) as Record<string, unknown>;
    if (typeof fingerprint !== 'string' || typeof ruleId !== 'string' || typeof path !== 'string') {
      throw new BaselineError(file, `entries[${index}] needs string fingerprint, ruleId and path`);
    }
    return { fingerprint, ruleId, path };
  });
}

export interface BaselineOutcome {
  /** Findings left active, with baseline-covered occurrences removed, and fully covered ones marked suppressed. */
  readonly findings: readonly Finding[];
  readonly unused: readonly BaselineEntry[];
}

/** A finding all of whose occurrences the baseline knows is suppressed; one seen in a new file stays active there. */
export function applyBaseline(findings: readonly Finding[], entries: readonly BaselineEntry[], file: string): BaselineOutcome {
  const known = new Map(entries.map((entry) => [entryKey(entry), entry]));
  const used = new Set<string>();
  const result = findings.map((finding): Finding => {
    const covered = finding.occurrences.filter((occurrence) => {
      const key = entryKey({ fingerprint: finding.fingerprint, path: occurrence.provenance.path });
      if (!known.has(key)) return false;
      used.add(key);
      return true;
    });
    if (covered.length === 0) return finding;
    if (covered.length === finding.occurrences.length) return { ...finding, suppression: { kind: 'baseline', justification: `accepted in ${file}` } };
    return { ...finding, occurrences: finding.occurrences.filter((occurrence) => !covered.includes(occurrence)) };
  });
  return { findings: result, unused: entries.filter((entry) => !used.has(entryKey(entry))) };
}
