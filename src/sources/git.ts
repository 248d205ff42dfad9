/**
 * Git source: streams `git log -p -U0` (or `git diff --cached -U0`) and yields, per commit and
 * file, the lines that commit added with their line numbers in the new file. Output is parsed as
 * it arrives, so memory stays bounded whatever the size of the history.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CommitInfo, Notice } from '../types.js';

/** Lines a commit (or the index) added to one file. */
export interface AddedLines {
  readonly path: string;
  /** The commit, or undefined for staged changes. */
  readonly commit?: CommitInfo;
  readonly text: string;
  /** `lineNumbers[i]` is the line in the new file of the text's line i + 1. */
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
/** `%x1e` marks a commit header so no subject or path can be mistaken for one; `%S` needs `--source`. */
export const LOG_FORMAT = '--format=%x1ecommit%x1f%H%x1f%an%x1f%ae%x1f%aI%x1f%S%x1f%s';

/** `refs/heads/x` → `x`, `refs/remotes/origin/x` → `origin/x`, `refs/pull/1/head` → `pull/1/head`. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(?:heads|remotes|tags)\//, '').replace(/^refs\//, '');
}

/** Git's C-style quoting of unusual paths: `"dir/\303\251t\303\251 \"x\".txt"`. */
export function unquoteGitPath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"')) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const escapes: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseCommitHeader(line: string): CommitInfo {
  const [sha = '', author = '', email = '', date = '', ref = '', ...subject] = line.slice(COMMIT_MARK.length).split('\x1f');
  return { sha, author, email, date, subject: subject.join('\x1f'), ...(ref === '' ? {} : { ref: shortRef(ref) }) };
}

/** `+++ b/path` (or `+++ "b/quoted path"`) → path; `+++ /dev/null` → undefined. */
function newPath(line: string): string | undefined {
  // Git ends the name with a tab when it contains a space, so a trailing space stays visible.
  const raw = line.slice(4).replace(/\t$/, '');
  if (raw === '/dev/null') return undefined;
  const unquoted = unquoteGitPath(raw);
  return unquoted.startsWith('b/') ? unquoted.slice(2) : unquoted;
}

export interface ParseSink {
  /** May return a promise to ask the reader to wait (the detection workers are busy). */
  added(lines: AddedLines): void | Promise<void>;
  notice(notice: Notice): void;
}

/** Incremental parser of unified diffs with zero context; feed it lines in order. */
export class PatchParser {
  private commit: CommitInfo | undefined;
  private path: string | undefined;
  private lines: string[] = [];
  private numbers: number[] = [];
  private bytes = 0;
  private nextLine = 0;
  private oversized = false;

  constructor(private readonly sink: ParseSink) {}

  /** Returns the sink's promise when a finished file made it ask for a pause. */
  line(line: string): void | Promise<void> {
    if (line.startsWith(COMMIT_MARK)) {
      const wait = this.flush();
      this.commit = parseCommitHeader(line);
      this.path = undefined;
      return wait;
    } else if (line.startsWith('diff --git ')) {
      const wait = this.flush();
      this.path = undefined;
      return wait;
    } else if (line.startsWith('+++ ')) {
      this.path = newPath(line);
    } else if (line.startsWith('@@ ')) {
      const match = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      this.nextLine = match ? Number(match[1]) : 0;
    } else if (line.startsWith('+') && this.path !== undefined) {
      this.addLine(line.slice(1));
    } else if (line.startsWith('Binary files ') && line.endsWith(' differ')) {
      const path = / and "?b\/(.*?)"? differ$/.exec(line)?.[1];
      if (path !== undefined) this.sink.notice({ level: 'note', code: 'binary-skipped', message: `binary file in commit ${this.commit?.sha.slice(0, 12) ?? 'staged'}; not scanned`, path });
    }
  }

  private addLine(text: string): void {
    if (this.oversized) return;
    this.bytes += text.length + 1;
    if (this.bytes > MAX_ADDED_BYTES_PER_FILE) {
      this.oversized = true;
      this.sink.notice({ level: 'note', code: 'file-too-large', message: `more than ${MAX_ADDED_BYTES_PER_FILE} bytes added in commit ${this.commit?.sha.slice(0, 12) ?? 'staged'}; not scanned`, path: this.path! });
      return;
    }
    this.lines.push(text);
    this.numbers.push(this.nextLine++);
  }

  flush(): void | Promise<void> {
    const wait =
      this.path !== undefined && this.lines.length > 0 && !this.oversized
        ? this.sink.added({ path: this.path, ...(this.commit === undefined ? {} : { commit: this.commit }), text: this.lines.join('\n'), lineNumbers: this.numbers })
        : undefined;
    this.lines = [];
    this.numbers = [];
    this.bytes = 0;
    this.oversized = false;
    return wait;
  }
}

/**
 * Runs git and hands each output line to `onLine`; rejects with git's own message on failure.
 * When `onLine` returns a promise, reading pauses until it settles, so a slow consumer holds git
 * back instead of buffering its output.
 */
export function streamGit(args: readonly string[], cwd: string, onLine: (line: string) => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=on', '-c', 'color.ui=false', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const wait = onLine(line);
      if (wait) {
        lines.pause();
        void wait.then(() => lines.resume());
      }
    });
    child.on('error', (error) => reject(new GitError(`cannot run git: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new GitError(stderr.trim().split('\n')[0] || `git ${args[0]} exited with ${code}`));
    });
  });
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
