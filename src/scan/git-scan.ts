/**
 * History, range and staged scans: the lines each commit added (or the index adds) go through the
 * detector, and findings learn where their secret came from and whether it is still there.
 */
import { DEFAULT_ARCHIVE_LIMITS } from '../artifacts/limits.js';
import { existsSync } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommitInfo, Finding, Hit, HistoryFacts, Notice, RulesetSpec, ScanProgress, ScanResult } from '../types.js';
import { compileRuleset } from '../ruleset/compile.js';
import { compareNotices, groupFindings } from '../post/findings.js';
import { DIFF_OPTIONS, GitError, gitOutput, gitSucceeds, LOG_FORMAT, PatchParser, shortRef, spoolGit, streamGit, type AddedLines } from '../sources/git.js';
import { detectAdded } from './added-lines.js';
import { WorkerPool } from './pool.js';
import { onlyBuiltinRules } from '../ruleset/load.js';
import { composeHistory, gatherHistoryFacts } from '../post/history.js';
import { inShard, type Shard } from './shard.js';

/** Which changes to scan. */
export type GitSelection =
  /** Every commit on every ref (`all`) or on the refs given. */
  | { readonly kind: 'history'; readonly refs: 'all' | readonly string[] }
  /** Commits not in `ref` (CI: `--since origin/main`). */
  | { readonly kind: 'since'; readonly ref: string }
  /** `A..B` or `A...B`. */
  | { readonly kind: 'range'; readonly range: string }
  /** The index against HEAD (pre-commit). */
  | { readonly kind: 'staged' };

export interface GitScanOptions {
  /** A folder inside the repository (default: the working directory). */
  readonly repo?: string;
  readonly cwd?: string;
  /**
   * The rules, or a function that loads them: it is called once git's output has begun, so that
   * loading the rules overlaps git's own work instead of delaying its start.
   */
  readonly ruleset: RulesetSpec | (() => Promise<RulesetSpec>);
  readonly selection: GitSelection;
  readonly maxCommits?: number;
  /** Only commits after this date: an ISO date, `@<unix seconds>`, `N units ago`, `yesterday` (see `sinceDateSeconds`). */
  readonly sinceDate?: string;
  /** Worker threads for detection while the main thread reads git; 1 detects on the main thread. */
  readonly threads?: number;
  /** Scan checked-out submodules too (their paths prefixed with the submodule's); otherwise they are noted. */
  readonly submodules?: boolean;
  /** Only the commits of this shard (history, since and range scans); the result carries the history facts to join shards with. */
  readonly shard?: Shard;
  /** Told how many commits have been read, and which, as git's output arrives (a progress line); must not throw. */
  readonly onProgress?: (progress: ScanProgress) => void;
  /** The date a secret's own expiry is judged against (an Azure SAS's `se`): default, when the scan starts. */
  readonly now?: Date;
}

interface Submodule {
  readonly path: string;
  readonly checkedOut: boolean;
}

/** Submodules declared in the work tree's .gitmodules. */
async function submodulesOf(root: string): Promise<Submodule[]> {
  // No .gitmodules, nothing to ask git: one process fewer on every pre-commit run.
  if ((await lstat(path.join(root, '.gitmodules')).catch(() => undefined)) === undefined) return [];
  const declared = await gitOutput(['config', '--file', '.gitmodules', '--get-regexp', '^submodule\\..*\\.path$'], root).catch(() => '');
  const paths = declared.split('\n').filter(Boolean).map((line) => line.slice(line.indexOf(' ') + 1));
  return Promise.all(paths.map(async (sub) => ({ path: sub, checkedOut: await gitSucceeds(['rev-parse', '--verify', '--quiet', 'HEAD'], path.join(root, sub)) })));
}

function prefixed(finding: Finding, prefix: string): Finding {
  return {
    ...finding,
    occurrences: finding.occurrences.map((occurrence) => ({ ...occurrence, provenance: { ...occurrence.provenance, path: `${prefix}/${occurrence.provenance.path}` } })),
  };
}

/** Added-lines batches sent to a worker at once, and how many may wait before git is paused. */
const BATCH_CHANGES = 64;
const MAX_BACKLOG_PER_WORKER = 4;

/** Detection for a stream of changes: on this thread, or spread over workers with backpressure. */
interface AddedLinesDetector {
  add(added: AddedLines): void | Promise<void>;
  finish(): Promise<Hit[]>;
}

function detectorOnThisThread(spec: RulesetSpec, now: number): AddedLinesDetector {
  const ruleset = compileRuleset(spec, now);
  const hits: Hit[] = [];
  return {
    add(added) {
      for (const hit of detectAdded(added, ruleset)) hits.push(hit);
    },
    finish: async () => hits,
  };
}

function detectorInWorkers(spec: RulesetSpec, now: number, threads: number, notices: Notice[]): AddedLinesDetector {
  const pool = new WorkerPool({ ruleset: spec, limits: { maxFileSize: Number.POSITIVE_INFINITY, archive: DEFAULT_ARCHIVE_LIMITS }, now }, threads);
  const replies: Promise<readonly Hit[]>[] = [];
  const pending = new Set<Promise<unknown>>();
  let batch: AddedLines[] = [];
  const send = () => {
    if (batch.length === 0) return;
    const reply = pool.run({ kind: 'added', batch }).then((answer) => {
      if (answer.kind !== 'added') return [];
      for (const notice of answer.notices) notices.push(notice);
      return answer.hits;
    });
    const settled = reply.finally(() => pending.delete(settled));
    pending.add(settled);
    replies.push(reply);
    batch = [];
  };
  return {
    add(added) {
      batch.push(added);
      if (batch.length < BATCH_CHANGES) return undefined;
      send();
      // Resume reading as soon as any batch is done, so git and the workers keep running together.
      return pending.size > threads * MAX_BACKLOG_PER_WORKER ? Promise.race(pending).then(() => undefined) : undefined;
    },
    async finish() {
      send();
      try {
        return (await Promise.all(replies)).flat();
      } finally {
        await pool.close();
      }
    },
  };
}

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800 };

/** A calendar date, optionally with a time and zone, that names a real day (2024-02-30 does not). */
function isoDateSeconds(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const time = match[4] === undefined ? Date.parse(`${match.slice(1, 4).join('-')}T00:00:00Z`) : Date.parse(value.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(time) ? Math.floor(time / 1000) : undefined;
}

/** `N units ago` (or git's `N.units.ago`), `yesterday`, `today`, `now`. */
function relativeDateSeconds(value: string, now: Date): number | undefined {
  const seconds = Math.floor(now.getTime() / 1000);
  if (/^(?:now|today)$/i.test(value)) return seconds;
  if (/^yesterday$/i.test(value)) return seconds - SECONDS_PER_UNIT['day']!;
  const match = /^(\d{1,9})[ .](second|minute|hour|day|week|month|year)s?[ .]ago$/i.exec(value);
  if (!match) return undefined;
  const count = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (unit !== 'month' && unit !== 'year') return seconds - count * SECONDS_PER_UNIT[unit]!;
  const then = new Date(now);
  if (unit === 'month') then.setUTCMonth(then.getUTCMonth() - count);
  else then.setUTCFullYear(then.getUTCFullYear() - count);
  return Number.isFinite(then.getTime()) ? Math.floor(then.getTime() / 1000) : undefined;
}

/**
 * `--since-date` as Unix seconds. Git's own date reading turns anything it cannot read into "now"
 * (or into some other day), which would silently scan nothing or the wrong commits, so only dates
 * that mean one thing are taken: ISO dates (a date alone is midnight UTC), `@<seconds>`, and the
 * relative forms above.
 */
export function sinceDateSeconds(value: string, now: Date = new Date()): number {
  const trimmed = value.trim();
  const seconds = /^@\d{1,12}$/.test(trimmed) ? Number(trimmed.slice(1)) : isoDateSeconds(trimmed) ?? relativeDateSeconds(trimmed, now);
  if (seconds === undefined) throw new GitError(`--since-date: cannot read ${JSON.stringify(value)} as a date (use YYYY-MM-DD, an ISO date and time, @<unix seconds> or "N days ago")`);
  return Math.max(0, seconds);
}

/** The commits to walk: revisions after `--end-of-options`, so a ref named `-x` is never read as an option. */
function walkArguments(selection: Exclude<GitSelection, { kind: 'staged' }>, limits: readonly string[]): string[] {
  const base = ['--full-history', '--source', ...limits];
  switch (selection.kind) {
    case 'history':
      return selection.refs === 'all' ? [...base, '--all'] : [...base, '--end-of-options', ...selection.refs];
    case 'since':
      return [...base, '--end-of-options', 'HEAD', `^${selection.ref}`];
    case 'range':
      return [...base, '--end-of-options', selection.range];
  }
}

/** `--cc` shows what a merge added against every parent (an evil merge), nothing that a parent's own commit shows. */
const PATCH_ARGUMENTS: readonly string[] = ['-p', '--cc', ...DIFF_OPTIONS, LOG_FORMAT];

/** `--max-commits` and `--since-date` as git walk options. */
function walkLimits(options: GitScanOptions, sinceSeconds: number | undefined): string[] {
  return [...(options.maxCommits === undefined ? [] : [`--max-count=${options.maxCommits}`]), ...(sinceSeconds === undefined ? [] : [`--since=@${sinceSeconds}`])];
}

function logArguments(options: GitScanOptions, sinceSeconds: number | undefined): string[] {
  const { selection } = options;
  if (selection.kind === 'staged') return ['diff', '--cached', ...DIFF_OPTIONS];
  return ['log', ...PATCH_ARGUMENTS, ...walkArguments(selection, walkLimits(options, sinceSeconds))];
}

/**
 * A shard's commits, each with the ref the whole walk reaches it from (what `--source` says in a
 * run over all shards): one walk without patches, which costs little next to reading them.
 */
async function shardCommits(walk: readonly string[], root: string, shard: Shard): Promise<Map<string, string>> {
  const commits = new Map<string, string>();
  await streamGit(['log', '--format=%H%x1f%S', ...walk], root, (line) => {
    const [sha = '', ref = ''] = line.split('\x1f');
    if (sha !== '' && inShard(sha, shard)) commits.set(sha, ref);
  });
  return commits;
}

type RepositoryRoot = { readonly root: string; readonly bare: boolean; readonly shallow: boolean };

/** The folder as a bare repository, or undefined when git says it is not one. */
async function bareRepository(folder: string): Promise<RepositoryRoot | undefined> {
  const answer = await gitOutput(['rev-parse', '--is-bare-repository', '--is-shallow-repository'], folder).catch(() => undefined);
  const [isBare, shallow] = (answer ?? '').split('\n');
  return isBare === 'true' ? { root: folder, bare: true, shallow: shallow === 'true' } : undefined;
}

/**
 * One rev-parse answers for a work tree; a bare repository has no top level and is asked the other
 * way, first when the folder holds a repository's own files (`HEAD`, `objects/`): a mirror.
 */
async function repositoryRoot(folder: string): Promise<RepositoryRoot> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) throw new GitError(`${folder}: no such folder`);
  const mirror = existsSync(path.join(folder, 'HEAD')) && existsSync(path.join(folder, 'objects')) ? await bareRepository(folder) : undefined;
  if (mirror !== undefined) return mirror;
  const workTree = await gitOutput(['rev-parse', '--is-shallow-repository', '--show-toplevel'], folder).catch(() => undefined);
  if (workTree !== undefined) {
    const [shallow, top] = workTree.split('\n');
    return { root: top ?? folder, bare: false, shallow: shallow === 'true' };
  }
  const bare = await bareRepository(folder);
  if (bare === undefined) throw new GitError(`${folder}: not a git repository`);
  return bare;
}

export async function scanGit(options: GitScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const now = (options.now ?? new Date()).getTime();
  const cwd = options.cwd ?? process.cwd();
  const folder = path.resolve(cwd, options.repo ?? '.');
  const sinceSeconds = options.sinceDate === undefined ? undefined : sinceDateSeconds(options.sinceDate);
  const repo = await repositoryRoot(folder);
  const notices: Notice[] = [];
  if (repo.shallow) notices.push({ level: 'note', code: 'shallow-clone', message: 'shallow clone: commits before the shallow boundary are not scanned' });
  if (options.shard !== undefined && options.selection.kind === 'staged') throw new GitError('--shard splits a history by commit; the staged changes are one change');
  // A submodule's findings are joined to the outer repository's as they are, which shards could not repeat.
  if (options.shard !== undefined && options.submodules) throw new GitError('--shard does not combine with --submodules: scan each submodule as a repository of its own');
  if (options.selection.kind === 'staged' && repo.bare) throw new GitError(`${folder}: a bare repository has no index to scan`);
  const staged = options.selection.kind === 'staged';
  const [hasHead, spool] = await Promise.all([staged || gitSucceeds(['rev-parse', '--verify', '--quiet', 'HEAD'], repo.root), !staged && spoolable(repo.root)]);
  if (!hasHead && options.selection.kind !== 'history') throw new GitError(`${folder}: the repository has no commits yet`);

  // git's own process keeps a core busy and the main thread reads its output: detection gets workers
  // of its own only beyond those two (on two cores a worker made the scan 10% costlier, not faster).
  // Rules that are not keyleak's own run in a worker even then: only a worker can be stopped.
  const workers = options.selection.kind === 'staged' ? 0 : (options.threads ?? 1) - 2;
  const { ruleset } = options;
  let rules: Promise<RulesetSpec> | undefined;
  const loadRules = () => (rules ??= typeof ruleset === 'function' ? ruleset() : Promise.resolve(ruleset));
  let detector: AddedLinesDetector | undefined;
  const detectorReady = () =>
    loadRules().then((spec) => (detector ??= workers > 0 || !onlyBuiltinRules(spec) ? detectorInWorkers(spec, now, Math.max(1, workers), notices) : detectorOnThisThread(spec, now)));
  // The first change waits for the rules; git is at work by then, writing ahead into its spool.
  const detect = (added: AddedLines) => (detector === undefined ? detectorReady().then((ready) => ready.add(added)) : detector.add(added));
  let bytes = 0;
  let files = 0;
  // A shard reads its commits without a walk, so each learns its ref from the walk made beforehand.
  let walkedFrom: ReadonlyMap<string, string> | undefined;
  const withWalkRef = new Map<string, CommitInfo>();
  let commits = 0;
  let lastCommit: string | undefined;
  const parser = new PatchParser({
    added(added) {
      files++;
      bytes += added.text.length;
      if (added.commit !== undefined && added.commit.sha !== lastCommit) {
        lastCommit = added.commit.sha;
        commits++;
      }
      // Staged changes are files of the index, not commits.
      options.onProgress?.(added.commit === undefined ? { unit: 'files', done: files, bytes, current: added.path } : { unit: 'commits', done: commits, bytes, current: `${added.commit.sha.slice(0, 12)} ${added.path}` });
      if (walkedFrom === undefined || added.commit === undefined) return detect(added);
      const { sha } = added.commit;
      const commit = withWalkRef.get(sha) ?? withRef(added.commit, walkedFrom.get(sha));
      withWalkRef.set(sha, commit);
      return detect({ ...added, commit });
    },
    notice(notice) {
      notices.push(notice);
    },
  });
  try {
    // Every ref is read even when HEAD is unborn (an orphan branch checked out): the others still hold history.
    const selectsAllRefs = options.selection.kind === 'history' && options.selection.refs === 'all';
    if (hasHead || selectsAllRefs) {
      await streamChanges(options, sinceSeconds, repo.root, spool, parser, (commits) => (walkedFrom = commits));
      await parser.flush();
    }
  } catch (error) {
    // Stop the workers, or they keep the process alive after git failed.
    await detector?.finish().catch(() => undefined);
    throw error;
  }
  // Each change waited for its detection to be taken in: with no change at all, no detector was built.
  const hits = detector === undefined ? [] : await detector.finish();
  let findings: Finding[] = groupFindings(hits, new Map((await loadRules()).rules.map((rule) => [rule.id, rule])));
  let historyFacts: HistoryFacts | undefined;
  if (options.selection.kind !== 'staged') {
    const facts = await gatherHistoryFacts(findings, repo.root, options.shard !== undefined);
    findings = composeHistory(findings, facts);
    if (options.shard !== undefined) historyFacts = facts;
  }
  if (!repo.bare) {
    for (const submodule of await submodulesOf(repo.root)) {
      if (!options.submodules || !submodule.checkedOut) {
        const why = options.submodules ? 'it is not checked out' : 'use --submodules to scan it';
        notices.push({ level: 'note', code: 'submodule-skipped', message: `submodule not scanned: ${why}`, path: submodule.path });
        continue;
      }
      const inner = await scanGit({ ...options, ruleset: await loadRules(), repo: path.join(repo.root, submodule.path), cwd: repo.root });
      findings = [...findings, ...inner.findings.map((finding) => prefixed(finding, submodule.path))];
      notices.push(...inner.notices.map((notice) => (notice.path === undefined ? notice : { ...notice, path: `${submodule.path}/${notice.path}` })));
      files += inner.stats.files;
      bytes += inner.stats.bytes;
    }
  }
  return { findings, notices: notices.sort(compareNotices), stats: { files, bytes, durationMs: performance.now() - started }, ...(historyFacts === undefined ? {} : { historyFacts }) };
}

function withRef(commit: CommitInfo, ref: string | undefined): CommitInfo {
  const { ref: _given, ...rest } = commit;
  return ref === undefined || ref === '' ? rest : { ...rest, ref: shortRef(ref) };
}

/**
 * Repositories whose objects take at most this much (packed and loose) have their history spooled
 * through a temporary file (see `spoolGit`). The log is typically two to five times the packed size
 * (40 MB for express's 17.5 MiB); larger repositories stream through a pipe, so that a scan does not
 * fill a temporary folder with gigabytes.
 */
const SPOOL_REPOSITORY_LIMIT_KIB = 64 * 1024;

/** Whether `git count-objects -v` output shows a repository small enough to spool its history (sizes in KiB). */
export function fitsSpool(countObjects: string): boolean {
  const kib = (field: string) => Number(new RegExp(`^${field}: (\\d+)$`, 'm').exec(countObjects)?.[1] ?? Number.NaN);
  const total = kib('size') + kib('size-pack');
  return Number.isFinite(total) && total <= SPOOL_REPOSITORY_LIMIT_KIB;
}

async function spoolable(root: string): Promise<boolean> {
  return fitsSpool(await gitOutput(['count-objects', '-v'], root).catch(() => ''));
}

/** Git's patches for the selection, line by line into `parser`; for a shard, only its commits' patches. `spool`: through a temporary file (`spoolable`). */
async function streamChanges(options: GitScanOptions, sinceSeconds: number | undefined, root: string, spool: boolean, parser: PatchParser, walked: (commits: ReadonlyMap<string, string>) => void): Promise<void> {
  const { selection, shard } = options;
  const read = spool ? spoolGit : streamGit;
  if (shard === undefined || selection.kind === 'staged') {
    await read(logArguments(options, sinceSeconds), root, (line) => parser.line(line));
    return;
  }
  const commits = await shardCommits(walkArguments(selection, walkLimits(options, sinceSeconds)), root, shard);
  walked(commits);
  // With no revision at all, `git log --stdin` would show HEAD.
  if (commits.size === 0) return;
  await read(['log', ...PATCH_ARGUMENTS, '--no-walk=unsorted', '--stdin'], root, (line) => parser.line(line), `${[...commits.keys()].join('\n')}\n`);
}

