/** History lookups for many findings stay a handful of git processes, and their answers stay right. */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOccurrences, GrepReader } from '../../src/post/history.js';
import { BIN } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { makeRepo, scanGitJson, stripeKey, type Report, type Repo } from './git-repo.js';

const FILES = 10;
const KEYS_PER_FILE = 200;

let repo: Repo;
let wrapper: Tree;
const keys: string[][] = [];
const shas: Record<string, string> = {};

/** `KEY_i=secret` lines, one per key. */
const envFile = (fileKeys: readonly string[]) => fileKeys.map((key, index) => `KEY_${index}=${key}\n`).join('');

beforeAll(() => {
  repo = makeRepo();
  for (let file = 0; file < FILES; file++) keys.push(Array.from({ length: KEYS_PER_FILE }, stripeKey));
  keys.forEach((fileKeys, file) => repo.write(`conf/k${file}.env`, envFile(fileKeys)));
  shas['add'] = repo.commit('add keys');
  for (let file = 0; file < FILES / 2; file++) repo.git('rm', '-q', `conf/k${file}.env`);
  shas['delete'] = repo.commit('delete half the files');
  // The second half keeps its first 100 keys and loses the rest.
  for (let file = FILES / 2; file < FILES; file++) repo.write(`conf/k${file}.env`, envFile(keys[file]!.slice(0, KEYS_PER_FILE / 2)));
  shas['trim'] = repo.commit('trim the other files');

  wrapper = makeTree();
  const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  chmodSync(wrapper.write('bin/git', `#!/bin/sh\necho "$1 $2 $3 $4 $5 $6 $7" >> "${wrapper.root}/calls.log"\nexec "${realGit}" "$@"\n`), 0o755);
});
afterAll(() => {
  repo.remove();
  wrapper.remove();
});

describe('history of many removed secrets', () => {
  it(`answers introduced, removedIn and presentAtHead for ${FILES * KEYS_PER_FILE} secrets with a few git processes`, () => {
    const result = spawnSync(process.execPath, [BIN, 'git', '--format', 'json', '--no-redact'], {
      cwd: repo.root,
      encoding: 'utf8',
      env: { PATH: `${path.join(wrapper.root, 'bin')}:${process.env['PATH'] ?? ''}`, HOME: process.env['HOME'] ?? '/tmp', NO_COLOR: '1' },
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const historyOf = new Map(report.findings.map((finding) => [finding.secret, finding.history]));
    expect(historyOf.size).toBe(FILES * KEYS_PER_FILE);
    const expected = (file: number, index: number) =>
      file < FILES / 2
        ? { introduced: shas['add'], presentAtHead: false, removedIn: shas['delete'] }
        : index < KEYS_PER_FILE / 2
          ? { introduced: shas['add'], presentAtHead: true, removedIn: undefined }
          : { introduced: shas['add'], presentAtHead: false, removedIn: shas['trim'] };
    const answers = keys.flatMap((fileKeys, file) =>
      fileKeys.map((key, index) => {
        const history = historyOf.get(key);
        return { key, got: { introduced: history?.introduced.sha, presentAtHead: history?.presentAtHead, removedIn: history?.removedIn?.sha }, want: expected(file, index) };
      }),
    );
    expect(answers.filter((answer) => JSON.stringify(answer.got) !== JSON.stringify(answer.want))).toEqual([]);
    const calls = readFileSync(path.join(wrapper.root, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls.length).toBeLessThanOrEqual(10);
  });
});

describe('GrepReader', () => {
  it('reads the path up to the NUL, colons and line feeds included', () => {
    const reader = new GrepReader();
    expect(reader.line('HEAD:a:b.env\0KEY=s:1')).toEqual({ path: 'a:b.env', text: 'KEY=s:1' });
    expect(reader.line('HEAD:odd')).toBeUndefined();
    expect(reader.line('name\0KEY=s\0x')).toEqual({ path: 'odd\nname', text: 'KEY=s\0x' });
  });
});

describe('countOccurrences', () => {
  it('counts without overlaps', () => {
    expect(countOccurrences('abcabc abc', 'abc')).toBe(3);
    expect(countOccurrences('aaaa', 'aa')).toBe(2);
    expect(countOccurrences('', 'a')).toBe(0);
  });
});

describe('history of files with odd names', () => {
  it('knows a secret is still at HEAD in a file whose name holds a colon and a line feed, and when it was removed from one', () => {
    const odd = makeRepo();
    const [kept, removed] = [stripeKey(), stripeKey()];
    odd.write('x:y\nz.env', `KEEP=${kept}\nGONE=${removed}\n`);
    const added = odd.commit('add');
    odd.write('x:y\nz.env', `KEEP=${kept}\n`);
    const trimmed = odd.commit('trim');
    const { report } = scanGitJson([], odd.root);
    odd.remove();
    const historyOf = (secret: string) => report.findings.find((finding) => finding.secret === secret)?.history;
    expect(historyOf(kept)).toMatchObject({ introduced: { sha: added }, presentAtHead: true });
    expect(historyOf(removed)).toMatchObject({ introduced: { sha: added }, presentAtHead: false, removedIn: { sha: trimmed } });
  });
});

describe('history of renamed files', () => {
  it('finds a secret at the path a rename moved it to, and knows it is still at HEAD', () => {
    const moved = makeRepo();
    const key = stripeKey();
    moved.write('config/old.env', `STRIPE_KEY=${key}\nREGION=eu\n`);
    const added = moved.commit('add');
    moved.git('mv', 'config/old.env', 'config/new.env');
    // A day later: commits made in the same second have no order by date.
    moved.git('commit', '-q', '-m', 'rename', '--date', new Date(Date.now() + 86_400_000).toISOString());
    const renamed = moved.git('rev-parse', 'HEAD').trim();
    // Rename detection on in the user's configuration must change nothing.
    moved.git('config', 'diff.renames', 'copies');
    const { report } = scanGitJson([], moved.root);
    moved.git('mv', 'config/new.env', 'config/staged.env');
    const staged = scanGitJson(['--staged'], moved.root).report;
    moved.remove();
    const finding = report.findings.find((candidate) => candidate.secret === key);
    expect(finding?.occurrences.map((occurrence) => [occurrence.path, occurrence.commit?.sha])).toEqual([
      ['config/new.env', renamed],
      ['config/old.env', added],
    ]);
    expect(finding?.history).toMatchObject({ introduced: { sha: added }, presentAtHead: true });
    expect(finding?.history?.removedIn).toBeUndefined();
    // A staged move puts the file at a new path in the next commit: its lines are new there.
    expect(staged.findings.map((candidate) => [candidate.secret, candidate.occurrences[0]?.path])).toEqual([[key, 'config/staged.env']]);
  });
});
