/** The library entry point: paths in, grouped findings and notices out. Never prints, never exits. */
import { availableParallelism } from 'node:os';
import type { Hit, InlineAllow, Notice, Region, RulesetSpec, ScanProgress, ScanResult } from '../types.js';
import { compileRuleset } from '../ruleset/compile.js';
import { loadRuleset, onlyBuiltinRules, type LoadOptions } from '../ruleset/load.js';
import { enumerateFiles, type FileTarget } from '../sources/files.js';
import { compareInlineAllows, compareNotices, groupFindings } from '../post/findings.js';
import { scanFile, type FileLimits, type FileScanResult } from './file-scan.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../artifacts/limits.js';
import { WorkerPool, type PoolOptions } from './pool.js';
import type { ItemResult } from './worker-protocol.js';
import { DEFAULT_MAX_FILE_SIZE } from './limits.js';
import { inShard, type Shard } from './shard.js';


export interface ScanOptions {
  /** Files and folders to scan, relative to `cwd` (default `["."]`). */
  readonly paths?: readonly string[];
  readonly cwd?: string;
  /** A ruleset already loaded; otherwise the built-in rules plus `rules`. */
  readonly ruleset?: RulesetSpec;
  readonly rules?: LoadOptions;
  /** Files larger than this many bytes are skipped with a notice (default 10 MiB); archives and apps have their own limits. */
  readonly maxFileSize?: number;
  /** Limits for archives, app packages and decoded binaries (defaults: DEFAULT_ARCHIVE_LIMITS). */
  readonly archiveLimits?: Partial<ArchiveLimits>;
  /** Worker threads for detection; 1 scans on the calling thread (default: one per core). */
  readonly threads?: number;
  /** Honour .gitignore and .keyleakignore (default true). */
  readonly useIgnoreFiles?: boolean;
  /** More paths to leave out, gitignore syntax relative to `base` (keyleak.toml `ignore`). */
  readonly extraIgnore?: { readonly base: string; readonly patterns: readonly string[] };
  /** Milliseconds one rule may run on one file before it is stopped with a `rule-timeout` notice (default 2000). */
  readonly ruleTimeout?: number;
  /** Only the files of this shard, by a hash of the path reports show. */
  readonly shard?: Shard;
  /** Told how far the scan has got as files finish and a few times a second (a progress line); must not throw. */
  readonly onProgress?: (progress: ScanProgress) => void;
  /** The date a secret's own expiry is judged against (an Azure SAS's `se`): default, when the scan starts. */
  readonly now?: Date;
}

/** Small enough to balance load across workers, large enough that messaging cost stays negligible. */
const BATCH_FILES = 16;

/** Counts finished files and bytes for `onProgress`; a no-op without a listener. */
interface FileProgress {
  started(path: string): void;
  done(path: string, bytes: number): void;
  /** Sends the counts with what is being scanned now. */
  tick(current: string | undefined): void;
}

/** A snapshot a few times a second even while one large artifact keeps every worker busy. */
const PROGRESS_TICK_MS = 250;

function fileProgress(total: number, listener: ((progress: ScanProgress) => void) | undefined): FileProgress {
  let done = 0;
  let bytes = 0;
  let current: string | undefined;
  const send = () => listener?.({ unit: 'files', done, total, bytes, ...(current === undefined ? {} : { current }) });
  return {
    started(path) {
      current = path;
      send();
    },
    done(path, size) {
      done++;
      bytes += size;
      if (current === path) current = undefined;
      send();
    },
    tick(now) {
      current = now;
      send();
    },
  };
}

async function scanInWorkers(files: readonly FileTarget[], spec: RulesetSpec, now: number, limits: FileLimits, threads: number, guard: PoolOptions, progress: FileProgress | undefined): Promise<FileScanResult[]> {
  const batches: FileTarget[][] = [];
  for (let i = 0; i < files.length; i += BATCH_FILES) batches.push(files.slice(i, i + BATCH_FILES));
  const onItemDone = progress === undefined ? undefined : (path: string, result: ItemResult) => progress.done(path, 'bytes' in result ? result.bytes : 0);
  const pool = new WorkerPool({ ruleset: spec, limits, now }, Math.min(threads, batches.length), onItemDone === undefined ? guard : { ...guard, onItemDone });
  const ticker = progress === undefined ? undefined : setInterval(() => progress.tick(pool.working().sort()[0]), PROGRESS_TICK_MS);
  ticker?.unref();
  try {
    const replies = await Promise.all(batches.map((batch) => pool.run({ kind: 'files', batch })));
    return replies.flatMap((reply) => (reply.kind === 'files' ? reply.results : []));
  } finally {
    clearInterval(ticker);
    await pool.close();
  }
}

function scanOnThisThread(files: readonly FileTarget[], spec: RulesetSpec, now: number, limits: FileLimits, progress: FileProgress | undefined): FileScanResult[] {
  const ruleset = compileRuleset(spec, now);
  return files.map((file) => {
    progress?.started(file.display);
    const result = scanFile(file, ruleset, limits);
    progress?.done(file.display, result.bytes);
    return result;
  });
}

function linesOf(region: Region): number[] {
  return Array.from({ length: region.endLine - region.startLine + 1 }, (_, index) => region.startLine + index);
}

export async function scan(options: ScanOptions = {}): Promise<ScanResult> {
  const started = performance.now();
  const now = (options.now ?? new Date()).getTime();
  const cwd = options.cwd ?? process.cwd();
  const spec = options.ruleset ?? (await loadRuleset(options.rules, cwd));
  const limits: FileLimits = { maxFileSize: options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE, archive: { ...DEFAULT_ARCHIVE_LIMITS, ...options.archiveLimits } };
  const threads = options.threads ?? availableParallelism();
  const enumerated = await enumerateFiles(options.paths ?? ['.'], {
    cwd,
    useIgnoreFiles: options.useIgnoreFiles ?? true,
    ...(options.extraIgnore === undefined ? {} : { extraIgnore: options.extraIgnore }),
  });
  const { shard } = options;
  const enumeration = shard === undefined ? enumerated : { ...enumerated, files: enumerated.files.filter((file) => inShard(file.display, shard)) };
  // Only a worker can be stopped: rules that are not keyleak's own always run in one, under the time guard.
  const inWorkers = (threads > 1 && enumeration.files.length > 1) || (enumeration.files.length > 0 && !onlyBuiltinRules(spec));
  const guard: PoolOptions = options.ruleTimeout === undefined ? {} : { ruleTimeoutMs: options.ruleTimeout };
  const progress = options.onProgress === undefined ? undefined : fileProgress(enumeration.files.length, options.onProgress);
  const results = inWorkers ? await scanInWorkers(enumeration.files, spec, now, limits, Math.max(1, threads), guard, progress) : scanOnThisThread(enumeration.files, spec, now, limits, progress);

  const hits: Hit[] = [];
  const inlineAllows: InlineAllow[] = [];
  const notices: Notice[] = [...enumeration.notices];
  let bytes = 0;
  let files = 0;
  // Appended one by one: a file with 200 000 hits overflows the stack as spread arguments.
  for (const result of results) {
    for (const hit of result.hits) hits.push(hit);
    for (const allow of result.inlineAllows) inlineAllows.push(allow);
    for (const notice of result.notices) notices.push(notice);
    bytes += result.bytes;
    if (result.scanned) files++;
  }
  const rules = new Map(spec.rules.map((rule) => [rule.id, rule]));
  // A comment is used when it stands on a line a silenced hit points at (any line of a key block).
  const usedAllows = new Set(hits.filter((hit) => hit.allowedInline).flatMap((hit) => linesOf(hit.region).map((line) => `${hit.provenance.path}:${line}`)));
  return {
    findings: groupFindings(hits, rules),
    notices: notices.sort(compareNotices),
    stats: { files, bytes, durationMs: performance.now() - started },
    unusedInlineAllows: inlineAllows.filter((allow) => !usedAllows.has(`${allow.path}:${allow.line}`)).sort(compareInlineAllows),
  };
}
