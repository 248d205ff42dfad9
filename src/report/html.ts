/**
 * The reviewer's report: one self-contained HTML page (inline style, script and SVG; a
 * Content-Security-Policy that forbids loading anything) to look at, filter, print and hand over.
 * Every string from a scan or a rule file is redacted like the other formats and then escaped;
 * the page is the same bytes for the same input.
 */
import type { CommitInfo, Finding, Level, Notice, Occurrence, RuleSpec, SecretHistory, Verification } from '../types.js';
import { LIKELY_PLACEHOLDER_NOTE, type Reporter, type ReportContext } from './context.js';
import { commitUrl, type RepositoryLinks } from './commit-links.js';
import { containerTrees, type ContainerNode, type TreeHit } from './container-tree.js';
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from './html-assets.js';
import { barChart, countBars, whereFound } from './html-chart.js';
import { describeLocator, describePosition, describeShipping } from './places.js';
import { redactor as redactorFor, type Redactor } from './redact.js';
import { escapeControls } from './terminal.js';
import { redactedVerification, verificationLabel } from './verification.js';
import { formatBytes } from './text.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made inert in HTML, in element content and in quoted attributes alike: markup characters
 * become entities, and controls and bidi overrides (which can make a name read backwards) become
 * visible escapes, as in the terminal report.
 */
export function escapeHtml(text: string): string {
  return escapeControls(text).replace(/[&<>"']/g, (character) => ENTITIES[character]!);
}

const LEVELS: readonly Level[] = ['error', 'warning', 'note'];
/** What the verification filter offers: the provider's answers, and findings --verify did not check. */
const VERIFICATION_STATES: readonly (Verification['status'] | 'none')[] = ['live', 'invalid', 'unknown', 'error', 'none'];

/** Everything a part of the page needs: redaction, rules by id, link targets. */
interface Page {
  readonly redactor: Redactor;
  readonly rules: ReadonlyMap<string, RuleSpec>;
  readonly repository: RepositoryLinks | undefined;
  /** Scanned data (paths, subjects, snippets, names inside binaries): redacted, then escaped. */
  data(text: string): string;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function providerOf(page: Page, finding: Finding): string {
  return page.rules.get(finding.ruleId)?.provider || 'unknown provider';
}

/** The attributes the filters read: level, exposure, provider and every path, lowercased for the path search. */
function filterAttributes(page: Page, finding: Finding, occurrences: readonly Occurrence[]): string {
  const paths = occurrences.map((occurrence) => page.redactor.text(occurrence.provenance.path).toLowerCase()).join('\n');
  return `data-level="${finding.level}" data-exposure="${finding.exposure}" data-verification="${finding.verification?.status ?? 'none'}" data-provider="${escapeHtml(providerOf(page, finding))}" data-paths="${escapeHtml(paths)}"`;
}

/** An http(s) link, or the text alone for anything else (a rule file can put any string in `references`). */
function externalLink(url: string, label: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return escapeHtml(label);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return escapeHtml(label);
  return `<a href="${escapeHtml(parsed.href)}" rel="noopener noreferrer">${escapeHtml(label)}</a>`;
}

function commitLink(page: Page, commit: CommitInfo): string {
  const short = `<code>${page.data(commit.sha.slice(0, 12))}</code>`;
  const url = page.repository === undefined ? undefined : commitUrl(page.repository, commit.sha);
  return url === undefined ? short : `<a href="${escapeHtml(url)}" rel="noopener noreferrer" aria-label="commit ${page.data(commit.sha.slice(0, 12))} on ${escapeHtml(new URL(url).host)}">${short}</a>`;
}

function describeCommit(page: Page, commit: CommitInfo): string {
  const shown = page.redactor.commit(commit);
  const ref = shown.ref === undefined ? '' : ` on ${escapeHtml(shown.ref)}`;
  return `${commitLink(page, commit)}${ref} by ${escapeHtml(shown.author)} &lt;${escapeHtml(shown.email)}&gt;, ${escapeHtml(shown.date.slice(0, 10))}: “${escapeHtml(shown.subject)}”`;
}

function historyBlock(page: Page, history: SecretHistory): string {
  const introduced = `<p>Introduced in ${describeCommit(page, history.introduced)}</p>`;
  let state: string;
  if (history.onlyOn !== undefined) state = `<p><span class="state">Only on ${history.onlyOn.map((ref) => `<code>${page.data(ref)}</code>`).join(', ')}</span>: never on HEAD, but anyone who can fetch the branch has it.</p>`;
  else if (history.presentAtHead) state = '<p><span class="state">Still at HEAD.</span></p>';
  else if (history.removedIn !== undefined) state = `<p><span class="state">Removed</span> in ${describeCommit(page, history.removedIn)}. It is still in the history: rotate it anyway.</p>`;
  else state = '<p><span class="state">No longer at HEAD.</span> It is still in the history: rotate it anyway.</p>';
  return `<div class="history">${state}${introduced}</div>`;
}

/** The original source line of a bundle hit traced through its source map. */
function originalLine(page: Page, occurrence: Occurrence): string {
  const { original } = occurrence;
  if (original === undefined) return '';
  const injected = original.envVariable === undefined ? '' : `; injected at build time from <code>${page.data(original.envVariable)}</code>`;
  return `<p class="sub">from <span class="mono">${page.data(original.source)}:${original.line}:${original.column}</span> (source map)${injected}</p>`;
}

function companionLines(page: Page, occurrence: Occurrence): string {
  return occurrence.companions
    .map((companion) => `<p class="sub">paired with ${escapeHtml(companion.ruleId)} <code>${escapeHtml(page.redactor.secret(companion.secret))}</code> at ${escapeHtml(companion.locator === undefined ? `${companion.region.startLine}:${companion.region.startColumn}` : describeLocator(companion.locator))}</p>`)
    .join('');
}

/** The text around the secret; nothing when it is the secret alone (a string decoded from a binary). */
function snippet(page: Page, occurrence: Occurrence, secret: string): string {
  const text = page.redactor.snippet(occurrence, secret);
  return text === page.redactor.secret(secret) ? '' : `<code class="snippet">${escapeHtml(text)}</code>`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function occurrenceItem(page: Page, finding: Finding, occurrence: Occurrence): string {
  const { provenance } = occurrence;
  const commit = provenance.kind === 'git' ? `<p class="sub">added in commit ${describeCommit(page, provenance.commit)}</p>` : '';
  const shipping = occurrence.shipped !== undefined && finding.exposure === 'confidential' ? `<p class="sub"><span class="badge exposed">exposed</span> ${describeShipping(occurrence.shipped, page.data)}</p>` : '';
  return (
    `<li><span class="mono">${page.data(provenance.path)}</span> ${page.data(describePosition(occurrence))}` +
    `${snippet(page, occurrence, finding.secret)}${shipping}${originalLine(page, occurrence)}${commit}${companionLines(page, occurrence)}</li>`
  );
}

/** `LIVE` in the error colour, the other answers in outline: what --verify learnt from the provider. */
function verificationBadge(verification: Verification | undefined): string {
  if (verification === undefined) return '';
  return ` <span class="badge ${verification.status === 'live' ? 'live' : 'checked'}">${escapeHtml(verificationLabel(verification))}</span>`;
}

function verificationRow(page: Page, finding: Finding): string {
  if (finding.verification === undefined) return '';
  const shown = redactedVerification(finding.verification, page.redactor);
  const identity = Object.entries(shown.identity ?? {}).map(([name, value]) => `${escapeHtml(name)}: <code>${escapeHtml(value)}</code>`);
  const host = shown.host === undefined ? '' : `; asked ${escapeHtml(shown.host)}`;
  return `<dt>Verification</dt><dd>${verificationBadge(shown).trim()} ${escapeHtml(shown.detail)}${identity.length === 0 ? '' : ` (${identity.join(', ')})`}${host}; checked ${escapeHtml(shown.checkedAt)}</dd>`;
}

function fixBlock(rule: RuleSpec | undefined): string {
  if (rule === undefined || (rule.remediation === '' && rule.references.length === 0)) return '';
  const references = rule.references.length === 0 ? '' : `<ul>${rule.references.map((url) => `<li>${externalLink(url, url)}</li>`).join('')}</ul>`;
  return `<details class="fix"><summary>How to fix</summary>${rule.remediation === '' ? '' : `<p>${escapeHtml(rule.remediation)}</p>`}${references}</details>`;
}

function exposureText(page: Page, finding: Finding): string {
  if (finding.likelyPlaceholder !== undefined) return `<span class="badge publishable">likely placeholder</span> ${escapeHtml(LIKELY_PLACEHOLDER_NOTE)}`;
  if (finding.exposure === 'publishable') return '<span class="badge publishable">publishable</span> designed to ship in clients; listed for inventory';
  const shipped = finding.occurrences.find((occurrence) => occurrence.shipped !== undefined)?.shipped;
  return shipped === undefined ? 'confidential' : `confidential, <span class="badge exposed">exposed</span> ${describeShipping(shipped, page.data)}`;
}

function findingCard(page: Page, finding: Finding, index: number): string {
  const rule = page.rules.get(finding.ruleId);
  const suppressed = finding.suppression === undefined ? '' : `<p><span class="badge suppressed">in the baseline</span> ${page.data(finding.suppression.justification)}; does not fail the build</p>`;
  return (
    `<article class="finding ${finding.level}" id="f-${index}" tabindex="-1" ${filterAttributes(page, finding, finding.occurrences)}>` +
    `<h3><span class="badge ${finding.level}">${finding.level}</span>${verificationBadge(finding.verification)} ${escapeHtml(providerOf(page, finding))}: <code>${escapeHtml(finding.ruleId)}</code></h3>` +
    (rule === undefined || rule.description === '' ? '' : `<p>${escapeHtml(rule.description)}</p>`) +
    `<dl><dt>Secret</dt><dd><code>${escapeHtml(page.redactor.secret(finding.secret))}</code></dd>` +
    `<dt>Exposure</dt><dd>${exposureText(page, finding)}</dd>` +
    verificationRow(page, finding) +
    `<dt>Fingerprint</dt><dd><code>${escapeHtml(finding.fingerprint)}</code></dd></dl>` +
    suppressed +
    (finding.history === undefined ? '' : historyBlock(page, finding.history)) +
    `<h4>Seen in ${plural(finding.occurrences.length, 'place')}</h4><ol class="occurrences">${finding.occurrences.map((occurrence) => occurrenceItem(page, finding, occurrence)).join('')}</ol>` +
    fixBlock(rule) +
    '</article>'
  );
}

function treeHit(page: Page, hit: TreeHit): string {
  const { finding, occurrence, index } = hit;
  const provenance = occurrence.provenance;
  const where = provenance.kind === 'entry' && provenance.locator !== undefined ? describeLocator(provenance.locator) : `${occurrence.region.endLine > occurrence.region.startLine ? 'lines' : 'line'} ${describePosition(occurrence)}`;
  return (
    `<li class="hit" ${filterAttributes(page, finding, [occurrence])}>` +
    `<span class="where">${page.data(where)}</span> <span class="badge ${finding.level}">${finding.level}</span>${verificationBadge(finding.verification)} ` +
    `<a href="#f-${index}">${escapeHtml(finding.ruleId)}</a> <code>${escapeHtml(page.redactor.secret(finding.secret))}</code>` +
    `${snippet(page, occurrence, finding.secret)}${originalLine(page, occurrence)}${companionLines(page, occurrence)}</li>`
  );
}

/** The sentence said once per app: every secret inside it ships to everyone who downloads it. */
function appExposure(page: Page, node: ContainerNode): string {
  const all = (current: ContainerNode): TreeHit[] => [...current.hits, ...current.children.flatMap(all)];
  const shipped = all(node).find((hit) => hit.occurrence.shipped?.via === 'app')?.occurrence.shipped;
  return shipped === undefined ? '' : `<p class="exposure-line">${capitalised(describeShipping(shipped, page.data))}.</p>`;
}

function treeNode(page: Page, node: ContainerNode, root: boolean): string {
  const hits = node.hits.length === 0 ? '' : `<ul class="hits">${node.hits.map((hit) => treeHit(page, hit)).join('')}</ul>`;
  const children = node.children.length === 0 ? '' : `<ul>${node.children.map((child) => treeNode(page, child, false)).join('')}</ul>`;
  return (
    `<li class="node" data-name="${page.data(node.name)}"><details open><summary><span class="name">${page.data(node.name)}</span> <span class="count">(${plural(node.total, 'finding')})</span></summary>` +
    `${root ? appExposure(page, node) : ''}${hits}${children}</details></li>`
  );
}

function summary(page: Page, findings: readonly Finding[], context: ReportContext): string {
  const counted = findings.filter((finding) => finding.suppression === undefined);
  const placeholders = counted.filter((finding) => finding.likelyPlaceholder !== undefined);
  const confidential = counted.filter((finding) => finding.exposure === 'confidential' && finding.likelyPlaceholder === undefined);
  const exposed = confidential.filter((finding) => finding.occurrences.some((occurrence) => occurrence.shipped !== undefined));
  const box = (key: string, count: number, label: string, tone = '') => `<li class="${tone}"><span class="number" data-count="${key}">${count}</span> ${label}</li>`;
  const boxes = [
    box('findings', counted.length, counted.length === 1 ? 'finding' : 'findings', counted.length === 0 ? 'clean' : ''),
    ...LEVELS.map((level) => box(level, counted.filter((finding) => finding.level === level).length, level === 'error' ? 'errors' : `${level}s`, level)),
    box('confidential', confidential.length, 'confidential'),
    box('exposed', exposed.length, 'confidential and shipped to users'),
    box('publishable', counted.filter((finding) => finding.exposure === 'publishable' && finding.likelyPlaceholder === undefined).length, 'publishable by design'),
    ...(placeholders.length === 0 ? [] : [box('placeholders', placeholders.length, placeholders.length === 1 ? 'likely placeholder' : 'likely placeholders')]),
    ...(counted.some((finding) => finding.verification !== undefined)
      ? [box('live', counted.filter((finding) => finding.verification?.status === 'live').length, 'verified live', 'error'), box('invalid', counted.filter((finding) => finding.verification?.status === 'invalid').length, 'refused by the provider')]
      : []),
    box('suppressed', findings.length - counted.length, 'in the baseline'),
    box('notices', context.notices.length, context.notices.length === 1 ? 'notice' : 'notices'),
  ];
  const charts =
    findings.length === 0
      ? ''
      : `<div class="charts">${barChart('chart-provider', 'Findings by provider', countBars(findings, (finding) => [providerOf(page, finding)]), escapeHtml)}` +
        `${barChart('chart-where', 'Findings by where they were found', countBars(findings, (finding) => finding.occurrences.map(whereFound)), (text) => page.data(text))}</div>`;
  return `<section aria-labelledby="summary-title"><h2 id="summary-title">Summary</h2><ul class="counts">${boxes.join('')}</ul>${charts}</section>`;
}

function filterForm(page: Page, findings: readonly Finding[]): string {
  if (findings.length === 0) return '';
  const providers = [...new Set(findings.map((finding) => providerOf(page, finding)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const box = (name: string, value: string, label: string) => `<label><input type="checkbox" name="${name}" value="${value}" checked> ${label}</label>`;
  return (
    '<form id="filters" aria-label="Filter findings" hidden>' +
    `<fieldset><legend>Level</legend>${LEVELS.map((level) => box('level', level, level)).join('')}</fieldset>` +
    `<fieldset><legend>Exposure</legend>${box('exposure', 'confidential', 'confidential')}${box('exposure', 'publishable', 'publishable')}</fieldset>` +
    (findings.some((finding) => finding.verification !== undefined)
      ? `<fieldset><legend>Verification</legend>${VERIFICATION_STATES.map((state) => box('verification', state, state === 'live' ? 'LIVE' : state === 'none' ? 'not checked' : state)).join('')}</fieldset>`
      : '') +
    `<div><label class="field" for="filter-provider">Provider</label><select id="filter-provider"><option value="">all providers</option>${providers.map((provider) => `<option value="${escapeHtml(provider)}">${escapeHtml(provider)}</option>`).join('')}</select></div>` +
    '<div><label class="field" for="filter-path">Path contains</label><input type="search" id="filter-path" autocomplete="off" spellcheck="false"></div>' +
    '<div><button type="reset">Show all</button></div>' +
    '</form><p id="shown" role="status" aria-live="polite"></p>'
  );
}

function noticeList(page: Page, notices: readonly Notice[]): string {
  if (notices.length === 0) return '';
  const items = notices.map((notice) => `<li><span class="badge ${notice.level}">${notice.level}</span> ${notice.path === undefined ? '' : `<span class="mono">${page.data(notice.path)}</span>: `}${page.data(notice.message)} <code>${escapeHtml(notice.code)}</code></li>`);
  return `<section aria-labelledby="notices-title"><h2 id="notices-title">Notices (${notices.length})</h2><ul class="notices">${items.join('')}</ul></section>`;
}

export const htmlReporter: Reporter = (findings, context) => {
  const redactor = redactorFor(findings, context.redact);
  const page: Page = { redactor, rules: new Map(context.rules.map((rule) => [rule.id, rule])), repository: context.repository, data: (text) => escapeHtml(redactor.text(text)) };
  const trees = containerTrees(findings);
  const counted = findings.filter((finding) => finding.suppression === undefined).length;
  const title = `keyleak report: ${counted > 0 ? plural(counted, 'finding') : findings.length > 0 ? `no findings outside the baseline (${findings.length} in it)` : 'no secrets found'}`;
  const scanned = `${plural(context.stats.files, 'file')} scanned (${formatBytes(context.stats.bytes)})`;
  const treeSection =
    trees.length === 0
      ? ''
      : `<section aria-labelledby="tree-title"><h2 id="tree-title">Apps and archives</h2><p>Each finding hangs off the file inside the container that holds it, with its place there; the rule name leads to its details below.</p><ul class="tree">${trees.map((tree) => treeNode(page, tree, true)).join('')}</ul></section>`;
  const cards = findings.length === 0 ? '<p>No secrets found.</p>' : findings.map((finding, index) => findingCard(page, finding, index)).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#findings-title">Skip to the findings</a>',
    `<header><h1>${escapeHtml(title)}</h1><p class="meta">keyleak ${escapeHtml(context.toolVersion)} · ${scanned} · ${context.redact ? 'secrets redacted' : 'secrets shown in full (--no-redact): handle this file as a secret'}</p></header>`,
    '<main>',
    summary(page, findings, context),
    filterForm(page, findings),
    treeSection,
    `<section aria-labelledby="findings-title"><h2 id="findings-title">Findings (${findings.length})</h2>`,
    cards,
    '</section>',
    noticeList(page, context.notices),
    '</main>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
};
