/** The pre-commit hook blocks a commit that adds a secret, as a developer would meet it. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const SECRET = 'sk_live_yjhbuSIVwvXzMXvt1GfcNNamPMaWZ98EDQCHlpKI';

let tree: Tree;
afterEach(() => tree?.remove());

function repo(): Tree {
  const created = makeTree({ 'README.md': '# app\n' });
  for (const args of [['init', '-q'], ['config', 'user.email', 'dev@example.org'], ['config', 'user.name', 'Dev'], ['config', 'commit.gpgsign', 'false']]) {
    execFileSync('git', args, { cwd: created.root });
  }
  return created;
}

function commit(cwd: string, file: string, content: string): { status: number | null; output: string } {
  tree.write(file, content);
  execFileSync('git', ['add', file], { cwd });
  const result = spawnSync('git', ['commit', '-q', '-m', `add ${file}`], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('keyleak install-hook', () => {
  it('installs a pre-commit hook that refuses a commit adding a secret and lets a clean one through', () => {
    tree = repo();
    const installed = keyleak(['install-hook'], { cwd: tree.root });
    expect(installed.code).toBe(0);
    expect(installed.stdout).toMatch(/installed .*\.git\/hooks\/pre-commit\n$/);
    const blocked = commit(tree.root, 'deploy.env', `STRIPE=${SECRET}\n`);
    expect(blocked.status).not.toBe(0);
    expect(blocked.output).toContain('deploy.env\n  1:8       error   stripe-secret-key');
    execFileSync('git', ['reset', '-q', 'deploy.env'], { cwd: tree.root });
    expect(commit(tree.root, 'notes.md', 'nothing secret\n').status).toBe(0);
  });

  it('honours core.hooksPath', () => {
    tree = repo();
    execFileSync('git', ['config', 'core.hooksPath', '.githooks'], { cwd: tree.root });
    expect(keyleak(['install-hook'], { cwd: tree.root }).code).toBe(0);
    expect(existsSync(`${tree.root}/.githooks/pre-commit`)).toBe(true);
  });

  it('refuses to replace a hook it did not write unless --force, and replaces its own', () => {
    tree = repo();
    const hook = tree.write('.git/hooks/pre-commit', '#!/bin/sh\nnpm run lint\n');
    chmodSync(hook, 0o755);
    const refused = keyleak(['install-hook'], { cwd: tree.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a pre-commit hook keyleak did not write is already there');
    expect(readFileSync(hook, 'utf8')).toBe('#!/bin/sh\nnpm run lint\n');
    expect(keyleak(['install-hook', '--force'], { cwd: tree.root }).code).toBe(0);
    expect(keyleak(['install-hook'], { cwd: tree.root }).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('# installed by keyleak');
  });
});
