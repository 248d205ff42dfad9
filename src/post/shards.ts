/**
 * Shard files: what one shard of a scan found, kept whole so that `keyleak merge` can build exactly
 * the report a single run would have written. A report cannot serve: it is redacted, and a merged
 * report must group occurrences, redact every secret any shard found and read each secret's history
 * across all shards. So a shard file holds the found values in full, like the repository it was read
 * from; merged reports are redacted as usual.
 */
import type { Finding, Hit, HistoryFacts, InlineAllow, Level, Notice, RulesetSpec, ScanResult } from '../types.js';
import type { RuleProblem } from '../ruleset/errors.js';
import type { IgnoreEntry } from './gitleaks-ignore.js';
import type { Shard } from '../scan/shard.js';
import type { RepositoryLinks } from '../report/commit-links.js';
import { compareInlineAllows, compareNotices, groupFindings } from './findings.js';
import { composeHistory, joinHistoryFacts } from './history.js';
import { FILTER_NAMES } from '../detect/filters.js';

export const SHARD_FILE_FORMAT = 'keyleak-shard';
export const SHARD_FILE_VERSION = 1;

/** Settings a shard took from keyleak.toml that decide the merged report's exit code and suppressions. */
export interface ShardReportDefaults {
  readonly failOn?: Level | 'live';
  readonly baseline?: string;
  /** keyleak.toml's `verify = true`: the merge verifies, once for all shards. */
  readonly verify?: boolean;
}

export interface ShardFile {
  readonly format: typeof SHARD_FILE_FORMAT;
  readonly version: typeof SHARD_FILE_VERSION;
  readonly toolVersion: string;
  readonly command: 'scan' | 'git';
  readonly shard: Shard;
  readonly ruleset: RulesetSpec;
  readonly ruleWarnings: readonly RuleProblem[];
  readonly defaults: ShardReportDefaults;
  /** `.gitleaksignore` entries of a folder scan, applied after merging as a single run applies them. */
  readonly gitleaksIgnore?: { readonly entries: readonly IgnoreEntry[]; readonly rootPrefix: string };
  /** The web pages of a history's repository, for reports that link commits. */
  readonly repository?: RepositoryLinks;
  readonly findings: readonly Finding[];
  readonly notices: readonly Notice[];
  readonly stats: { readonly files: number; readonly bytes: number };
  readonly unusedInlineAllows: readonly InlineAllow[];
  readonly historyFacts?: HistoryFacts;
}

/** What the shards found together, ready to report as a single run's result is. */
export interface MergedShards {
  readonly command: 'scan' | 'git';
  readonly ruleset: RulesetSpec;
  readonly ruleWarnings: readonly RuleProblem[];
  readonly defaults: ShardReportDefaults;
  readonly gitleaksIgnore?: ShardFile['gitleaksIgnore'];
  readonly repository?: RepositoryLinks;
  readonly result: ScanResult;
}

/** A shard file that cannot be merged: the message names what is wrong, the caller names the file. */
export class ShardFileError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function checkArray(value: unknown, what: string, each: (item: unknown) => boolean): void {
  if (!Array.isArray(value) || !value.every(each)) throw new ShardFileError(`${what} is not as keyleak writes it`);
}

const isRegion = (value: unknown): boolean => isRecord(value) && ['startLine', 'startColumn', 'endLine', 'endColumn'].every((key) => isCount(value[key]));

function isOccurrence(value: unknown): boolean {
  return (
    isRecord(value) &&
    isProvenance(value['provenance']) &&
    isRegion(value['region']) &&
    isString(value['before']) &&
    isString(value['after']) &&
    Array.isArray(value['companions']) &&
    value['companions'].every(isCompanion) &&
    isStrings(value['encoding']) &&
    isOptional(value['original'], isOriginal) &&
    isOptional(value['shipped'], isShipped)
  );
}

function isFinding(value: unknown): boolean {
  return isRecord(value) && isString(value['ruleId']) && isString(value['secret']) && typeof value['entropy'] === 'number' && Array.isArray(value['occurrences']) && value['occurrences'].length > 0 && value['occurrences'].every(isOccurrence) && isOptional(value['likelyPlaceholder'], (name) => (FILTER_NAMES as readonly unknown[]).includes(name));
}

const LEVELS = ['error', 'warning', 'note'];
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every(isString);
const isOptional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);

function isCommit(value: unknown): boolean {
  return isRecord(value) && ['sha', 'author', 'email', 'date', 'subject'].every((key) => isString(value[key])) && isOptional(value['ref'], isString);
}

function isLocator(value: unknown): boolean {
  if (!isRecord(value)) return false;
  switch (value['kind']) {
    case 'string-table':
      return isString(value['table']) && isCount(value['index']) && isOptional(value['via'], isString);
    case 'object-literal':
      return isString(value['table']) && isCount(value['index']);
    case 'resource':
      return isString(value['name']);
    case 'xml-attribute':
      return isString(value['element']) && isString(value['attribute']) && isOptional(value['name'], isString);
    case 'plist-key':
      return isString(value['keyPath']);
    case 'section':
      return isString(value['section']) && isCount(value['offset']) && isOptional(value['slice'], isString) && isOptional(value['via'], isString);
    case 'offset':
      return isCount(value['offset']) && ['utf8', 'utf16le', 'utf16be'].includes(String(value['encoding']));
    default:
      return false;
  }
}

function isProvenance(value: unknown): boolean {
  if (!isRecord(value) || !isString(value['path'])) return false;
  switch (value['kind']) {
    case 'file':
      return true;
    case 'entry':
      return isString(value['artifact']) && isStrings(value['chain']) && isOptional(value['format'], isString) && isOptional(value['locator'], isLocator);
    case 'git':
      return isCommit(value['commit']);
    case 'sourcemap':
      return isString(value['map']) && isString(value['source']);
    default:
      return false;
  }
}

const isCompanion = (value: unknown): boolean => isRecord(value) && isString(value['ruleId']) && isString(value['secret']) && isRegion(value['region']);
const isOriginal = (value: unknown): boolean => isRecord(value) && isString(value['source']) && isCount(value['line']) && isCount(value['column']) && isOptional(value['envVariable'], isString);
const isShipped = (value: unknown): boolean =>
  isRecord(value) && ['client-bundle', 'public-env', 'app'].includes(String(value['via'])) && isOptional(value['app'], isString) && isOptional(value['variable'], isString);

/** The rule fields reports show; the rest of a rule is not read by a merge. */
const isReportedRule = (value: unknown): boolean =>
  isRecord(value) &&
  ['id', 'file', 'provider', 'description', 'remediation'].every((key) => isString(value[key])) &&
  isStrings(value['references']) &&
  LEVELS.includes(String(value['level'])) &&
  ['confidential', 'publishable'].includes(String(value['exposure']));

const isNotice = (value: unknown): boolean => isRecord(value) && (value['level'] === 'warning' || value['level'] === 'note') && isString(value['code']) && isString(value['message']) && (value['path'] === undefined || isString(value['path']));

/** Reads a shard file's text, checking every part the merge relies on; rendering escapes the rest as it escapes scanned text. */
export function parseShardFile(text: string): ShardFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ShardFileError('not JSON: not a keyleak shard file');
  }
  if (!isRecord(document) || document['format'] !== SHARD_FILE_FORMAT) throw new ShardFileError('not a keyleak shard file (write one with --format shard)');
  if (document['version'] !== SHARD_FILE_VERSION) throw new ShardFileError(`shard file version ${JSON.stringify(document['version'])}; this keyleak reads version ${SHARD_FILE_VERSION}`);
  const { shard, ruleset, stats } = document;
  if (document['command'] !== 'scan' && document['command'] !== 'git') throw new ShardFileError('command is neither scan nor git');
  if (!isRecord(shard) || !isCount(shard['index']) || !isCount(shard['count']) || shard['index'] < 1 || shard['index'] > shard['count']) throw new ShardFileError('shard is not i/N');
  if (!isRecord(ruleset) || !isRecord(ruleset['global'])) throw new ShardFileError('ruleset is not as keyleak writes it');
  checkArray(ruleset['rules'], 'ruleset.rules', isReportedRule);
  if (!isRecord(stats) || !isCount(stats['files']) || !isCount(stats['bytes'])) throw new ShardFileError('stats are not as keyleak writes them');
  checkArray(document['findings'], 'findings', isFinding);
  checkArray(document['notices'], 'notices', isNotice);
  checkArray(document['ruleWarnings'], 'ruleWarnings', (item) => isRecord(item) && isString(item['file']) && isString(item['message']));
  checkArray(document['unusedInlineAllows'], 'unusedInlineAllows', (item) => isRecord(item) && isString(item['path']) && isCount(item['line']));
  const { repository, defaults } = document;
  const failOn = isRecord(defaults) ? defaults['failOn'] : undefined;
  if (!isRecord(defaults) || !(failOn === undefined || ['error', 'warning', 'note', 'live'].includes(String(failOn))) || !(defaults['baseline'] === undefined || isString(defaults['baseline'])) || !(defaults['verify'] === undefined || typeof defaults['verify'] === 'boolean')) {
    throw new ShardFileError('defaults are not as keyleak writes them');
  }
  // Only what repositoryLinks itself makes: a known host and an https address on it.
  if (repository !== undefined && !(isRecord(repository) && ['github', 'gitlab', 'bitbucket', 'gitea'].includes(String(repository['host'])) && isString(repository['web']) && /^https:\/\/[a-z.]+\/[A-Za-z0-9_.\/-]+$/.test(repository['web']))) {
    throw new ShardFileError('repository is not as keyleak writes it');
  }
  const facts = document['historyFacts'];
  if (facts !== undefined) {
    if (!isRecord(facts)) throw new ShardFileError('historyFacts is not as keyleak writes it');
    checkArray(facts['atHead'], 'historyFacts.atHead', isString);
    checkArray(facts['onHead'], 'historyFacts.onHead', isString);
    checkArray(facts['removedIn'], 'historyFacts.removedIn', (item) => Array.isArray(item) && isString(item[0]) && isCommit(item[1]));
    checkArray(facts['containedBy'], 'historyFacts.containedBy', (item) => Array.isArray(item) && isString(item[0]) && Array.isArray(item[1]) && item[1].every(isString));
  }
  return document as unknown as ShardFile;
}

export function shardFile(fields: Omit<ShardFile, 'format' | 'version'>): string {
  const file: ShardFile = { format: SHARD_FILE_FORMAT, version: SHARD_FILE_VERSION, ...fields };
  return `${JSON.stringify(file)}\n`;
}

/** Each occurrence again as the hit it came from, so grouping runs exactly as it did in one run. */
function hitsOf(findings: readonly Finding[]): Hit[] {
  return findings.flatMap((finding) => finding.occurrences.map((occurrence): Hit => ({ ...occurrence, ruleId: finding.ruleId, secret: finding.secret, entropy: finding.entropy, ...(finding.likelyPlaceholder === undefined ? {} : { likelyPlaceholder: finding.likelyPlaceholder }) })));
}

function noticeKey(notice: Notice): string {
  return JSON.stringify([notice.level, notice.code, notice.message, notice.path ?? null]);
}

/**
 * The shards of one scan, together. They must be every shard of one split, written by this keyleak
 * with one ruleset: otherwise the merged report would silently miss or mix findings.
 */
export function mergeShards(files: readonly ShardFile[]): MergedShards {
  const first = files[0];
  if (first === undefined) throw new ShardFileError('no shard files given');
  const count = first.shard.count;
  const ruleset = JSON.stringify(first.ruleset);
  const seen = new Set<number>();
  for (const file of files) {
    if (file.command !== first.command) throw new ShardFileError(`shard ${file.shard.index}/${file.shard.count} is from keyleak ${file.command}, shard ${first.shard.index}/${count} from keyleak ${first.command}`);
    if (file.shard.count !== count) throw new ShardFileError(`shard ${file.shard.index}/${file.shard.count} is from a split in ${file.shard.count}, shard ${first.shard.index}/${count} from a split in ${count}`);
    if (file.toolVersion !== first.toolVersion) throw new ShardFileError(`shard ${file.shard.index}/${count} was written by keyleak ${file.toolVersion}, shard ${first.shard.index}/${count} by ${first.toolVersion}`);
    if (JSON.stringify(file.ruleset) !== ruleset) throw new ShardFileError(`shard ${file.shard.index}/${count} was scanned with other rules than shard ${first.shard.index}/${count}`);
    if (seen.has(file.shard.index)) throw new ShardFileError(`shard ${file.shard.index}/${count} is given twice`);
    seen.add(file.shard.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new ShardFileError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')} missing: a merge of part of a scan would report part of its findings`);

  const rules = new Map(first.ruleset.rules.map((rule) => [rule.id, rule]));
  const unknownRule = files.flatMap((file) => file.findings).find((finding) => !rules.has(finding.ruleId));
  if (unknownRule !== undefined) throw new ShardFileError(`a finding names rule ${JSON.stringify(unknownRule.ruleId)}, which the shard's ruleset does not hold`);
  let findings = groupFindings(hitsOf(files.flatMap((file) => file.findings)), rules);
  if (first.command === 'git') findings = composeHistory(findings, joinHistoryFacts(files.flatMap((file) => (file.historyFacts === undefined ? [] : [file.historyFacts]))));
  // A notice about the whole scan (a shallow clone, an unreadable folder on the walk) comes from every shard: it is one notice.
  const notices = [...new Map(files.flatMap((file) => file.notices).map((notice) => [noticeKey(notice), notice])).values()].sort(compareNotices);
  const unusedInlineAllows = files.flatMap((file) => file.unusedInlineAllows).sort(compareInlineAllows);
  const stats = { files: files.reduce((sum, file) => sum + file.stats.files, 0), bytes: files.reduce((sum, file) => sum + file.stats.bytes, 0), durationMs: 0 };
  return {
    command: first.command,
    ruleset: first.ruleset,
    ruleWarnings: first.ruleWarnings,
    defaults: first.defaults,
    ...(first.gitleaksIgnore === undefined ? {} : { gitleaksIgnore: first.gitleaksIgnore }),
    ...(first.repository === undefined ? {} : { repository: first.repository }),
    result: { findings, notices, stats, unusedInlineAllows },
  };
}
