import { describe, expect, it } from 'vitest';
import { PatchParser, shortRef, unquoteGitPath, type AddedLines } from '../../src/sources/git.js';
import type { Notice } from '../../src/types.js';

function parse(lines: readonly string[]): { added: AddedLines[]; notices: Notice[] } {
  const added: AddedLines[] = [];
  const notices: Notice[] = [];
  const parser = new PatchParser({ added: (change) => void added.push(change), notice: (notice) => void notices.push(notice) });
  for (const line of lines) void parser.line(line);
  void parser.flush();
  return { added, notices };
}

describe('PatchParser', () => {
  it('collects the added lines of each file with their new line numbers, across hunks and commits', () => {
    const { added } = parse([
      '\x1ecommit\x1fabc123\x1fAda\x1fada@example.org\x1f2024-01-02T03:04:05+00:00\x1frefs/heads/main\x1fadd config',
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

  it('notes binary changes instead of scanning them', () => {
    const { added, notices } = parse(['\x1ecommit\x1fabc\x1fA\x1fa@b\x1f2024-01-01T00:00:00Z\x1f\x1fs', 'diff --git a/logo.png b/logo.png', 'Binary files /dev/null and b/logo.png differ']);
    expect(added).toEqual([]);
    expect(notices).toEqual([expect.objectContaining({ code: 'binary-skipped', path: 'logo.png' })]);
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
});
