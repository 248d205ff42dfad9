/** Working-tree scans: ignore files, .git, symlinks, size limits, explicit paths. In-process, one thread. */
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import { MissingPathError } from '../../src/sources/errors.js';
import type { ScanResult } from '../../src/types.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const KEYS = [
  'sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5',
  'sk_live_2HCj4caeN5BWdxj3sjZ7EQ0mtY8QCzc5XK7l0I5h',
  'sk_live_FqQFMYTMcRXrA8ZwHXWoWS7wnNkApq6r0PR95crj',
  'sk_live_PQOmHmO4kyU8kOa01NzNqBzUOnDA0dHw9Cf2lCst',
  'sk_live_24OTEPUKeEF0JrNuYfG7ZEaLtDcNX9lfKPHDnizS',
] as const;

/** `path:line:column` of every occurrence, sorted as reports list them. */
function locations(result: ScanResult): string[] {
  return result.findings.flatMap((finding) => finding.occurrences.map((o) => `${o.provenance.path}:${o.region.startLine}:${o.region.startColumn}`)).sort();
}

let tree: Tree;
afterEach(() => tree?.remove());

describe('working-tree scan', () => {
  it('honours root and nested .gitignore files, negations and .keyleakignore', async () => {
    tree = makeTree({
      '.gitignore': 'build/\n*.local\n!keep.local\n',
      '.keyleakignore': 'vendor/\n',
      'src/app.env': `KEY=${KEYS[0]}\n`,
      'build/out.env': `KEY=${KEYS[1]}\n`,
      'secret.local': `KEY=${KEYS[2]}\n`,
      'keep.local': `KEY=${KEYS[3]}\n`,
      'vendor/lib.env': `KEY=${KEYS[4]}\n`,
      'pkg/.gitignore': 'generated.env\n',
      'pkg/generated.env': `KEY=${KEYS[1]}\n`,
    });
    const result = await scan({ cwd: tree.root, threads: 1 });
    expect(locations(result)).toEqual(['keep.local:1:5', 'src/app.env:1:5']);
    const everything = await scan({ cwd: tree.root, threads: 1, useIgnoreFiles: false });
    expect(locations(everything)).toEqual(['build/out.env:1:5', 'keep.local:1:5', 'pkg/generated.env:1:5', 'secret.local:1:5', 'src/app.env:1:5', 'vendor/lib.env:1:5']);
  });

  it('scans a file named explicitly even when an ignore file lists it', async () => {
    tree = makeTree({ '.gitignore': '*.local\n', 'secret.local': `KEY=${KEYS[0]}\n` });
    const result = await scan({ cwd: tree.root, paths: ['secret.local'], threads: 1 });
    expect(locations(result)).toEqual(['secret.local:1:5']);
  });

  it('never descends into .git', async () => {
    tree = makeTree({ '.git/config': `token = ${KEYS[0]}\n`, '.git/objects/ab/cd': `${KEYS[1]}\n`, 'a.env': `KEY=${KEYS[2]}\n` });
    const result = await scan({ cwd: tree.root, threads: 1, useIgnoreFiles: false });
    expect(locations(result)).toEqual(['a.env:1:5']);
  });

  it('does not follow symlinks out of the scanned root, and says so', async () => {
    const outside = makeTree({ 'outside.env': `KEY=${KEYS[0]}\n` });
    tree = makeTree({ 'inside.env': `KEY=${KEYS[1]}\n` });
    symlinkSync(path.join(outside.root, 'outside.env'), path.join(tree.root, 'link-out.env'));
    symlinkSync(path.join(tree.root, 'inside.env'), path.join(tree.root, 'link-in.env'));
    const result = await scan({ cwd: tree.root, threads: 1 });
    outside.remove();
    expect(locations(result)).toEqual(['inside.env:1:5']);
    expect(result.notices.map((notice) => `${notice.code} ${notice.path}`)).toEqual(['symlink-outside-root link-out.env']);
  });

  it('skips files over --max-file-size with a notice, never silently', async () => {
    tree = makeTree({ 'big.env': `KEY=${KEYS[0]}\n${'#'.repeat(2000)}\n`, 'small.env': `KEY=${KEYS[1]}\n` });
    const result = await scan({ cwd: tree.root, threads: 1, maxFileSize: 1000 });
    expect(locations(result)).toEqual(['small.env:1:5']);
    expect(result.notices).toEqual([{ level: 'note', code: 'file-too-large', message: expect.stringContaining('over the 1000-byte limit'), path: 'big.env' }]);
  });

  it('groups one secret seen in several files into one finding with every occurrence', async () => {
    tree = makeTree({ 'a.env': `KEY=${KEYS[0]}\n`, 'b/c.env': `\n\n  KEY=${KEYS[0]}\n` });
    const result = await scan({ cwd: tree.root, threads: 1 });
    expect(result.findings).toHaveLength(1);
    expect(locations(result)).toEqual(['a.env:1:5', 'b/c.env:3:7']);
  });

  it('throws MissingPathError for a path that does not exist', async () => {
    tree = makeTree();
    await expect(scan({ cwd: tree.root, paths: ['nope'], threads: 1 })).rejects.toBeInstanceOf(MissingPathError);
  });
});
