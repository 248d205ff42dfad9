/**
 * Diff reading cannot be bypassed: content lines that look like diff headers, line breaks git does
 * not make, odd commit metadata and user diff settings never hide a secret or move it to another file.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, placesOf, scanGitJson, stripeKey, type Repo } from './git-repo.js';

let repo: Repo;
afterEach(() => repo?.remove());

/** Lines a diff header could be mistaken for, as file content. */
const HEADER_LOOKALIKES = ['++ /dev/null', '++ b/other.txt', '-- a/x', '--- a/x', '+++ b/y', '@@ -1 +1000 @@', '@@@ -1 -1 +1 @@@', 'diff --git a/q b/q', 'diff --cc q', '\x1ecommit\x1fdeadbeef\x1fA\x1fa@b\x1f2020-01-01T00:00:00Z\x1f\x1fs', 'Binary files a/x and b/x differ', '\\ No newline at end of file', 'rename to elsewhere.txt', ''];

describe('added lines that look like diff headers', () => {
  it('a staged new file whose line is `++ /dev/null` still reports the secret after it, under its own path', () => {
    repo = makeRepo({ 'README.md': '# app\n' });
    repo.commit('init');
    const key = stripeKey();
    repo.write('c.env', `++ /dev/null\nSTRIPE=${key}\n`);
    repo.git('add', 'c.env');
    const { code, report } = scanGitJson(['--staged'], repo.root);
    expect(placesOf(report)).toEqual([`${key} c.env:2`]);
    expect(code).toBe(1);
  });

  it('every header look-alike before a secret, staged and in history, keeps the secret at its file and line', () => {
    repo = makeRepo({ 'README.md': '# app\n' });
    repo.commit('init');
    const keys = HEADER_LOOKALIKES.map(() => stripeKey());
    HEADER_LOOKALIKES.forEach((lookalike, index) => repo.write(`f${index}.env`, `${lookalike}\nKEY=${keys[index]}\n${lookalike}\n`));
    repo.git('add', '-A');
    const expected = keys.map((key, index) => `${key} f${index}.env:2`).sort();
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual(expected);
    const sha = repo.commit('add look-alikes');
    const history = scanGitJson([], repo.root).report;
    expect(placesOf(history)).toEqual(expected);
    expect(history.findings.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.commit?.sha))).toEqual(keys.map(() => sha));
  });

  it('removed lines that look like headers do not end the hunk early, staged and in history', () => {
    repo = makeRepo({ 'app.env': `${HEADER_LOOKALIKES.join('\n')}\nLAST=1\n` });
    repo.commit('init');
    const key = stripeKey();
    repo.write('app.env', `${HEADER_LOOKALIKES.map((line) => `${line} changed`).join('\n')}\nLAST=1\nKEY=${key}\n`);
    repo.git('add', 'app.env');
    const line = HEADER_LOOKALIKES.length + 2;
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual([`${key} app.env:${line}`]);
    repo.commit('change');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual([`${key} app.env:${line}`]);
  });
});

describe('line breaks', () => {
  it('a carriage return inside an added line does not split it: the secret after it is found on that line', () => {
    repo = makeRepo({ 'README.md': '# app\n' });
    repo.commit('init');
    const [alone, crlf] = [stripeKey(), stripeKey()];
    repo.write('cr.env', `A=1\rKEY=${alone}\n`);
    repo.write('crlf.env', `A=1\r\nKEY=${crlf}\r\n`);
    repo.git('add', '-A');
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual([`${alone} cr.env:1`, `${crlf} crlf.env:2`].sort());
    repo.commit('add');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual([`${alone} cr.env:1`, `${crlf} crlf.env:2`].sort());
  });
});

describe('commit metadata', () => {
  it('a subject and an author holding the separator bytes keep each field whole', () => {
    repo = makeRepo({ 'README.md': '# app\n' });
    const key = stripeKey();
    repo.write('a.env', `KEY=${key}\n`);
    repo.git('add', '-A');
    const subject = 'fix\x1fthing\x1ecommit\x1f00\x1fsneaky';
    repo.git('-c', 'user.name=Eve\x1fMallory', '-c', 'user.email=eve\x1f@example.org', 'commit', '-q', '-m', subject);
    const sha = repo.git('rev-parse', 'HEAD').trim();
    const occurrence = scanGitJson([], repo.root).report.findings[0]?.occurrences[0];
    expect(occurrence).toMatchObject({ path: 'a.env', startLine: 1, commit: { sha, subject, author: 'Eve\x1fMallory', email: 'eve\x1f@example.org' } });
  });
});

describe('user log and diff settings', () => {
  it.each([
    [['log.showRoot', 'false']],
    [['diff.suppressBlankEmpty', 'true'], ['diff.interHunkContext', '5']],
    [['color.diff', 'always'], ['color.ui', 'always']],
    [['diff.context', '3']],
  ])('%j cannot hide or move a secret', (...settings) => {
    repo = makeRepo();
    for (const [name, value] of settings) repo.git('config', name, value);
    const [first, second] = [stripeKey(), stripeKey()];
    repo.write('app.env', `KEY=${first}\n\nC=3\n`);
    repo.commit('root');
    repo.write('app.env', `A=1\nKEY=${first}\n\nC=3\nNEW=${second}\n`);
    repo.git('add', '-A');
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual([`${second} app.env:5`]);
    repo.commit('more');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual([`${first} app.env:1`, `${second} app.env:5`].sort());
  });
});

describe('user diff settings', () => {
  it.each([
    ['diff.mnemonicPrefix', 'true'],
    ['diff.noprefix', 'true'],
    ['diff.srcPrefix', 'b/'],
  ])('%s=%s does not change the reported path', (name, value) => {
    repo = makeRepo({ 'README.md': '# app\n' });
    repo.commit('init');
    repo.git('config', name, value);
    const key = stripeKey();
    repo.write('b/deep.env', `KEY=${key}\n`);
    repo.git('add', '-A');
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual([`${key} b/deep.env:1`]);
    repo.commit('add');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual([`${key} b/deep.env:1`]);
  });
});

describe('merges', () => {
  it('a secret added only while resolving a merge is found in the merge commit; what the branches added is not reported twice', () => {
    repo = makeRepo({ 'app.env': 'A=1\n' });
    repo.commit('init');
    const [onSide, inMerge] = [stripeKey(), stripeKey()];
    repo.git('checkout', '-q', '-b', 'side');
    repo.write('app.env', `SIDE=${onSide}\nA=1\n`);
    const sideSha = repo.commit('side');
    repo.git('checkout', '-q', 'main');
    repo.write('app.env', 'A=1\nC=3\n');
    repo.commit('main');
    repo.git('merge', '-q', '--no-commit', 'side');
    repo.write('app.env', `SIDE=${onSide}\nA=1\nEVIL=${inMerge}\nC=3\n`);
    const mergeSha = repo.commit('merge');
    const { report } = scanGitJson([], repo.root);
    expect(placesOf(report)).toEqual([`${onSide} app.env:1`, `${inMerge} app.env:3`].sort());
    const commitOf = (secret: string) => report.findings.find((finding) => finding.secret === secret)?.occurrences.map((occurrence) => occurrence.commit?.sha);
    expect(commitOf(onSide)).toEqual([sideSha]);
    expect(commitOf(inMerge)).toEqual([mergeSha]);
  });
});

describe('file names', () => {
  it('names with tabs, quotes, backslashes, control bytes, trailing spaces and bytes that are not UTF-8 are reported as they are, staged and in history', () => {
    repo = makeRepo({ 'README.md': '# app\n' });
    repo.commit('init');
    const names = ['tab\there.env', 'quote"d.env', 'back\\slash.env', 'bell\x07.env', 'trailing space .env', 'b/nested and b/x differ.env', '"quoted".env', 'é +++ b.env'];
    const keys = names.map(() => stripeKey());
    names.forEach((name, index) => repo.write(name, `KEY=${keys[index]}\n`));
    const notUtf8 = Buffer.concat([Buffer.from(`${repo.root}/bad`), Buffer.from([0xff, 0xfe]), Buffer.from('.env')]);
    const notUtf8Key = stripeKey();
    writeFileSync(notUtf8, `KEY=${notUtf8Key}\n`);
    repo.git('add', '-A');
    const expected = [...names.map((name, index) => `${keys[index]} ${name}:1`), `${notUtf8Key} bad\ufffd\ufffd.env:1`].sort();
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual(expected);
    repo.commit('odd names');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual(expected);
  });

  it('a renamed file that gains a secret reports it under its new name', () => {
    repo = makeRepo({ 'old.env': 'A=1\nB=2\nC=3\nD=4\n' });
    repo.commit('init');
    repo.git('mv', 'old.env', 'new.env');
    const key = stripeKey();
    repo.write('new.env', `A=1\nB=2\nC=3\nD=4\nKEY=${key}\n`);
    repo.git('add', '-A');
    expect(placesOf(scanGitJson(['--staged'], repo.root).report)).toEqual([`${key} new.env:5`]);
    repo.commit('rename');
    expect(placesOf(scanGitJson([], repo.root).report)).toEqual([`${key} new.env:5`]);
  });
});

describe('attributes', () => {
  it.each(['*.env binary', '*.env -diff'])('a .gitattributes line `%s` cannot make a text file binary to hide it; real binary content is noted', (attributes) => {
    repo = makeRepo({ '.gitattributes': `${attributes}\n` });
    repo.commit('attributes');
    const key = stripeKey();
    repo.write('c.env', `A=1\nKEY=${key}\n`);
    repo.write('logo.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(`KEY=${stripeKey()}\n`)]));
    repo.git('add', '-A');
    const staged = scanGitJson(['--staged'], repo.root).report;
    expect(placesOf(staged)).toEqual([`${key} c.env:2`]);
    expect(staged.notices).toEqual([expect.objectContaining({ code: 'binary-skipped', path: 'logo.png' })]);
    repo.commit('add');
    const history = scanGitJson([], repo.root).report;
    expect(placesOf(history)).toEqual([`${key} c.env:2`]);
    expect(history.notices).toEqual([expect.objectContaining({ code: 'binary-skipped', path: 'logo.png' })]);
  });
});
