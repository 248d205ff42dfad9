/** The terminal report: grouped by file, secrets redacted, publishable keys apart and dimmed. */
import { createColors } from 'picocolors';
import type { CommitInfo, Finding, Level, Notice, Occurrence, RuleSpec, SecretHistory, ShippedTo } from '../types.js';
import { compareOccurrences } from '../post/findings.js';
import type { Reporter } from './context.js';
import { shownSecret, snippet } from './redact.js';
import { describePosition } from './places.js';

type Colors = ReturnType<typeof createColors>;

function levelColor(pc: Colors, level: Level): (text: string) => string {
  return { error: pc.red, warning: pc.yellow, note: pc.blue }[level];
}
/** Notices of these codes are summarised by count: a tree can hold thousands of images. */
const SUMMARISED_NOTICES = new Set(['binary-skipped']);
const MAX_LISTED = 5;

interface Row {
  readonly finding: Finding;
  readonly occurrence: Occurrence;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB'] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function describeShipping(shipped: ShippedTo): string {
  const variable = shipped.variable === undefined ? '' : ` through ${shipped.variable}`;
  switch (shipped.via) {
    case 'client-bundle':
      return `exposed to every user: shipped in a client bundle${variable}`;
    case 'public-env':
      return `exposed to every user: ${shipped.variable} is a public variable the framework inlines into client code`;
    case 'app':
      return `exposed to everyone who downloads ${shipped.app}: app packages are public and unpack in seconds`;
  }
}

function describeCommit(commit: CommitInfo): string {
  return `${commit.sha.slice(0, 12)} (${commit.author} <${commit.email}>, ${commit.date.slice(0, 10)}) ${JSON.stringify(commit.subject)}`;
}

function describeHistory(pc: Colors, history: SecretHistory): string {
  const introduced = `introduced in ${history.introduced.sha.slice(0, 12)}`;
  if (history.onlyOn) return pc.yellow(`${introduced}; only on ${history.onlyOn.join(', ')} (never on HEAD)`);
  if (history.presentAtHead) return pc.red(`${introduced}; still present at HEAD`);
  const removed = history.removedIn ? `removed in ${describeCommit(history.removedIn)}` : 'no longer at HEAD';
  return pc.yellow(`${introduced}; ${removed}: only in history, rotate it anyway`);
}

function byFile(findings: readonly Finding[]): Map<string, Row[]> {
  const rows = findings.flatMap((finding) => finding.occurrences.map((occurrence) => ({ finding, occurrence })));
  rows.sort((a, b) => compareOccurrences(a.occurrence, b.occurrence) || (a.finding.ruleId < b.finding.ruleId ? -1 : 1));
  const files = new Map<string, Row[]>();
  for (const row of rows) {
    const path = row.occurrence.provenance.path;
    files.set(path, [...(files.get(path) ?? []), row]);
  }
  return files;
}

function renderRows(pc: Colors, findings: readonly Finding[], redact: boolean, dim: boolean): string[] {
  const lines: string[] = [];
  const tone = dim ? pc.dim : (text: string) => text;
  for (const [path, rows] of byFile(findings)) {
    lines.push(tone(pc.underline(path)));
    let shippingSaid: string | undefined;
    for (const { finding, occurrence } of rows) {
      const level = levelColor(pc, finding.level)(finding.level.padEnd(7));
      const repeat = finding.occurrences.length > 1 ? pc.dim(` (seen in ${finding.occurrences.length} places)`) : '';
      lines.push(tone(`  ${describePosition(occurrence).padEnd(9)} ${level} ${pc.bold(finding.ruleId)}  ${shownSecret(finding.secret, redact)}${repeat}`));
      lines.push(pc.dim(`            ${snippet(occurrence, finding.secret, redact)}`));
      // Said once per file when every secret in it ships the same way (an app's hundred strings).
      const shipping = occurrence.shipped && finding.exposure === 'confidential' ? describeShipping(occurrence.shipped) : undefined;
      if (shipping !== undefined && shipping !== shippingSaid) lines.push(`            ${pc.red(shipping)}`);
      shippingSaid = shipping;
      if (occurrence.original) lines.push(pc.dim(`            from ${occurrence.original.source}:${occurrence.original.line}:${occurrence.original.column} (source map)`));
      if (occurrence.provenance.kind === 'git') lines.push(pc.dim(`            in commit ${describeCommit(occurrence.provenance.commit)}`));
      if (finding.history && occurrence === finding.occurrences[0]) lines.push(`            ${describeHistory(pc, finding.history)}`);
      for (const companion of occurrence.companions) {
        lines.push(pc.dim(`            paired with ${companion.ruleId} at ${companion.region.startLine}:${companion.region.startColumn}`));
      }
    }
    lines.push('');
  }
  return lines;
}

/** What to do, once per rule that found a confidential secret. */
function renderRemediation(pc: Colors, findings: readonly Finding[], rules: readonly RuleSpec[]): string[] {
  const fired = new Set(findings.map((finding) => finding.ruleId));
  const relevant = rules.filter((rule) => fired.has(rule.id) && rule.remediation !== '');
  if (relevant.length === 0) return [];
  return [pc.bold('How to fix'), ...relevant.map((rule) => `  ${pc.bold(rule.id)}: ${rule.remediation}`), ''];
}

function renderNotices(pc: Colors, notices: readonly Notice[]): string[] {
  if (notices.length === 0) return [];
  const lines = [pc.bold(`Notices (${notices.length})`)];
  const summarised = new Map<string, Notice[]>();
  for (const notice of notices) {
    if (SUMMARISED_NOTICES.has(notice.code)) summarised.set(notice.code, [...(summarised.get(notice.code) ?? []), notice]);
    else lines.push(`  ${levelColor(pc, notice.level)(notice.level)} ${notice.path ?? ''}${notice.path ? ': ' : ''}${notice.message} ${pc.dim(`[${notice.code}]`)}`);
  }
  for (const [code, group] of summarised) {
    const names = group.slice(0, MAX_LISTED).map((notice) => notice.path).join(', ');
    const more = group.length > MAX_LISTED ? `, and ${group.length - MAX_LISTED} more` : '';
    lines.push(`  ${pc.blue('note')} ${plural(group.length, 'file')}: ${group[0]!.message} (${names}${more}) ${pc.dim(`[${code}]`)}`);
  }
  lines.push('');
  return lines;
}

export const textReporter: Reporter = (allFindings, context) => {
  const pc = createColors(context.color);
  const findings = allFindings.filter((finding) => finding.suppression === undefined);
  const suppressed = allFindings.length - findings.length;
  const confidential = findings.filter((finding) => finding.exposure === 'confidential');
  const publishable = findings.filter((finding) => finding.exposure === 'publishable');
  const lines = renderRows(pc, confidential, context.redact, false);
  if (publishable.length > 0) {
    lines.push(pc.dim(pc.bold('Publishable by design (shipped to clients on purpose; listed for inventory)')));
    lines.push(...renderRows(pc, publishable, context.redact, true));
  }
  lines.push(...renderRemediation(pc, confidential, context.rules));
  lines.push(...renderNotices(pc, context.notices));
  const counts = (['error', 'warning', 'note'] as const)
    .map((level) => [level, confidential.filter((finding) => finding.level === level).length] as const)
    .filter(([, count]) => count > 0)
    .map(([level, count]) => `${count} ${level}`);
  const summary = [
    confidential.length === 0 ? pc.green('✔ no confidential secrets') : pc.red(`✖ ${plural(confidential.length, 'secret')}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`),
    publishable.length > 0 ? `${plural(publishable.length, 'publishable key')}` : undefined,
    suppressed > 0 ? `${suppressed} in the baseline` : undefined,
    `${plural(context.stats.files, 'file')} scanned (${formatBytes(context.stats.bytes)})`,
    context.notices.length > 0 ? plural(context.notices.length, 'notice') : undefined,
  ];
  lines.push(summary.filter((part) => part !== undefined).join(' · '));
  return `${lines.join('\n')}\n`;
};
