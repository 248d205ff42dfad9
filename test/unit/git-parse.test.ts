import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_CHARS, parseHunkHeader, PatchParser, shortRef, unquoteGitPath, type AddedLines, type RemovedLines } from '../../src/sources/git.js';
import type { Notice } from '../../src/types.js';

function parse(lines: readonly string[]): { added: AddedLines[]; removed: RemovedLines[]; notices: Notice[] } {
  const added: AddedLines[] = [];
  const removed: RemovedLines[] = [];
  const notices: Notice[] = [];
  const parser = new PatchParser({ added: (change) => void added.push(change), removed: (change) => void removed.push(change), notice: (notice) => void notices.push(notice) });
  for (const line of lines) void parser.line(line);
  void parser.flush();
  return { added, removed, notices };
}

/** The header lines LOG_FORMAT prints for one commit. */
const header = (sha: string, subject = 's', ref = 'refs/heads/main') => [`\x1ecommit\x1f${sha}\x1f2024-01-02T03:04:05+00:00\x1f${ref}`, 'Ada', 'ada@example.org', subject];
const COMMIT = { sha: 'abc123', author: 'Ada', email: 'ada@example.org', date: '2024-01-02T03:04:05+00:00', subject: 's', ref: 'main' };

describe('PatchParser', () => {
  it('collects the added lines of each file with their new line numbers, across hunks and commits', () => {
    const { added } = parse([
      ...header('abc123', 'add config'),
      'diff --git a/app.env b/app.env',
      '--- a/app.env',
      '+++ b/app.env',
      '@@ -1,0 +2,2 @@',
      '+FIRST=1',
      '+SECOND=2',
      '@@ -9 +10 @@',
      '-old',
      '+TENTH=10',
      'diff --git a/gone.txt b/gone.txt',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-removed',
    ]);
    expect(added).toEqual([
      {
        path: 'app.env',
        commit: { sha: 'abc123', author: 'Ada', email: 'ada@example.org', date: '2024-01-02T03:04:05+00:00', subject: 'add config', ref: 'main' },
        text: 'FIRST=1\nSECOND=2\nTENTH=10',
        lineNumbers: [2, 3, 10],
      },
    ]);
  });

  it('notes a file whose added lines hold a NUL byte as binary instead of scanning it', () => {
    const { added, notices } = parse([...header('abc'), 'diff --git a/logo.png b/logo.png', '+++ b/logo.png', '@@ -0,0 +1,2 @@', '+PNG\0\0', '+KEY=after', 'diff --git a/a.env b/a.env', '+++ b/a.env', '@@ -0,0 +1 @@', '+A=1']);
    expect(added.map((change) => change.path)).toEqual(['a.env']);
    expect(notices).toEqual([expect.objectContaining({ code: 'binary-skipped', path: 'logo.png' })]);
  });

  it('reads exactly the counted lines of a hunk as content, whatever they look like', () => {
    const lookalikes = ['++ /dev/null', '++ b/other.txt', '-- a/x', '@@ -1 +9 @@', 'diff --git a/q b/q', '\x1ecommit\x1fdead\x1f2020-01-01T00:00:00Z\x1f', 'Binary files a/x and b/x differ'];
    const { added, removed } = parse([
      ...header('abc123'),
      'diff --git a/c.env b/c.env',
      '--- a/c.env',
      '+++ b/c.env',
      `@@ -1,${lookalikes.length} +1,${lookalikes.length + 1} @@`,
      ...lookalikes.map((line) => `-${line}`),
      '\\ No newline at end of file',
      ...lookalikes.map((line) => `+${line}`),
      '+KEY=after',
      '\\ No newline at end of file',
      'diff --git a/d.env b/d.env',
      '--- /dev/null',
      '+++ b/d.env',
      '@@ -0,0 +1 @@',
      '+D=1',
    ]);
    expect(added).toEqual([
      { path: 'c.env', commit: COMMIT, text: [...lookalikes, 'KEY=after'].join('\n'), lineNumbers: [1, 2, 3, 4, 5, 6, 7, 8] },
      { path: 'd.env', commit: COMMIT, text: 'D=1', lineNumbers: [1] },
    ]);
    expect(removed).toEqual([{ path: 'c.env', commit: COMMIT, text: lookalikes.join('\n') }]);
  });

  it('passes over mode-only changes, pure renames and submodule entries to the next file', () => {
    const { added } = parse([
      ...header('abc123'),
      'diff --git a/run.sh b/run.sh',
      'old mode 100644',
      'new mode 100755',
      'diff --git a/old.env b/new.env',
      'similarity index 100%',
      'rename from old.env',
      'rename to new.env',
      'diff --git a/vendor/lib b/vendor/lib',
      'new file mode 160000',
      'index 0000000..1234567',
      '--- /dev/null',
      '+++ b/vendor/lib',
      '@@ -0,0 +1 @@',
      '+Subproject commit 1234567890abcdef1234567890abcdef12345678',
      'diff --git a/a.env b/a.env',
      '+++ b/a.env',
      '@@ -0,0 +1 @@',
      '+A=1',
    ]);
    expect(added.map((change) => [change.path, change.text])).toEqual([
      ['vendor/lib', 'Subproject commit 1234567890abcdef1234567890abcdef12345678'],
      ['a.env', 'A=1'],
    ]);
  });

  it('keeps every field of a commit whole, separator bytes included', () => {
    const { added } = parse(['\x1ecommit\x1fabc\x1f2024-01-02T03:04:05+00:00\x1f', 'Eve\x1fM', 'e\x1f@x', 'a\x1esubject\x1fwith\x1ecommit\x1f', 'diff --git a/a b/a', '+++ b/a', '@@ -0,0 +1 @@', '+A']);
    expect(added[0]?.commit).toEqual({ sha: 'abc', author: 'Eve\x1fM', email: 'e\x1f@x', date: '2024-01-02T03:04:05+00:00', subject: 'a\x1esubject\x1fwith\x1ecommit\x1f' });
  });

  it('reads an author, email or subject that starts like a commit header or a diff header as that field', () => {
    const mark = '\x1ecommit\x1fdead\x1f2020-01-01T00:00:00Z\x1f';
    const { added } = parse(['\x1ecommit\x1fabc\x1f2024-01-02T03:04:05+00:00\x1f', mark, 'diff --git a/x b/x', mark, 'diff --git a/a b/a', '+++ b/a', '@@ -0,0 +1 @@', '+A']);
    expect(added).toEqual([{ path: 'a', commit: { sha: 'abc', author: mark, email: 'diff --git a/x b/x', date: '2024-01-02T03:04:05+00:00', subject: mark }, text: 'A', lineNumbers: [1] }]);
  });

  it('in a combined diff of a merge, takes only the lines new against every parent, numbered in the merge result', () => {
    const { added } = parse([...header('abc123'), 'diff --cc app.env', 'index 1,2..3', '--- a/app.env', '+++ b/app.env', '@@@ -1,1 -1,1 +1,3 @@@', '- OURS', ' -THEIRS', '++EVIL=1', '+ FROM_THEIRS', ' +FROM_OURS']);
    expect(added).toEqual([{ path: 'app.env', commit: COMMIT, text: 'EVIL=1', lineNumbers: [1] }]);
  });

  it('counts context lines (GIT_DIFF_OPTS=--unified=N overrides -U0) without taking them as added', () => {
    const { added } = parse(['diff --git a/a b/a', '+++ b/a', '@@ -1,3 +1,4 @@', ' A=1', ' ', '-old', '+NEW=1', '+ ++ b/x', '@@ -9 +10 @@', ' Z=1']);
    expect(added).toEqual([{ path: 'a', text: 'NEW=1\n ++ b/x', lineNumbers: [3, 4] }]);
  });

  it('numbers each piece of a line holding a carriage return with that line', () => {
    const { added } = parse(['diff --git a/a b/a', '+++ b/a', '@@ -0,0 +4,2 @@', '+A=1\rB=2\rC=3', '+D=4\r']);
    expect(added).toEqual([{ path: 'a', text: 'A=1\rB=2\rC=3\nD=4\r', lineNumbers: [4, 4, 4, 5] }]);
  });
});

describe('parseHunkHeader', () => {
  it('reads counts, one when omitted, and one old range per parent', () => {
    expect(parseHunkHeader('@@ -3 +4,0 @@ fn()')).toEqual({ oldCounts: [1], newStart: 4, newCount: 0 });
    expect(parseHunkHeader('@@@ -1,2 -3,4 +5,6 @@@')).toEqual({ oldCounts: [2, 4], newStart: 5, newCount: 6 });
    expect(parseHunkHeader('@@@ -1,2 +5,6 @@@')).toBeUndefined();
    expect(parseHunkHeader('@@ nonsense @@')).toBeUndefined();
  });
});

describe('LineSplitter', () => {
  it('splits at line feeds only, across chunks, with multi-byte characters cut between chunks', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('a\rb\r\nc\né\nlast');
    const lines = [...splitter.push(bytes.subarray(0, 8)), ...splitter.push(bytes.subarray(8, 10)), ...splitter.push(bytes.subarray(10))];
    expect([...lines, splitter.end()]).toEqual(['a\rb\r', 'c', 'é', 'last']);
  });

  it('cuts a line longer than the limit and still ends it at its line feed', () => {
    const splitter = new LineSplitter();
    const long = Buffer.alloc(MAX_LINE_CHARS + 10, 'x');
    long[0] = '+'.charCodeAt(0);
    const lines = [...splitter.push(long), ...splitter.push(Buffer.from('\n+next\n'))];
    expect(lines.map((line) => [line[0], line.length])).toEqual([['+', MAX_LINE_CHARS], ['+', 5]]);
    expect(splitter.end()).toBeUndefined();
  });
});

describe('shortRef', () => {
  it('drops the namespaces people do not type', () => {
    expect(shortRef('refs/heads/feature/x')).toBe('feature/x');
    expect(shortRef('refs/remotes/origin/main')).toBe('origin/main');
    expect(shortRef('refs/pull/12/head')).toBe('pull/12/head');
  });
});

describe('unquoteGitPath', () => {
  it('reads git C-style quoting, octal UTF-8 bytes included', () => {
    expect(unquoteGitPath('plain/path.txt')).toBe('plain/path.txt');
    expect(unquoteGitPath('"b/odd name\\nwith \\"quotes\\".env"')).toBe('b/odd name\nwith "quotes".env');
    expect(unquoteGitPath('"caf\\303\\251.env"')).toBe('café.env');
  });

  it('reads every escape git writes, and turns bytes that are not UTF-8 into U+FFFD', () => {
    expect(unquoteGitPath('"\\a\\b\\t\\n\\v\\f\\r\\"\\\\\\001\\177"')).toBe('\x07\b\t\n\v\f\r"\\\x01\x7f');
    expect(unquoteGitPath('"bad\\377\\376.env"')).toBe('bad\ufffd\ufffd.env');
    expect(unquoteGitPath('"')).toBe('"');
    expect(unquoteGitPath('"trailing\\"')).toBe('trailing\\');
  });
});
