/** The GitHub Action's scan step and the pre-commit framework entry, run as documented. */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stepScript } from './helpers/action.js';
import { makeTree, type Tree } from './helpers/tree.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SECRET = 'sk_live_FIvdl6zXdkC5GGBr2LulHExCxEkC34Ku78YAKI1M';

let tree: Tree;
afterEach(() => tree?.remove());

describe('GitHub Action', () => {
  it('runs keyleak, writes SARIF for upload and reports the exit code as an output', () => {
    tree = makeTree({ 'config/prod.env': `STRIPE=${SECRET}\n`, 'output.txt': '' });
    const result = spawnSync('bash', ['-c', stepScript(ROOT, 'Scan')], {
      cwd: tree.root,
      encoding: 'utf8',
      env: { ...process.env, GITHUB_ACTION_PATH: ROOT, GITHUB_OUTPUT: `${tree.root}/output.txt`, KEYLEAK_COMMAND: 'scan .', KEYLEAK_FAIL_ON: 'error', KEYLEAK_SARIF: 'keyleak.sarif' },
    });
    expect(result.status).toBe(0);
    expect(readFileSync(`${tree.root}/output.txt`, 'utf8')).toBe('exit-code=1\n');
    const sarif = JSON.parse(readFileSync(`${tree.root}/keyleak.sarif`, 'utf8'));
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['stripe-secret-key']);
  });
});

describe('pre-commit framework entry', () => {
  it('runs `keyleak git --staged` without file names', () => {
    const hooks = readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    expect(hooks).toMatch(/- id: keyleak\n/);
    expect(hooks).toMatch(/\n {2}entry: keyleak git --staged\n/);
    expect(hooks).toMatch(/\n {2}pass_filenames: false\n/);
    expect(hooks).toMatch(/\n {2}language: node\n/);
    // pre-commit 3.2 renamed the stages: 3.0 rejects the new names (test/pre-commit.test.ts runs it),
    // newer versions warn about the old ones.
    expect(hooks).not.toMatch(/^\s*stages:/m);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin.keyleak).toBe('bin/keyleak.js');
    tree = makeTree({ 'a.env': `KEY=${SECRET}\n` });
    execFileSync('git', ['init', '-q'], { cwd: tree.root });
    execFileSync('git', ['add', 'a.env'], { cwd: tree.root });
    const entry = spawnSync(process.execPath, [path.join(ROOT, pkg.bin.keyleak), 'git', '--staged'], { cwd: tree.root, encoding: 'utf8' });
    expect(entry.status).toBe(1);
  });
});
