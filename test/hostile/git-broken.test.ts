/** A repository with missing objects gets a one-line answer naming the problem, never a stack trace or a clean bill. */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeRepo, placesOf, scanGitJson, stripeKey, type Repo } from './git-repo.js';

let repo: Repo;
afterEach(() => repo?.remove());

function removeObject(sha: string): void {
  rmSync(path.join(repo.root, '.git', 'objects', sha.slice(0, 2), sha.slice(2)));
}

describe('broken repositories', () => {
  it.each([
    ['a blob', (r: Repo) => r.git('rev-parse', 'HEAD~1:b.txt').trim()],
    ['a commit', (r: Repo) => r.git('rev-parse', 'HEAD~1').trim()],
  ])('missing %s: a history scan exits 2 with one line naming the object; a staged scan still runs', (_, missing) => {
    repo = makeRepo({ 'a.env': `KEY=${stripeKey()}\n`, 'b.txt': 'one\n' });
    repo.commit('first');
    repo.write('b.txt', 'two\n');
    repo.commit('second');
    const sha = missing(repo);
    removeObject(sha);
    const history = keyleak(['git'], { cwd: repo.root });
    expect(history.code).toBe(2);
    expect(history.stdout).toBe('');
    expect(history.stderr).toMatch(new RegExp(`^keyleak: [^\\n]*${sha}\\n$`));
    // The index against HEAD needs no older object: a pre-commit scan still runs, and finds nothing staged.
    expect(keyleak(['git', '--staged'], { cwd: repo.root })).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('unborn HEAD', () => {
  it('an orphan branch checked out does not hide the commits of the other branches', () => {
    repo = makeRepo();
    const key = stripeKey();
    repo.write('a.env', `KEY=${key}\n`);
    const sha = repo.commit('add');
    repo.git('checkout', '-q', '--orphan', 'empty');
    repo.git('rm', '-q', '-r', '--cached', '.');
    const { code, report } = scanGitJson([], repo.root);
    expect(code).toBe(1);
    expect(placesOf(report)).toEqual([`${key} a.env:1`]);
    expect(report.findings[0]?.history).toMatchObject({ introduced: { sha }, presentAtHead: false, onlyOn: ['main'] });
  });

  it('a HEAD naming a ref that holds garbage is one line and exit 2, not an empty scan', () => {
    repo = makeRepo();
    repo.write('.git/HEAD', 'ref: refs/heads/broken\n');
    repo.write('.git/refs/heads/broken', 'not a sha\n');
    const result = keyleak(['git'], { cwd: repo.root });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^keyleak: [^\n]*refs\/heads\/broken\n$/);
  });
});
