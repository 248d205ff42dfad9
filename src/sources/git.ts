/**
 * Git source: streams `git log -p -U0` (or `git diff --cached -U0`) and yields, per commit and
 * file, the lines that commit added with their line numbers in the new file. Output is parsed as
 * it arrives, so memory stays bounded whatever the size of the history.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { CommitInfo, Notice } from '../types.js';

/** Lines a commit (or the index) added to one file. */
export interface AddedLines {
  readonly path: string;
  /** The commit, or undefined for staged changes. */
  readonly commit?: CommitInfo;
  readonly text: string;
  /** `lineNumbers[i]` is the line in the new file of the text's line i + 1 (lines as the detector counts them: a lone CR ends one). */
  readonly lineNumbers: readonly number[];
}

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** Added lines of one file in one commit beyond this are skipped with a notice (generated files, dumps). */
export const MAX_ADDED_BYTES_PER_FILE = 10 * 1024 * 1024;

export const COMMIT_MARK = '\x1ecommit\x1f';
/**
 * `%x1e` marks a commit header; the fields no one controls share its line, and the three anyone can
 * set (author, email, subject: none can hold a line feed) follow on lines of their own, so no byte
 * in them can shift a field. `%S` needs `--source`.
 */
export const LOG_FORMAT = '--format=%x1ecommit%x1f%H%x1f%aI%x1f%S%n%an%n%ae%n%s';
const HEADER_FIELD_LINES = 3;

/**
 * Options every diff we read needs whatever the user's configuration or the repository's attributes
 * say: no context or colour (`diff.interHunkContext`, `color.diff`), our own path prefixes
 * (`diff.noprefix`, `diff.mnemonicPrefix`), whole-repository paths (`diff.relative`), no external
 * diff or text conversion, and every file as text, since a `.gitattributes` line (`*.env binary`)
 * would otherwise hide a file's lines; binary content is told by its NUL bytes, as the file scanner does.
 * No rename detection (`diff.renames`): a renamed file is a file added at its new path with every
 * line, so a secret it holds is found there and known to be still at HEAD, not "removed" by the
 * rename; and git skips the similarity search, a quarter of its time on a long history.
 */
export const DIFF_OPTIONS: readonly string[] = ['-U0', '--inter-hunk-context=0', '--text', '--no-color', '--no-ext-diff', '--no-textconv', '--no-relative', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/'];

/** `refs/heads/x` → `x`, `refs/remotes/origin/x` → `origin/x`, `refs/pull/1/head` → `pull/1/head`. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(?:heads|remotes|tags)\//, '').replace(/^refs\//, '');
}

const C_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };

/** Git's C-style quoting of unusual paths: `"dir/\303\251t\303\251 \"x\".txt"`; bytes that are not UTF-8 become U+FFFD. */
export function unquoteGitPath(raw: string): string {
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"')) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4))?.[0];
    if (octal !== undefined) {
      bytes.push(parseInt(octal, 8) & 0xff);
      i += octal.length;
    } else {
      const next = body[i + 1] ?? '\\';
      bytes.push(...(C_ESCAPES[next] === undefined ? Buffer.from(next, 'utf8') : [C_ESCAPES[next]]));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The first line of a commit header: sha, author date, the ref the walk came from. */
function commitMarkFields(line: string): { readonly sha: string; readonly date: string; readonly ref?: string } {
  const [sha = '', date = '', ref = ''] = line.slice(COMMIT_MARK.length).split('\x1f');
  return { sha, date, ...(ref === '' ? {} : { ref: shortRef(ref) }) };
}

/** Reads the commit headers `LOG_FORMAT` prints, one line at a time; answers the commit once it is whole. */
class CommitHeaderReader {
  private mark: string | undefined;
  private fields: string[] = [];

  /** Which part of a commit header the line is, if any; `done` is called with the commit on its last line. */
  line(line: string, done: (commit: CommitInfo) => void): 'mark' | 'field' | undefined {
    if (this.mark === undefined) {
      if (!line.startsWith(COMMIT_MARK)) return undefined;
      this.mark = line;
      this.fields = [];
      return 'mark';
    }
    this.fields.push(line);
    if (this.fields.length === HEADER_FIELD_LINES) {
      const [author = '', email = '', subject = ''] = this.fields;
      const { sha, date, ref } = commitMarkFields(this.mark);
      this.mark = undefined;
      done({ sha, author, email, date, subject, ...(ref === undefined ? {} : { ref }) });
    }
    return 'field';
  }
}

/** `+++ b/path` (or `+++ "b/quoted path"`) → path; `+++ /dev/null` → undefined. Same for `--- a/path`. */
function headerPath(line: string, prefix: 'a/' | 'b/'): string | undefined {
  // Git ends the name with a tab when it contains a space, so a trailing space stays visible.
  const raw = line.slice(4).replace(/\t$/, '');
  if (raw === '/dev/null') return undefined;
  const unquoted = unquoteGitPath(raw);
  return unquoted.startsWith(prefix) ? unquoted.slice(2) : unquoted;
}

/** The line counts of a hunk header: `@@ -a,b +c,d @@`, or `@@@ -a,b -c,d +e,f @@@` in a combined diff (one old range per parent). */
export function parseHunkHeader(line: string): { readonly oldCounts: readonly number[]; readonly newStart: number; readonly newCount: number } | undefined {
  const match = /^(@@+) ((?:-\d+(?:,\d+)? )+)\+(\d+)(?:,(\d+))? \1(?: |$)/.exec(line);
  if (!match) return undefined;
  const oldCounts = match[2]!.trim().split(' ').map((range) => Number(range.split(',')[1] ?? 1));
  if (oldCounts.length !== match[1]!.length - 1) return undefined;
  const header = { oldCounts, newStart: Number(match[3]), newCount: Number(match[4] ?? 1) };
  // No file git diffs has 2^53 lines; such a header is not git's, and its numbers would not be line numbers.
  return [...oldCounts, header.newStart, header.newCount].every(Number.isSafeInteger) ? header : undefined;
}

/** What one line of a hunk is, from its prefix column per parent: in the new file, and added against every parent. */
function hunkLineKind(line: string, parents: number): { readonly inNewFile: boolean; readonly added: boolean } | undefined {
  let inNewFile = true;
  let added = true;
  for (let parent = 0; parent < parents; parent++) {
    const column = line[parent];
    if (column === '+') continue;
    if (column === '-') inNewFile = false;
    else if (column !== ' ') return undefined;
    added = false;
  }
  return { inNewFile, added };
}

/** Carriage returns inside a line; one at its end meets the joining line feed and ends the line once. */
function loneCarriageReturns(line: string): number {
  let count = 0;
  for (let at = line.indexOf('\r'); at !== -1 && at < line.length - 1; at = line.indexOf('\r', at + 1)) count++;
  return count;
}

/** Lines a commit removed from one file (its old path). */
export interface RemovedLines {
  readonly path: string;
  readonly commit?: CommitInfo;
  readonly text: string;
}

export interface ParseSink {
  /** May return a promise to ask the reader to wait (the detection workers are busy). */
  added(lines: AddedLines): void | Promise<void>;
  /** Asked for by history lookups only; a scan does not keep removed lines. */
  removed?(lines: RemovedLines): void;
  notice(notice: Notice): void;
}

/**
 * Incremental parser of unified (and combined) diffs; feed it lines in order. Headers are read only
 * between hunks: inside one, exactly as many lines as its header counts are content, whatever they
 * look like.
 */
export class PatchParser {
  private readonly headers = new CommitHeaderReader();
  private commit: CommitInfo | undefined;
  private oldPath: string | undefined;
  private path: string | undefined;
  private lines: string[] = [];
  private numbers: number[] = [];
  private removedLines: string[] = [];
  private removedBytes = 0;
  private bytes = 0;
  private nextLine = 0;
  private oldLeft: number[] = [];
  private newLeft = 0;
  private oversized = false;
  private binary = false;

  constructor(private readonly sink: ParseSink) {}

  /** Returns the sink's promise when a finished file made it ask for a pause. */
  line(line: string): void | Promise<void> {
    if (this.inHunk() && this.hunkLine(line)) return undefined;
    this.oldLeft = [];
    this.newLeft = 0;
    // An author, email or subject line is that field, whatever it looks like.
    const header = this.headers.line(line, (commit) => {
      this.commit = commit;
    });
    if (header === 'mark') {
      const wait = this.flush();
      this.commit = undefined;
      this.oldPath = this.path = undefined;
      return wait;
    }
    return header === undefined ? this.fileHeader(line) : undefined;
  }

  private fileHeader(line: string): void | Promise<void> {
    if (line.startsWith('diff ')) {
      const wait = this.flush();
      this.oldPath = this.path = undefined;
      return wait;
    }
    if (line.startsWith('--- ')) this.oldPath = headerPath(line, 'a/');
    else if (line.startsWith('+++ ')) this.path = headerPath(line, 'b/');
    else if (line.startsWith('@@')) this.startHunk(line);
    return undefined;
  }

  private inHunk(): boolean {
    return this.newLeft > 0 || this.oldLeft.some((left) => left > 0);
  }

  private startHunk(line: string): void {
    const hunk = parseHunkHeader(line);
    if (hunk === undefined) return;
    this.oldLeft = [...hunk.oldCounts];
    this.newLeft = hunk.newCount;
    this.nextLine = hunk.newStart;
  }

  /** Takes one content line of the current hunk; false when the line cannot be one (git never writes that). */
  private hunkLine(line: string): boolean {
    if (line.startsWith('\\')) return true;
    const parents = this.oldLeft.length;
    const kind = hunkLineKind(line, parents);
    if (kind === undefined) return false;
    const text = line.slice(parents);
    for (let parent = 0; parent < parents; parent++) if (line[parent] !== '+') this.oldLeft[parent]!--;
    if (kind.inNewFile) this.newLeft--;
    if (kind.added) this.addLine(text);
    else if (kind.inNewFile) this.nextLine++;
    else if (this.sink.removed !== undefined && parents === 1) this.removeLine(text);
    return true;
  }

  private removeLine(text: string): void {
    this.removedBytes += text.length + 1;
    if (this.removedBytes <= MAX_ADDED_BYTES_PER_FILE) this.removedLines.push(text);
  }

  private addLine(text: string): void {
    const lineNumber = this.nextLine++;
    if (this.oversized || this.binary) return;
    if (text.includes('\0')) {
      this.binary = true;
      this.sink.notice({ level: 'note', code: 'binary-skipped', message: `binary file in commit ${this.commit?.sha.slice(0, 12) ?? 'staged'}; not scanned`, path: this.path ?? this.oldPath ?? '' });
      return;
    }
    this.bytes += text.length + 1;
    if (this.bytes > MAX_ADDED_BYTES_PER_FILE) {
      this.oversized = true;
      this.sink.notice({ level: 'note', code: 'file-too-large', message: `more than ${MAX_ADDED_BYTES_PER_FILE} bytes added in commit ${this.commit?.sha.slice(0, 12) ?? 'staged'}; not scanned`, path: this.path ?? this.oldPath ?? '' });
      return;
    }
    this.lines.push(text);
    // The detector ends a line at a lone carriage return too: each piece is still this line of git's.
    for (let piece = 0; piece <= loneCarriageReturns(text); piece++) this.numbers.push(lineNumber);
  }

  flush(): void | Promise<void> {
    const commit = this.commit === undefined ? {} : { commit: this.commit };
    if (this.oldPath !== undefined && this.removedLines.length > 0) this.sink.removed?.({ path: this.oldPath, ...commit, text: this.removedLines.join('\n') });
    const wait =
      this.path !== undefined && this.lines.length > 0 && !this.oversized && !this.binary
        ? this.sink.added({ path: this.path, ...commit, text: this.lines.join('\n'), lineNumbers: this.numbers })
        : undefined;
    this.lines = [];
    this.numbers = [];
    this.removedLines = [];
    this.removedBytes = 0;
    this.bytes = 0;
    this.oversized = false;
    this.binary = false;
    return wait;
  }
}

/** Longest line kept, in characters: a longer one is cut, its start (which says what the line is) kept, so it still counts in its hunk. */
export const MAX_LINE_CHARS = MAX_ADDED_BYTES_PER_FILE + 1;

/**
 * Splits git's output into lines at line feeds only: a carriage return is content (readline would
 * break a line there, and what follows it would no longer look added).
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  *push(chunk: Buffer): Generator<string> {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield this.take(text.slice(start, end));
      start = end + 1;
    }
    this.keep(text.slice(start));
  }

  /** The last line when the output did not end with a line feed. */
  end(): string | undefined {
    this.keep(this.decoder.end());
    return this.pending.length > 0 ? this.take('') : undefined;
  }

  private keep(text: string): void {
    if (this.pending.length < MAX_LINE_CHARS) this.pending += text.slice(0, MAX_LINE_CHARS - this.pending.length);
  }

  private take(last: string): string {
    this.keep(last);
    const line = this.pending;
    this.pending = '';
    return line;
  }
}

async function readLines(input: AsyncIterable<Buffer>, onLine: (line: string) => void | Promise<void>): Promise<void> {
  const splitter = new LineSplitter();
  for await (const chunk of input) {
    for (const line of splitter.push(chunk)) {
      const wait = onLine(line);
      if (wait) await wait;
    }
  }
  const last = splitter.end();
  if (last !== undefined) await onLine(last);
}

/** Enough of git's error output for its first line; a hostile repository cannot make us hold more. */
const MAX_STDERR_CHARS = 64 * 1024;

/**
 * Runs git and hands each output line to `onLine`; rejects with git's own message on failure.
 * When `onLine` returns a promise, reading pauses until it settles, so a slow consumer holds git
 * back instead of buffering its output. `input`, when given, is written to git's standard input.
 */
export function streamGit(args: readonly string[], cwd: string, onLine: (line: string) => void | Promise<void>, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...OUTPUT_SETTINGS.flatMap((setting) => ['-c', setting]), ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = collectStderr(child);
    // git stops reading when it fails; its error, not EPIPE, is the answer.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    const reading = readLines(child.stdout, onLine).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)));
    child.on('close', (code) => {
      reading.then(() => {
        if (code === 0) resolve();
        else reject(gitFailure(args, code, stderr()));
      }, reject);
    });
  });
}

/** Settings that would change what git prints: a root commit without its diff, a blank context line without its space, signature lines. */
const OUTPUT_SETTINGS = ['core.quotepath=on', 'color.ui=false', 'log.showSignature=false', 'log.showRoot=true', 'diff.suppressBlankEmpty=false'];

/** Bytes read from the spool file at a time. */
const SPOOL_READ_BYTES = 1024 * 1024;
/** How long the reader waits for git to write more, when it has read everything so far. */
const SPOOL_WAIT_MS = 1;

/** A failed git command as one line: the first line of its error output, or its exit code. */
function gitFailure(args: readonly string[], code: number | null, stderr: string): GitError {
  return new GitError(stderr.trim().split('\n')[0] || `git ${args[0]} exited with ${code}`);
}

/** git's error output, kept up to `MAX_STDERR_CHARS`. */
function collectStderr(child: ChildProcess): () => string {
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < MAX_STDERR_CHARS) stderr += chunk;
  });
  return () => stderr;
}

/**
 * Like `streamGit`, but git writes its output to a temporary file that is read behind it. Through a
 * pipe, git waits whenever the reader is busy with a large file, and the reader waits whenever git
 * is: on the express history, writing to the file takes 1.25 s where the pipe takes 1.6. The file
 * is removed as soon as git has it open, so nothing is left behind, but it holds the whole output
 * until the scan ends: callers use it only for histories whose size they know to be bounded.
 * Falls back to the pipe when no temporary file can be made.
 */
export async function spoolGit(args: readonly string[], cwd: string, onLine: (line: string) => void | Promise<void>, input?: string): Promise<void> {
  let folder: string | undefined;
  let fd: number;
  try {
    folder = mkdtempSync(path.join(tmpdir(), 'keyleak-git-'));
    fd = openSync(path.join(folder, 'output'), 'w+', 0o600);
  } catch {
    if (folder !== undefined) removeSpool(folder);
    return streamGit(args, cwd, onLine, input);
  }
  try {
    const child = spawn('git', [...OUTPUT_SETTINGS.flatMap((setting) => ['-c', setting]), ...args], { cwd, stdio: ['pipe', fd, 'pipe'] });
    // git holds the file open from here; removing its name frees the space when both close it.
    removeSpool(folder);
    const stderr = collectStderr(child);
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)));
      child.on('close', resolve);
    });
    let done = false;
    void exited.then(
      () => (done = true),
      () => (done = true),
    );
    try {
      await readLines(spooledChunks(fd, () => done, exited), onLine);
    } catch (error) {
      child.kill();
      throw error;
    }
    const exit = await exited;
    if (exit !== 0) throw gitFailure(args, exit, stderr());
  } finally {
    closeSync(fd);
    removeSpool(folder);
  }
}

/**
 * The spool file's bytes as git writes them, read behind it: a read that finds nothing new waits
 * for git to write more, until git has `exited` (a last read then catches its last write). Each
 * chunk is the same buffer, valid until the next is asked for.
 */
async function* spooledChunks(fd: number, hasExited: () => boolean, exited: Promise<unknown>): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(SPOOL_READ_BYTES);
  let position = 0;
  for (;;) {
    const read = readSync(fd, buffer, 0, buffer.length, position);
    if (read > 0) {
      position += read;
      yield buffer.subarray(0, read);
    } else if (hasExited()) {
      if (readSync(fd, buffer, 0, 1, position) === 0) return;
    } else {
      await Promise.race([exited.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SPOOL_WAIT_MS))]);
    }
  }
}

/**
 * Removes a spool file's folder. Windows refuses while the file is open: then it goes once keyleak
 * has closed it (the second call); should that fail too, the folder stays in the temporary directory.
 */
function removeSpool(folder: string): void {
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // Still open elsewhere (Windows): the call after closing removes it.
  }
}

/** Whether a git command exits 0 (`merge-base --is-ancestor`, `rev-parse --verify`). */
export async function gitSucceeds(args: readonly string[], cwd: string): Promise<boolean> {
  return streamGit(args, cwd, () => undefined).then(
    () => true,
    () => false,
  );
}

/** A short answer read straight from git, for the start-up path (pre-commit) where loading simple-git costs more than the call. */
export async function gitOutput(args: readonly string[], cwd: string): Promise<string> {
  const lines: string[] = [];
  await streamGit(args, cwd, (line) => {
    lines.push(line);
  });
  return lines.join('\n');
}

/** Runs git for a small answer (rev-parse, for-each-ref, show) through simple-git; large outputs stream above. */
export async function runGit(args: readonly string[], cwd: string): Promise<string> {
  // Loaded on first use: the pre-commit path should not pay for what it does not call.
  const { simpleGit } = await import('simple-git');
  const output = await simpleGit({ baseDir: cwd, config: ['core.quotepath=on'] }).raw([...args]);
  return output.replace(/\n$/, '');
}

/** The URL of the repository's `origin` remote, or of its only remote; undefined when there is none. */
export async function remoteUrl(folder: string): Promise<string | undefined> {
  const remotes = (await gitOutput(['remote'], folder).catch(() => '')).split('\n').filter(Boolean);
  const name = remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0]! : undefined;
  if (name === undefined) return undefined;
  const url = (await gitOutput(['remote', 'get-url', '--end-of-options', name], folder).catch(() => '')).trim();
  return url === '' ? undefined : url;
}
