/** Baselines: accept today's findings, fail only on new ones, survive refactors, report what went stale. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const OLD_A = 'sk_live_Nrh4Clvru5cbCG0lCOGSoMHetULWlCk15dFD9YjN';
const OLD_B = 'sk_live_s02MEbhr5thXI9oRg9ISJt3MT4HRN3AhDEO0MrlH';
const NEW = 'sk_live_ojINqALxBjTI7B2pbifcGZ87XApFCxWKjQ8qiPgf';

let tree: Tree;
afterEach(() => tree?.remove());

function start(): Tree {
  const created = makeTree({ 'src/b.env': `KEY=${OLD_B}\n`, 'src/a.env': `KEY=${OLD_A}\n` });
  expect(keyleak(['baseline', 'create', 'src'], { cwd: created.root }).stdout).toBe('wrote 2 entries for 2 findings to .keyleak-baseline.json\n');
  return created;
}

describe('baselines', () => {
  it('are sorted, one entry per line, keyed by fingerprint and path, without timestamps or line numbers', () => {
    tree = start();
    const lines = readFileSync(`${tree.root}/.keyleak-baseline.json`, 'utf8').split('\n');
    expect(lines.slice(0, 3)).toEqual(['{', '  "format": "keyleak-baseline/1",', '  "entries": [']);
    expect(lines[3]).toMatch(/^ {4}\{"path":"src\/a\.env","ruleId":"stripe-secret-key","fingerprint":"[0-9a-f]{32}"\},$/);
    expect(lines[4]).toMatch(/^ {4}\{"path":"src\/b\.env","ruleId":"stripe-secret-key","fingerprint":"[0-9a-f]{32}"\}$/);
    expect(lines.slice(5)).toEqual(['  ]', '}', '']);
  });

  it('let a scan pass with only known findings, kept in SARIF as suppressed', () => {
    tree = start();
    const text = keyleak(['scan', 'src', '--baseline', '.keyleak-baseline.json'], { cwd: tree.root });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('✔ no confidential secrets · 2 in the baseline');
    const sarif = JSON.parse(keyleak(['scan', 'src', '--baseline', '.keyleak-baseline.json', '--format', 'sarif'], { cwd: tree.root }).stdout);
    expect(sarif.runs[0].results.map((result: { suppressions?: unknown[] }) => result.suppressions)).toEqual([
      [{ kind: 'external', status: 'accepted', justification: 'accepted in .keyleak-baseline.json' }],
      [{ kind: 'external', status: 'accepted', justification: 'accepted in .keyleak-baseline.json' }],
    ]);
  });

  it('survive moved code and fail on a new secret or a known secret in a new file', () => {
    tree = start();
    tree.write('src/a.env', `# moved down\n\n\nKEY=${OLD_A}\n`);
    expect(keyleak(['scan', 'src', '--baseline', '.keyleak-baseline.json'], { cwd: tree.root }).code).toBe(0);
    tree.write('src/c.env', `KEY=${NEW}\nCOPY=${OLD_B}\n`);
    const result = keyleak(['scan', 'src', '--baseline', '.keyleak-baseline.json', '--format', 'json'], { cwd: tree.root });
    expect(result.code).toBe(1);
    const active = JSON.parse(result.stdout).findings.filter((finding: { suppression?: unknown }) => finding.suppression === undefined);
    expect(active.map((finding: { occurrences: { path: string; startLine: number }[] }) => finding.occurrences.map((o) => `${o.path}:${o.startLine}`).join(',')).sort()).toEqual(['src/c.env:1', 'src/c.env:2']);
  });

  it('report stale baseline entries and keyleak:allow comments that silence nothing', () => {
    tree = start();
    tree.write('src/b.env', 'KEY=${STRIPE_KEY}\n');
    tree.write('src/d.env', `OK=1 # keyleak:allow\nKEY=${NEW} # keyleak:allow\n`);
    const result = keyleak(['scan', 'src', '--baseline', '.keyleak-baseline.json', '--report-unused', '--format', 'json'], { cwd: tree.root });
    expect(result.code).toBe(0);
    const notices = JSON.parse(result.stdout).notices.map((notice: { code: string; path: string; message: string }) => `${notice.code} ${notice.path} ${notice.message}`);
    expect(notices).toEqual([
      expect.stringMatching(/^unused-baseline-entry src\/b\.env baseline entry for stripe-secret-key \([0-9a-f]{32}\) matches nothing any more$/),
      'unused-inline-allow src/d.env line 1: keyleak:allow silences nothing',
    ]);
  });

  it('a corrupt baseline is one line and exit 2', () => {
    tree = start();
    tree.write('bad.json', '{"format": "something else"}');
    const result = keyleak(['scan', 'src', '--baseline', 'bad.json'], { cwd: tree.root });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: bad.json: not a keyleak baseline (expected "format": "keyleak-baseline/1")\n');
  });
});
