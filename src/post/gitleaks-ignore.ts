/**
 * `.gitleaksignore`: one finding fingerprint per line, `file:rule-id:line` for directory scans and
 * `commit:file:rule-id:line` for history. Honoured so teams moving from gitleaks keep their triage.
 */
import type { Finding } from '../types.js';

export const GITLEAKS_IGNORE_FILE = '.gitleaksignore';

export interface IgnoreEntry {
  readonly commit?: string;
  readonly file: string;
  readonly ruleId: string;
  readonly line: number;
}

export function parseGitleaksIgnore(text: string): IgnoreEntry[] {
  const entries: IgnoreEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:([0-9a-f]{7,64}):)?(.+):([^:]+):(\d+)$/.exec(line);
    if (!match) continue;
    const [, commit, file, ruleId, lineNumber] = match as unknown as [string, string | undefined, string, string, string];
    entries.push({ ...(commit === undefined ? {} : { commit }), file, ruleId, line: Number(lineNumber) });
  }
  return entries;
}

/**
 * Drops the occurrences an ignore file lists; a finding left with none is dropped. `rootPrefix` is
 * the scan root relative to the working directory (`''` or `app/`): gitleaks names files from the root.
 */
export function applyGitleaksIgnore(findings: readonly Finding[], entries: readonly IgnoreEntry[], rootPrefix: string): Finding[] {
  if (entries.length === 0) return [...findings];
  const keys = new Set(entries.filter((entry) => entry.commit === undefined).flatMap((entry) => [`${entry.file}:${entry.ruleId}:${entry.line}`, `${rootPrefix}${entry.file}:${entry.ruleId}:${entry.line}`]));
  return findings.flatMap((finding) => {
    const occurrences = finding.occurrences.filter((occurrence) => !keys.has(`${occurrence.provenance.path}:${finding.ruleId}:${occurrence.region.startLine}`));
    return occurrences.length === 0 ? [] : [{ ...finding, occurrences }];
  });
}
