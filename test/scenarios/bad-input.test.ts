/** A tree full of bad input completes, lists its notices and still finds the secrets it can read. */
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const READABLE_KEY = 'sk_live_Zi6HKurYmtX1awJGMoVg6oXHirC4duKMSaqBGuGa';
const UNREADABLE_KEY = 'sk_live_8ld8H4zD12ul2M8on63F4aTjUkxdyhJ5NNH1jbXj';
const LATIN1_KEY = 'sk_live_lUtNba4SnrhWUBhl1WH9jGZboRnzoVtBGhbjQKvQ';
const HUGE_LINE_KEY = 'sk_live_24OTEPUKeEF0JrNuYfG7ZEaLtDcNX9lfKPHDnizS';
const HUGE_PREFIX = 50 * 1024 * 1024;

interface JsonReport {
  findings: { secret: string; occurrences: { path: string; startLine: number; startColumn: number }[] }[];
  notices: { level: string; code: string; path: string }[];
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'readable.env': `STRIPE_KEY=${READABLE_KEY}\n`,
    'unreadable.env': `STRIPE_KEY=${UNREADABLE_KEY}\n`,
    'empty.txt': '',
    'image.png': Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(`sk_live=${READABLE_KEY}`)]),
    'latin1.properties': Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9]), Buffer.from(` key=${LATIN1_KEY}\n`)]),
    'bundle.min.js': `${'x'.repeat(HUGE_PREFIX)}"${HUGE_LINE_KEY}"`,
  });
  chmodSync(`${tree.root}/unreadable.env`, 0o000);
});
afterAll(() => tree.remove());

function report(args: readonly string[]): { code: number | null; json: JsonReport; stderr: string } {
  const result = keyleak(['scan', '.', '--format', 'json', '--no-redact', ...args], { cwd: tree.root, withoutFileCapabilities: true });
  return { code: result.code, json: JSON.parse(result.stdout) as JsonReport, stderr: result.stderr };
}

describe('bad input', () => {
  it('completes, lists a notice for each problem file and finds the readable secrets', () => {
    const { code, json, stderr } = report([]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(json.findings.map((finding) => `${finding.secret} ${finding.occurrences.map((o) => `${o.path}:${o.startLine}:${o.startColumn}`).join(',')}`)).toEqual([
      `${LATIN1_KEY} latin1.properties:1:10`,
      `${READABLE_KEY} readable.env:1:12`,
    ]);
    expect(json.notices.map((notice) => `${notice.level} ${notice.code} ${notice.path}`)).toEqual([
      'note file-too-large bundle.min.js',
      'note binary-skipped image.png',
      'note invalid-utf8 latin1.properties',
      'warning unreadable unreadable.env',
    ]);
  });

  it('finds a secret at the end of a 50 MB single line with the exact column when the limit allows it', () => {
    const { json } = report(['--max-file-size', '100MB', 'bundle.min.js']);
    const huge = json.findings.find((finding) => finding.secret === HUGE_LINE_KEY);
    expect(huge?.occurrences).toEqual([expect.objectContaining({ path: 'bundle.min.js', startLine: 1, startColumn: HUGE_PREFIX + 2 })]);
  });

  it('exits 2 when a file could not be read and nothing else was found', () => {
    const result = keyleak(['scan', 'unreadable.env', 'empty.txt'], { cwd: tree.root, withoutFileCapabilities: true });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('unreadable.env: cannot be read: permission denied');
  });
});
