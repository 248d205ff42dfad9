/** The terminal report: grouped by file, secrets redacted, publishable keys apart and dimmed. */
import { createColors } from 'picocolors';
import type { CommitInfo, Finding, Level, Notice, Occurrence, RuleSpec, SecretHistory, Verification } from '../types.js';
import { compareOccurrences } from '../post/findings.js';
import { LIKELY_PLACEHOLDER_NOTE, type Reporter } from './context.js';
import { redactor, type Redactor } from './redact.js';
import { escapeControls } from './terminal.js';
import { describeLocator, describePosition, describeShipping } from './places.js';
import { verificationLabel } from './verification.js';

type Colors = ReturnType<typeof createColors>;

/** Whatever came from scanned data or user files, made safe to print: secrets hidden, controls escaped. */
interface Shown {
  readonly pc: Colors;
  readonly redactor: Redactor;
  /** Scanned data (paths, subjects, snippets, notices): redacted, then escaped. */
  data(text: string): string;
}

function shownFor(pc: Colors, redactor: Redactor): Shown {
  return { pc, redactor, data: (text) => escapeControls(redactor.text(text)) };
}

/** `[LIVE]` in red and bold: the one word that decides what gets rotated tonight. */
function verificationMarker(pc: Colors, verification: Verification): string {
  const label = `[${verificationLabel(verification)}]`;
  if (verification.status === 'live') return pc.bold(pc.red(label));
  return pc.dim(label);
}

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

function describeCommit(shown: Shown, commit: CommitInfo): string {
  return `${shown.data(commit.sha.slice(0, 12))} (${shown.data(commit.author)} <${shown.data(commit.email)}>, ${shown.data(commit.date.slice(0, 10))}) ${escapeControls(JSON.stringify(shown.redactor.text(commit.subject)))}`;
}

function describeHistory(shown: Shown, history: SecretHistory): string {
  const { pc } = shown;
  const introduced = `introduced in ${shown.data(history.introduced.sha.slice(0, 12))}`;
  if (history.onlyOn) return pc.yellow(`${introduced}; only on ${history.onlyOn.map(shown.data).join(', ')} (never on HEAD)`);
  if (history.presentAtHead) return pc.red(`${introduced}; still present at HEAD`);
  const removed = history.removedIn ? `removed in ${describeCommit(shown, history.removedIn)}` : 'no longer at HEAD';
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

function renderRows(shown: Shown, findings: readonly Finding[], dim: boolean): string[] {
  const { pc, redactor } = shown;
  const lines: string[] = [];
  const tone = dim ? pc.dim : (text: string) => text;
  for (const [path, rows] of byFile(findings)) {
    lines.push(tone(pc.underline(shown.data(path))));
    let shippingSaid: string | undefined;
    for (const { finding, occurrence } of rows) {
      const level = levelColor(pc, finding.level)(finding.level.padEnd(7));
      const repeat = finding.occurrences.length > 1 ? pc.dim(` (seen in ${finding.occurrences.length} places)`) : '';
      const verified = finding.verification === undefined ? '' : ` ${verificationMarker(pc, finding.verification)}`;
      lines.push(tone(`  ${shown.data(describePosition(occurrence)).padEnd(9)} ${level} ${pc.bold(escapeControls(finding.ruleId))}  ${escapeControls(redactor.secret(finding.secret))}${verified}${repeat}`));
      if (finding.verification && occurrence === finding.occurrences[0]) lines.push(pc.dim(`            verification: ${shown.data(finding.verification.detail)}`));
      lines.push(pc.dim(`            ${escapeControls(redactor.snippet(occurrence, finding.secret))}`));
      // Said once per file when every secret in it ships the same way (an app's hundred strings).
      const shipping = occurrence.shipped && finding.exposure === 'confidential' ? describeShipping(occurrence.shipped, shown.data) : undefined;
      if (shipping !== undefined && shipping !== shippingSaid) lines.push(`            ${pc.red(shipping)}`);
      shippingSaid = shipping;
      if (occurrence.original) lines.push(pc.dim(`            from ${shown.data(occurrence.original.source)}:${occurrence.original.line}:${occurrence.original.column} (source map)`));
      if (occurrence.provenance.kind === 'git') lines.push(pc.dim(`            in commit ${describeCommit(shown, occurrence.provenance.commit)}`));
      if (finding.history && occurrence === finding.occurrences[0]) lines.push(`            ${describeHistory(shown, finding.history)}`);
      for (const companion of occurrence.companions) {
        const place = companion.locator === undefined ? `${companion.region.startLine}:${companion.region.startColumn}` : describeLocator(companion.locator);
        lines.push(pc.dim(`            paired with ${escapeControls(companion.ruleId)} at ${escapeControls(place)}`));
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
  return [pc.bold('How to fix'), ...relevant.map((rule) => `  ${pc.bold(escapeControls(rule.id))}: ${escapeControls(rule.remediation)}`), ''];
}

function renderNotices(shown: Shown, notices: readonly Notice[]): string[] {
  const { pc } = shown;
  if (notices.length === 0) return [];
  const lines = [pc.bold(`Notices (${notices.length})`)];
  const summarised = new Map<string, Notice[]>();
  for (const notice of notices) {
    if (SUMMARISED_NOTICES.has(notice.code)) summarised.set(notice.code, [...(summarised.get(notice.code) ?? []), notice]);
    else lines.push(`  ${levelColor(pc, notice.level)(notice.level)} ${shown.data(notice.path ?? '')}${notice.path ? ': ' : ''}${shown.data(notice.message)} ${pc.dim(`[${escapeControls(notice.code)}]`)}`);
  }
  for (const [code, group] of summarised) {
    const names = group.slice(0, MAX_LISTED).map((notice) => shown.data(notice.path ?? '')).join(', ');
    const more = group.length > MAX_LISTED ? `, and ${group.length - MAX_LISTED} more` : '';
    lines.push(`  ${pc.blue('note')} ${plural(group.length, 'file')}: ${shown.data(group[0]!.message)} (${names}${more}) ${pc.dim(`[${escapeControls(code)}]`)}`);
  }
  lines.push('');
  return lines;
}

export const textReporter: Reporter = (allFindings, context) => {
  const pc = createColors(context.color);
  const shown = shownFor(pc, redactor(allFindings, context.redact));
  const findings = allFindings.filter((finding) => finding.suppression === undefined);
  const suppressed = allFindings.length - findings.length;
  const placeholders = findings.filter((finding) => finding.likelyPlaceholder !== undefined);
  const confidential = findings.filter((finding) => finding.exposure === 'confidential' && finding.likelyPlaceholder === undefined);
  const publishable = findings.filter((finding) => finding.exposure === 'publishable' && finding.likelyPlaceholder === undefined);
  const lines = renderRows(shown, confidential, false);
  if (publishable.length > 0) {
    lines.push(pc.dim(pc.bold('Publishable by design (shipped to clients on purpose; listed for inventory)')));
    lines.push(...renderRows(shown, publishable, true));
  }
  if (placeholders.length > 0) {
    lines.push(pc.dim(pc.bold(`Likely placeholders: ${LIKELY_PLACEHOLDER_NOTE}`)));
    lines.push(...renderRows(shown, placeholders, true));
  }
  lines.push(...renderRemediation(pc, confidential, context.rules));
  lines.push(...renderNotices(shown, context.notices));
  const counts = (['error', 'warning', 'note'] as const)
    .map((level) => [level, confidential.filter((finding) => finding.level === level).length] as const)
    .filter(([, count]) => count > 0)
    .map(([level, count]) => `${count} ${level}`);
  const live = findings.filter((finding) => finding.verification?.status === 'live').length;
  const summary = [
    confidential.length === 0 ? pc.green('✔ no confidential secrets') : pc.red(`✖ ${plural(confidential.length, 'secret')}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`),
    live > 0 ? pc.bold(pc.red(`${live} verified LIVE`)) : undefined,
    publishable.length > 0 ? `${plural(publishable.length, 'publishable key')}` : undefined,
    placeholders.length > 0 ? `${plural(placeholders.length, 'likely placeholder')}` : undefined,
    suppressed > 0 ? `${suppressed} in the baseline` : undefined,
    `${plural(context.stats.files, 'file')} scanned (${formatBytes(context.stats.bytes)})`,
    context.notices.length > 0 ? plural(context.notices.length, 'notice') : undefined,
  ];
  lines.push(summary.filter((part) => part !== undefined).join(' · '));
  return `${lines.join('\n')}\n`;
};
