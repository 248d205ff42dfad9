/**
 * The command line as a function: argv in, exit code out. Everything it prints goes through `io`,
 * so tests run it in-process; only main.ts touches `process`.
 */
import { stat } from 'node:fs/promises';
import { writeOutput } from '../report/write.js';
import { readRegularText } from '../sources/read.js';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Finding, Level, Notice, RuleSpec, RulesetSpec, ScanResult } from '../types.js';
import { loadConfiguration, loadRuleset, type LoadedConfiguration } from '../ruleset/load.js';
import { applyGitleaksIgnore, GITLEAKS_IGNORE_FILE, parseGitleaksIgnore } from '../post/gitleaks-ignore.js';
import { applyBaseline, baselineEntries, DEFAULT_BASELINE_FILE, parseBaseline, serializeBaseline } from '../post/baseline.js';
import { formatRuleProblem, type RuleProblem } from '../ruleset/errors.js';
import type { GitSelection } from '../scan/git-scan.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../artifacts/limits.js';
import { DEFAULT_MAX_FILE_SIZE } from '../scan/limits.js';
import { FORMATS, loadReporter, type Format } from '../report/formats.js';
import { repositoryLinks, type RepositoryLinks } from '../report/commit-links.js';
import { remoteUrl } from '../sources/git.js';
import { internalErrorMessage, UsageError, userErrorMessage } from './errors.js';
import { escapeControls, escapeControlsKeepingLines } from '../report/terminal.js';
import { findProjectConfig, type ProjectConfig } from '../config/project.js';
import { parseSize } from '../config/size.js';
import { VERSION } from './version.js';
import { parseAllowedHost } from '../verify/egress.js';
import { parseShard, type Shard } from '../scan/shard.js';
import type { ShardFile, ShardReportDefaults } from '../post/shards.js';
import { progressLine, type ProgressLine, type ProgressTerminal } from './progress.js';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  /** Whether stdout is a terminal that shows colours. */
  readonly color: boolean;
  /** A terminal on stderr for the progress line of long scans; absent when stderr is redirected or on CI. */
  readonly progress?: ProgressTerminal;
}

export const EXIT = { clean: 0, findings: 1, error: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const LEVEL_RANK: Readonly<Record<Level, number>> = { note: 0, warning: 1, error: 2 };

const EXIT_CODES_HELP = `
Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (scan) or failing rule checks (rules check)
  2  usage, configuration or rule-file error, a missing path, or a file that could not be read`;

/** Digits only: `Number()` would take '', ' ', '0x10' and '1e3' too. */
function wholeNumber(value: string): number | undefined {
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

function positiveInteger(value: string): number {
  const parsed = wholeNumber(value);
  if (parsed === undefined || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function nonNegativeInteger(value: string): number {
  const parsed = wholeNumber(value);
  if (parsed === undefined) throw new InvalidArgumentError('must be 0 or a positive integer');
  return parsed;
}

/** Detection is CPU-bound: workers beyond the cores only cost memory, so --threads 99999 means all cores. */
function threadCount(value: string): number {
  return Math.min(positiveInteger(value), availableParallelism());
}

function shardOption(value: string): Shard {
  const shard = parseShard(value);
  if (typeof shard === 'string') throw new InvalidArgumentError(shard);
  return shard;
}

/** A file or ref option given as '' would silently mean the current folder or nothing at all. */
function nonEmpty(value: string): string {
  if (value === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

function nonEmptyList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), nonEmpty(value)];
}

function allowedHostList(value: string, previous: string[] | undefined): string[] {
  const host = parseAllowedHost(value);
  if (host === undefined) throw new InvalidArgumentError('must be a host name or IP address with an optional :port');
  return [...(previous ?? []), host];
}

/** Positional paths: an empty one would silently scan the current folder. */
function checkPaths(paths: readonly string[]): void {
  if (paths.some((target) => target === '')) throw new UsageError('an empty path was given (use . for the current folder)');
}

/** `--max-file-size` values: `10MB`, `512KB`, `1048576`. */
function sizeOption(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new InvalidArgumentError('must be a size such as 10MB, 512KB or 1048576');
  return bytes;
}

/** `--fail-on`: a finding level, or `live` for secrets `--verify` found working. */
export type FailOn = Level | 'live';

function failsBuild(finding: Finding, failOn: FailOn): boolean {
  if (finding.suppression !== undefined) return false;
  return failOn === 'live' ? finding.verification?.status === 'live' : LEVEL_RANK[finding.level] >= LEVEL_RANK[failOn];
}

/** Exit code for a finished scan: findings at the threshold fail; otherwise a file that could not be read does. */
export function scanExitCode(findings: readonly Finding[], notices: readonly Notice[], failOn: FailOn): ExitCode {
  if (findings.some((finding) => failsBuild(finding, failOn))) return EXIT.findings;
  if (notices.some((notice) => notice.level === 'warning')) return EXIT.error;
  return EXIT.clean;
}

interface RuleSourceOptions {
  readonly rules?: string[];
  readonly config?: string;
  readonly builtinRules: boolean;
  readonly disableRule?: string[];
}

function addRuleSourceOptions(command: Command): Command {
  return command
    .option('--rules <path...>', 'extra keyleak rule files, or folders of *.toml rule files', nonEmptyList)
    .option('--config <file>', 'a gitleaks configuration (default: .gitleaks.toml in the scanned folder, if any)', nonEmpty)
    .option('--no-builtin-rules', 'do not load the built-in rules')
    .option('--disable-rule <id...>', 'leave out rules by id', nonEmptyList);
}

/** The gitleaks configuration at the scan root, picked up as gitleaks does when --config is absent. */
export const GITLEAKS_CONFIG_FILE = '.gitleaks.toml';

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() === true;
}

/** Rules in force, plus the project configuration (keyleak.toml) they came with. */
interface RulesContext extends LoadedConfiguration {
  readonly project?: ProjectConfig;
}

/**
 * Built-ins plus --rules, or a gitleaks configuration (--config, or .gitleaks.toml at `root`);
 * and the nearest keyleak.toml's rules, disabled rules and allowlists.
 */
async function loadRules(options: RuleSourceOptions, cwd: string, root: string): Promise<RulesContext> {
  const project = await findProjectConfig(root, cwd);
  const load = {
    builtin: options.builtinRules,
    paths: [...(project?.rules ?? []), ...(options.rules ?? []).map((target) => path.resolve(cwd, target))],
    disable: [...(project?.disable ?? []), ...(options.disableRule ?? [])],
  };
  const discovered = path.join(root, GITLEAKS_CONFIG_FILE);
  const config = options.config !== undefined ? path.resolve(cwd, options.config) : (await isFile(discovered)) ? discovered : undefined;
  const loaded = config !== undefined ? await loadConfiguration(config, load, cwd) : { ruleset: await loadRuleset(load, cwd), warnings: [] };
  if (project === undefined) return loaded;
  const { ruleset } = loaded;
  return { ...loaded, project, ruleset: { ...ruleset, global: { ...ruleset.global, allowlists: [...ruleset.global.allowlists, ...project.allowlists] } } };
}

/** A flag the user gave wins over keyleak.toml, which wins over the flag's default. */
function chosen<T>(command: Command, key: string, fromFlag: T, fromProject: T | undefined): T {
  return command.getOptionValueSource(key) === 'default' && fromProject !== undefined ? fromProject : fromFlag;
}

/** The folder a scan is rooted at: the first path if it is a folder, else the folder holding it. */
async function scanRoot(paths: readonly string[], cwd: string): Promise<string> {
  const first = path.resolve(cwd, paths[0] ?? '.');
  return (await stat(first).catch(() => undefined))?.isDirectory() ? first : path.dirname(first);
}

/** What a report is written from, whether a scan just ran or shards of one are merged. */
interface ReportSource {
  readonly ruleset: RulesetSpec;
  readonly warnings: readonly RuleProblem[];
  readonly defaults: ShardReportDefaults;
}

function reportSource(loaded: RulesContext): ReportSource {
  const { project } = loaded;
  return {
    ruleset: loaded.ruleset,
    warnings: loaded.warnings,
    defaults: {
      ...(project?.failOn === undefined ? {} : { failOn: project.failOn }),
      ...(project?.baseline === undefined ? {} : { baseline: project.baseline }),
      ...(project?.verify === undefined ? {} : { verify: project.verify }),
    },
  };
}

/** JSON with every object's keys in order, so two equal values read by different paths compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}

/** A shard file holds every finding of its part of a scan, whole: far larger than a configuration file, within what one string can hold. */
const MAX_SHARD_FILE_BYTES = 500 * 1024 * 1024;

/** `--format shard`: what a shard found, whole, for `keyleak merge` (not a report). */
const SHARD_FORMAT = 'shard';
type ScanFormat = Format | typeof SHARD_FORMAT;

interface ReportOptions {
  readonly baseline?: string;
  readonly reportUnused?: boolean;
  readonly format: ScanFormat;
  readonly output?: string;
  readonly failOn: FailOn;
  readonly redact: boolean;
  readonly verify?: boolean;
  readonly verifyAllowHost?: string[];
  readonly verifyTimeout?: number;
  readonly onlyVerified?: boolean;
  readonly quiet?: boolean;
}

/** Runs a scan with a progress line on the terminal, unless --quiet or there is none; the line is gone when it returns or throws. */
async function withProgress<T>(io: Io, options: { readonly quiet?: boolean }, work: (onProgress: ProgressLine['update'] | undefined) => Promise<T>): Promise<T> {
  const line = io.progress === undefined || options.quiet === true ? undefined : progressLine(io.progress);
  try {
    return await work(line?.update);
  } finally {
    line?.finish();
  }
}

interface ScanCommandOptions extends ReportOptions, RuleSourceOptions {
  readonly shard?: Shard;
  readonly threads: number;
  readonly maxFileSize: number;
  readonly ignore: boolean;
  readonly maxArchiveDepth: number;
  readonly maxArchiveEntries: number;
  readonly maxEntrySize: number;
  readonly maxArchiveSize: number;
  readonly maxCompressionRatio: number;
}

interface GitCommandOptions extends ReportOptions, RuleSourceOptions {
  readonly shard?: Shard;
  readonly threads: number;
  readonly submodules?: boolean;
  readonly staged?: boolean;
  readonly since?: string;
  readonly range?: string;
  readonly branch?: string[];
  readonly maxCommits?: number;
  readonly sinceDate?: string;
}

async function emit(io: Io, text: string, output: string | undefined): Promise<void> {
  if (output === undefined) io.stdout(text);
  else await writeOutput(path.resolve(io.cwd, output), text, output, 'report');
}

function addOutputOptions(command: Command, formats: readonly string[]): Command {
  return command
    .addOption(new Option('-f, --format <format>', 'report format').choices(formats).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout', nonEmpty)
    .addOption(new Option('--fail-on <level>', 'lowest finding level that makes the exit code 1 (live: only secrets --verify found working)').choices(['error', 'warning', 'note', 'live']).default('error'))
    .option('--no-redact', 'show full secret values in reports')
    .option('--baseline <file>', 'findings recorded in this baseline are reported as suppressed and do not fail the build', nonEmpty)
    .option('--report-unused', 'list baseline entries and keyleak:allow comments that no longer match anything')
    .option('--verify', "ask each secret's provider whether it still works (sends the secret to the provider's API; off by default)")
    .option('--verify-allow-host <host[:port]>', 'also let --verify send secrets to this host taken from the scanned content, HTTP allowed (repeatable)', allowedHostList)
    .option('--verify-timeout <seconds>', 'per-request timeout for --verify', positiveInteger)
    .option('--only-verified', 'with --verify: report only secrets found live')
    .addHelpText('after', EXIT_CODES_HELP);
}

function addReportOptions(command: Command): Command {
  return addRuleSourceOptions(addOutputOptions(command, [...FORMATS, SHARD_FORMAT]).option('-q, --quiet', 'no progress line on the terminal during long scans'));
}

/** Rules for a scan rooted at `root`, with untranslatable gitleaks rules warned about on stderr. */
async function rulesFor(io: Io, options: RuleSourceOptions, root: string): Promise<RulesContext> {
  const loaded = await loadRules(options, io.cwd, root);
  for (const warning of loaded.warnings) io.stderr(`keyleak: warning: ${formatRuleProblem(warning)}\n`);
  return loaded;
}

/** Applies --baseline, and with --report-unused lists what no longer matches, as notices. */
async function baselined(io: Io, options: ReportOptions, result: ScanResult, findings: readonly Finding[]): Promise<{ findings: readonly Finding[]; notices: Notice[] }> {
  const notices: Notice[] = [];
  let kept = findings;
  if (options.baseline !== undefined) {
    const file = path.resolve(io.cwd, options.baseline);
    const text = await readRegularText(file).catch(() => {
      throw new UsageError(`${options.baseline}: cannot read the baseline`);
    });
    const outcome = applyBaseline(findings, parseBaseline(text, options.baseline), options.baseline);
    kept = outcome.findings;
    if (options.reportUnused) {
      notices.push(...outcome.unused.map((entry): Notice => ({ level: 'note', code: 'unused-baseline-entry', message: `baseline entry for ${entry.ruleId} (${entry.fingerprint}) matches nothing any more`, path: entry.path })));
    }
  }
  if (options.reportUnused) {
    notices.push(...(result.unusedInlineAllows ?? []).map((allow): Notice => ({ level: 'note', code: 'unused-inline-allow', message: `line ${allow.line}: keyleak:allow silences nothing`, path: allow.path })));
  }
  return { findings: kept, notices };
}

/** The findings and notices a report shows, after the baseline and verification, and what fails the build. */
async function reported(io: Io, command: Command, options: ReportOptions, source: ReportSource, result: ScanResult, unfiltered: readonly Finding[]) {
  const baseline = options.baseline ?? source.defaults.baseline;
  const failOn: FailOn = chosen(command, 'failOn', options.failOn, source.defaults.failOn);
  const verify = options.verify === true || source.defaults.verify === true;
  if (!verify && failOn === 'live') throw new UsageError('--fail-on live needs --verify (or verify = true in keyleak.toml)');
  if (!verify && options.onlyVerified) throw new UsageError('--only-verified needs --verify (or verify = true in keyleak.toml)');
  if (!verify && (options.verifyAllowHost !== undefined || options.verifyTimeout !== undefined)) throw new UsageError('--verify-allow-host and --verify-timeout need --verify');
  const { findings: kept, notices: baselineNotices } = await baselined(io, { ...options, ...(baseline === undefined ? {} : { baseline }) }, result, unfiltered);
  const findings = verify ? await verified(options, source.ruleset, kept) : kept;
  const notices = [...source.warnings.map((warning): Notice => ({ level: warning.level ?? 'note', code: warning.code ?? 'rule-skipped', message: formatRuleProblem(warning) })), ...result.notices, ...baselineNotices];
  return { findings, notices, failOn };
}

/** Writes the report and returns the exit code, for every command that reports findings. */
async function report(io: Io, command: Command, options: ReportOptions & { readonly format: Format }, source: ReportSource, result: ScanResult, unfiltered: readonly Finding[], repository?: RepositoryLinks): Promise<ExitCode> {
  const { findings, notices, failOn } = await reported(io, command, options, source, result, unfiltered);
  const document = (await loadReporter(options.format))(findings, {
    rules: source.ruleset.rules,
    notices,
    stats: { files: result.stats.files, bytes: result.stats.bytes },
    toolVersion: VERSION,
    cwd: io.cwd,
    redact: options.redact,
    color: io.color && options.output === undefined,
    ...(repository === undefined ? {} : { repository }),
  });
  await emit(io, document, options.output);
  return scanExitCode(findings, notices, failOn);
}

/** `--verify`: the network is only touched here, and its module only loaded here. */
async function verified(options: ReportOptions, ruleset: RulesetSpec, findings: readonly Finding[]): Promise<readonly Finding[]> {
  const { verifyFindings } = await import('../verify/verify.js');
  const { isBuiltinRule } = await import('../ruleset/load.js');
  const checked = await verifyFindings(findings, ruleset.rules, {
    isBuiltinRule,
    ...(options.verifyAllowHost === undefined ? {} : { allowedHosts: options.verifyAllowHost }),
    ...(options.verifyTimeout === undefined ? {} : { timeoutMs: options.verifyTimeout * 1000 }),
  });
  return options.onlyVerified ? checked.filter((finding) => finding.verification?.status === 'live') : checked;
}

/** `--format shard`: writes what the scan found, whole, for `keyleak merge`; the exit code is the report's. */
async function reportOrShard(
  io: Io,
  command: Command,
  options: ReportOptions & { readonly shard?: Shard },
  source: ReportSource,
  scanned: { readonly command: 'scan' | 'git'; readonly result: ScanResult; readonly findings: readonly Finding[]; readonly gitleaksIgnore?: ShardFile['gitleaksIgnore']; readonly repository?: RepositoryLinks },
): Promise<ExitCode> {
  const { format } = options;
  if (format !== SHARD_FORMAT) return report(io, command, { ...options, format }, source, scanned.result, scanned.findings, scanned.repository);
  // Secrets are verified once, when the shards are merged: keyleak.toml's `verify` travels in the shard file.
  if (options.verify || options.onlyVerified || options.failOn === 'live') throw new UsageError('--verify, --only-verified and --fail-on live apply when shards are merged: give them to keyleak merge');
  const { result } = scanned;
  const { shardFile } = await import('../post/shards.js');
  const text = shardFile({
    toolVersion: VERSION,
    command: scanned.command,
    shard: options.shard ?? { index: 1, count: 1 },
    ruleset: source.ruleset,
    ruleWarnings: source.warnings,
    defaults: source.defaults,
    ...(scanned.gitleaksIgnore === undefined ? {} : { gitleaksIgnore: scanned.gitleaksIgnore }),
    ...(scanned.repository === undefined ? {} : { repository: scanned.repository }),
    findings: result.findings,
    notices: result.notices,
    stats: { files: result.stats.files, bytes: result.stats.bytes },
    unusedInlineAllows: result.unusedInlineAllows ?? [],
    ...(result.historyFacts === undefined ? {} : { historyFacts: result.historyFacts }),
  });
  await emit(io, text, options.output);
  const { findings, notices, failOn } = await reported(io, command, options, { ...source, defaults: { ...source.defaults, verify: false } }, result, scanned.findings);
  return scanExitCode(findings, notices, failOn);
}

/** What `rules list` says a rule's `--verify` calls: an HTTP check's host, or the check in code. */
function verifierName(verify: RuleSpec['verify']): string | null {
  if (verify === undefined) return null;
  if (verify.kind !== 'http') return verify.kind === 'oauth-client-credentials' ? `oauth-client-credentials (${verify.provider})` : verify.kind;
  const host = /^https:\/\/([^/?#]+)/.exec(verify.url)?.[1] ?? verify.url;
  return `${verify.method} ${host}${verify.otherUrls === undefined ? '' : ` (+${verify.otherUrls.length})`}`;
}

function gitSelection(options: GitCommandOptions): GitSelection {
  const chosen = [options.staged, options.since, options.range, options.branch].filter((value) => value !== undefined);
  if (chosen.length > 1) throw new UsageError('choose one of --staged, --since, --range and --branch');
  if (options.staged) return { kind: 'staged' };
  if (options.since !== undefined) return { kind: 'since', ref: options.since };
  if (options.range !== undefined) return { kind: 'range', range: options.range };
  return { kind: 'history', refs: options.branch ?? 'all' };
}

function buildProgram(io: Io, setExit: (code: ExitCode) => void): Command {
  const program = new Command('keyleak')
    .description('Find secrets in working trees, git history and built artifacts.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run keyleak --help for usage)')
    .option('--debug', 'print the stack trace of an internal error')
    .addHelpText('after', EXIT_CODES_HELP);

  addReportOptions(
    program
      .command('scan')
      .description('scan files and folders (default: the current folder)')
      .argument('[paths...]', 'files and folders to scan', ['.'])
      .option('--threads <n>', 'worker threads for detection (at most one per core)', threadCount, availableParallelism())
      .option('--max-file-size <size>', 'skip larger files with a notice', sizeOption, DEFAULT_MAX_FILE_SIZE)
      .option('--no-ignore', 'scan files that .gitignore and .keyleakignore exclude')
      .option('--max-archive-depth <n>', 'open archives and app packages nested this deep (0: do not open them)', nonNegativeInteger, DEFAULT_ARCHIVE_LIMITS.maxDepth)
      .option('--max-archive-entries <n>', 'read at most n entries of one archive', positiveInteger, DEFAULT_ARCHIVE_LIMITS.maxEntries)
      .option('--max-entry-size <size>', 'skip archive entries that decompress to more than this', sizeOption, DEFAULT_ARCHIVE_LIMITS.maxEntryBytes)
      .option('--max-archive-size <size>', 'decompress at most this much from one archive or app, all entries together', sizeOption, DEFAULT_ARCHIVE_LIMITS.maxTotalBytes)
      .option('--max-compression-ratio <n>', 'stop an entry that expands more than n:1 once past 1 MiB (a compression bomb)', positiveInteger, DEFAULT_ARCHIVE_LIMITS.maxRatio)
      .option('--shard <i/N>', 'scan only shard i of N (files split by a hash of their path); merge the shards with keyleak merge', shardOption),
  ).action(async (paths: string[], options: ScanCommandOptions, command: Command) => {
    checkPaths(paths);
    const root = await scanRoot(paths, io.cwd);
    const loaded = await rulesFor(io, options, root);
    const { project } = loaded;
    // Each command loads its own machinery: the pre-commit path must start fast.
    const { scan } = await import('../scan/scan.js');
    const result = await withProgress(io, options, (onProgress) => scan({
      paths,
      cwd: io.cwd,
      ruleset: loaded.ruleset,
      threads: options.threads,
      maxFileSize: chosen(command, 'maxFileSize', options.maxFileSize, project?.maxFileSize),
      archiveLimits: {
        maxDepth: chosen(command, 'maxArchiveDepth', options.maxArchiveDepth, project?.archiveLimits.maxDepth),
        maxEntries: chosen(command, 'maxArchiveEntries', options.maxArchiveEntries, project?.archiveLimits.maxEntries),
        maxEntryBytes: chosen(command, 'maxEntrySize', options.maxEntrySize, project?.archiveLimits.maxEntryBytes),
        maxTotalBytes: chosen(command, 'maxArchiveSize', options.maxArchiveSize, project?.archiveLimits.maxTotalBytes),
        maxRatio: chosen(command, 'maxCompressionRatio', options.maxCompressionRatio, project?.archiveLimits.maxRatio),
      },
      useIgnoreFiles: options.ignore,
      ...(project === undefined ? {} : { extraIgnore: { base: project.folder, patterns: project.ignore } }),
      ...(options.shard === undefined ? {} : { shard: options.shard }),
      ...(onProgress === undefined ? {} : { onProgress }),
    }));
    const ignored = await readRegularText(path.join(root, GITLEAKS_IGNORE_FILE)).catch(() => '');
    const relativeRoot = path.relative(io.cwd, root).split(path.sep).join('/');
    const gitleaksIgnore = { entries: parseGitleaksIgnore(ignored), rootPrefix: relativeRoot === '' ? '' : `${relativeRoot}/` };
    const findings = applyGitleaksIgnore(result.findings, gitleaksIgnore.entries, gitleaksIgnore.rootPrefix);
    setExit(await reportOrShard(io, command, options, reportSource(loaded), { command: 'scan', result, findings, gitleaksIgnore }));
  });

  addReportOptions(
    program
      .command('git')
      .description('scan git history: every commit on every ref (default), a range for CI, or the staged changes for pre-commit')
      .argument('[repo]', 'a folder inside the repository', '.')
      .option('--staged', 'scan the staged changes (index against HEAD), for a pre-commit hook')
      .option('--since <ref>', 'scan the commits not in <ref> (e.g. origin/main)', nonEmpty)
      .option('--range <a..b>', 'scan the commits of a range', nonEmpty)
      .option('--branch <ref...>', 'scan these refs instead of all of them', nonEmptyList)
      .option('--max-commits <n>', 'scan at most n commits', positiveInteger)
      .option('--since-date <date>', 'scan commits after a date: YYYY-MM-DD, an ISO date and time, @<unix seconds>, "N days ago", yesterday')
      .option('--threads <n>', 'worker threads for detection (history scans, at most one per core)', threadCount, availableParallelism())
      .option('--submodules', 'also scan checked-out submodules (otherwise each is listed in a notice)')
      .option('--shard <i/N>', 'scan only shard i of N (commits split by a hash of their id); merge the shards with keyleak merge', shardOption),
  ).action(async (repo: string, options: GitCommandOptions, command: Command) => {
    checkPaths([repo]);
    const root = path.resolve(io.cwd, repo);
    // The rules load once git has started: their parsing overlaps git's work instead of delaying it.
    let loading: Promise<RulesContext> | undefined;
    const loaded = () => (loading ??= rulesFor(io, options, root));
    const { scanGit } = await import('../scan/git-scan.js');
    const result = await withProgress(io, options, (onProgress) => scanGit({
      repo,
      cwd: io.cwd,
      ruleset: async () => (await loaded()).ruleset,
      selection: gitSelection(options),
      threads: options.threads,
      submodules: options.submodules === true,
      ...(options.maxCommits === undefined ? {} : { maxCommits: options.maxCommits }),
      ...(options.sinceDate === undefined ? {} : { sinceDate: options.sinceDate }),
      ...(options.shard === undefined ? {} : { shard: options.shard }),
      ...(onProgress === undefined ? {} : { onProgress }),
    }));
    // Only the HTML report links commits to the repository's web pages (and a shard, whose merge may write one).
    const remote = options.format === 'html' || options.format === SHARD_FORMAT ? await remoteUrl(root) : undefined;
    const repository = remote === undefined ? undefined : repositoryLinks(remote);
    setExit(await reportOrShard(io, command, options, reportSource(await loaded()), { command: 'git', result, findings: result.findings, ...(repository === undefined ? {} : { repository }) }));
  });

  addOutputOptions(
    program
      .command('merge')
      .description('merge the shard files of one split scan (--format shard) into the report a single scan would write')
      .argument('<files...>', 'every shard file of the split, in any order'),
    FORMATS,
  ).action(async (files: string[], options: ReportOptions & { readonly format: Format }, command: Command) => {
    checkPaths(files);
    const { mergeShards, parseShardFile, ShardFileError } = await import('../post/shards.js');
    const named = (file: string, error: unknown) => new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
    const shards = await Promise.all(
      files.map(async (file) => {
        const text = await readRegularText(path.resolve(io.cwd, file), MAX_SHARD_FILE_BYTES).catch((error: unknown) => {
          throw named(file, error instanceof Error ? new Error(error.message.replace(`${path.resolve(io.cwd, file)} `, '')) : error);
        });
        try {
          return parseShardFile(text);
        } catch (error) {
          throw error instanceof ShardFileError ? named(file, error) : error;
        }
      }),
    );
    let merged;
    try {
      merged = mergeShards(shards);
    } catch (error) {
      throw error instanceof ShardFileError ? new UsageError(error.message) : error;
    }
    const { result, gitleaksIgnore } = merged;
    // A shard file's rules are data from elsewhere: only a rule equal to keyleak's own built-in rule is
    // treated as built-in, so a crafted shard cannot name a host for --verify to send secrets to.
    const builtin = new Map((await loadRuleset({}, io.cwd)).rules.map((rule) => [rule.id, rule]));
    const ownRule = (rule: RuleSpec) => {
      const local = builtin.get(rule.id);
      // `file` names the rule file as seen from where each command ran.
      return local !== undefined && canonicalJson({ ...local, file: '' }) === canonicalJson({ ...rule, file: '' }) ? local : rule;
    };
    const ruleset = { ...merged.ruleset, rules: merged.ruleset.rules.map(ownRule) };
    const findings = gitleaksIgnore === undefined ? result.findings : applyGitleaksIgnore(result.findings, gitleaksIgnore.entries, gitleaksIgnore.rootPrefix);
    setExit(await report(io, command, options, { ruleset, warnings: merged.ruleWarnings, defaults: merged.defaults }, result, findings, merged.repository));
  });

  addRuleSourceOptions(
    program
      .command('baseline')
      .description('record the current findings so only new ones fail a build')
      .command('create')
      .description('scan files and folders and write every finding to a baseline file')
      .argument('[paths...]', 'files and folders to scan', ['.'])
      .option('-o, --output <file>', 'baseline file to write', nonEmpty, DEFAULT_BASELINE_FILE)
      .option('--no-ignore', 'scan files that .gitignore and .keyleakignore exclude')
      .option('-q, --quiet', 'no progress line on the terminal during long scans'),
  ).action(async (paths: string[], options: RuleSourceOptions & { output: string; ignore: boolean; quiet?: boolean }) => {
    checkPaths(paths);
    const loaded = await rulesFor(io, options, await scanRoot(paths, io.cwd));
    const { scan } = await import('../scan/scan.js');
    const result = await withProgress(io, options, (onProgress) => scan({ paths, cwd: io.cwd, ruleset: loaded.ruleset, useIgnoreFiles: options.ignore, ...(onProgress === undefined ? {} : { onProgress }) }));
    const entries = baselineEntries(result.findings);
    await writeOutput(path.resolve(io.cwd, options.output), serializeBaseline(entries), options.output, 'baseline');
    io.stdout(`wrote ${entries.length} entries for ${result.findings.length} findings to ${escapeControls(options.output)}\n`);
  });

  program
    .command('install-hook')
    .description('install a git pre-commit hook that runs `keyleak git --staged` (honours core.hooksPath)')
    .argument('[repo]', 'a folder inside the repository', '.')
    .option('--force', 'replace a pre-commit hook keyleak did not write')
    .action(async (repo: string, options: { force?: boolean }) => {
      checkPaths([repo]);
      const { installHook } = await import('./install-hook.js');
      const hook = await installHook(path.resolve(io.cwd, repo), options.force === true);
      io.stdout(`installed ${escapeControls(hook)}\n`);
    });

  const rules = program.command('rules').description('list and check rules');
  addRuleSourceOptions(
    rules
      .command('list')
      .description('print the rule inventory: id, level, exposure, provider')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action(async (options: RuleSourceOptions & { format: 'text' | 'json' }) => {
    const { ruleset } = await loadRules(options, io.cwd, io.cwd);
    if (options.format === 'json') {
      io.stdout(`${JSON.stringify(ruleset.rules.map(({ id, provider, level, exposure, description, file, verify }) => ({ id, provider, level, exposure, description, file, verify: verifierName(verify) })), null, 2)}\n`);
      return;
    }
    const width = Math.max(...ruleset.rules.map((rule) => rule.id.length));
    for (const rule of ruleset.rules) io.stdout(`${escapeControls(rule.id).padEnd(width)}  ${rule.level.padEnd(7)}  ${rule.exposure.padEnd(12)}  ${escapeControls(rule.provider)}\n`);
    io.stdout(`${ruleset.rules.length} rules\n`);
  });
  addRuleSourceOptions(
    rules
      .command('check')
      .description('validate rule files and run every rule example through the detector (default: the built-in rules)')
      .argument('[files...]', 'rule files to check')
      .option('--skip-redos', 'skip the timing-based ReDoS budget'),
  ).action(async (files: string[], options: RuleSourceOptions & { skipRedos?: boolean }) => {
    checkPaths(files);
    const { ruleset } = await loadRules({ ...options, rules: [...(options.rules ?? []), ...files] }, io.cwd, io.cwd);
    const targets = files.length === 0 ? ruleset.rules : ruleset.rules.filter((rule) => files.some((file) => path.resolve(io.cwd, file) === path.resolve(io.cwd, rule.file)));
    const { checkRules } = await import('../ruleset/check.js');
    const problems = checkRules(ruleset, targets, { skipRedos: options.skipRedos ?? false });
    for (const problem of problems) io.stdout(`${escapeControls(formatRuleProblem(problem))}\n`);
    io.stdout(problems.length === 0 ? `ok: ${targets.length} rules checked\n` : `${problems.length} problems in ${targets.length} rules\n`);
    setExit(problems.length === 0 ? EXIT.clean : EXIT.findings);
  });
  return program;
}

/** Runs keyleak with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], rawIo: Io): Promise<ExitCode> {
  // Messages name files, refs and rules the user does not control: never let them drive the terminal.
  const io: Io = { ...rawIo, stderr: (text) => rawIo.stderr(escapeControlsKeepingLines(text)) };
  let exitCode: ExitCode = EXIT.clean;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.clean : EXIT.error;
    }
    const message = userErrorMessage(error);
    io.stderr(message === undefined ? internalErrorMessage(error, program.opts()['debug'] === true) : `keyleak: ${message}\n`);
    return EXIT.error;
  }
}

