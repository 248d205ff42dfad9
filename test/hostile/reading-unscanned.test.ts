/**
 * Nothing is left unscanned without a word: unreadable folders (the root included), paths too long
 * for the OS, and file names with newlines, carriage returns or bytes that are not UTF-8.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTree, type Tree } from '../helpers/tree.js';
import { noticeKeys, placesOf, scanJson } from './reading-cli.js';

const KEY = 'sk_live_mZkF3Wm7lepazB3gtKpue1iqqzJZ8VSvIjgabzBU';
const OTHER_KEY = 'sk_live_6tdj1Bgp4Q1eQRaZbZBPVSGGhyjWUIkx3keqtW0f';

let tree: Tree;
afterEach(() => {
  // Deep trees are past what Node's rm can name; coreutils' rm walks them relative to each folder.
  if (tree) execFileSync('sh', ['-c', 'chmod -R u+rwx "$1"; rm -rf "$1"', 'sh', tree.root]);
});

const asRoot = { withoutFileCapabilities: true } as const;

describe('unreadable folders', () => {
  it('an unreadable root is a warning and exit 2, not an empty clean scan', () => {
    tree = makeTree({ 'locked/app.env': `KEY=${KEY}\n` });
    chmodSync(path.join(tree.root, 'locked'), 0o000);
    const { code, report } = scanJson(['locked'], tree.root, asRoot);
    expect(code).toBe(2);
    expect(report.notices).toEqual([{ level: 'warning', code: 'unreadable', message: 'folder cannot be read: permission denied; not scanned', path: 'locked' }]);
  });

  it('an unreadable subfolder is a warning, and the rest is scanned', () => {
    tree = makeTree({ 'locked/app.env': `KEY=${KEY}\n`, 'open/app.env': `KEY=${OTHER_KEY}\n` });
    chmodSync(path.join(tree.root, 'locked'), 0o000);
    const { code, report } = scanJson(['.'], tree.root, asRoot);
    expect(code).toBe(1);
    expect(placesOf(report, OTHER_KEY)).toEqual(['open/app.env:1:5']);
    expect(noticeKeys(report)).toEqual(['warning unreadable locked']);
  });

  it('an unreadable folder that an ignore file excludes is not entered and not reported', () => {
    tree = makeTree({ '.gitignore': 'cache/\n', 'cache/x.env': `KEY=${KEY}\n`, 'app.env': `KEY=${OTHER_KEY}\n` });
    chmodSync(path.join(tree.root, 'cache'), 0o000);
    const { code, report } = scanJson(['.'], tree.root, asRoot);
    expect(code).toBe(1);
    expect(report.notices).toEqual([]);
  });

  it('a file named inside an unreadable folder is an unreadable warning, not "no such file"', () => {
    tree = makeTree({ 'locked/app.env': `KEY=${KEY}\n`, 'clean.txt': 'nothing\n' });
    chmodSync(path.join(tree.root, 'locked'), 0o000);
    const { code, report, stderr } = scanJson(['locked/app.env', 'clean.txt'], tree.root, asRoot);
    expect(stderr).toBe('');
    expect(code).toBe(2);
    expect(report.notices).toEqual([{ level: 'warning', code: 'unreadable', message: 'cannot be read: permission denied', path: 'locked/app.env' }]);
  });
});

describe('paths too long for the operating system', () => {
  it('a folder past PATH_MAX is an unreadable warning naming it; what is above it is scanned', () => {
    tree = makeTree({ 'top.env': `KEY=${OTHER_KEY}\n` });
    const segment = 'd'.repeat(200);
    // Built relative to each folder, as no absolute path this long can be opened (a shell's cd cannot either).
    const build = `process.chdir(process.argv[1]); for (let i = 0; i < 24; i++) { fs.mkdirSync('${segment}'); process.chdir('${segment}'); } fs.writeFileSync('deep.env', 'KEY=${KEY}\\n');`;
    execFileSync(process.execPath, ['-e', build, tree.root]);
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, OTHER_KEY)).toEqual(['top.env:1:5']);
    const notice = report.notices.find((candidate) => candidate.code === 'unreadable');
    expect(notice?.level).toBe('warning');
    expect(notice?.message).toBe('folder cannot be read: the path is too long for the operating system; not scanned');
    expect(notice?.path).toMatch(new RegExp(`^(?:${segment}/)+${segment}$`));
  });

  it('a file whose path alone is past PATH_MAX is an unreadable warning naming it', () => {
    tree = makeTree({ 'top.env': `KEY=${OTHER_KEY}\n` });
    const segment = 'd'.repeat(200);
    const name = `${'f'.repeat(246)}.env`;
    const build = `process.chdir(process.argv[1]); for (let i = 0; i < 20; i++) { fs.mkdirSync('${segment}'); process.chdir('${segment}'); } fs.writeFileSync('${name}', 'KEY=${KEY}\\n');`;
    execFileSync(process.execPath, ['-e', build, tree.root]);
    expect(path.join(tree.root, ...Array<string>(20).fill(segment)).length).toBeLessThan(4096);
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(report.notices).toEqual([{ level: 'warning', code: 'unreadable', message: 'cannot be read: the path is too long for the operating system', path: [...Array<string>(20).fill(segment), name].join('/') }]);
  });
});

describe('file names that are hard to print', () => {
  it('names with a newline or a carriage return are scanned and named exactly in JSON', () => {
    tree = makeTree({ 'two\nlines.env': `KEY=${KEY}\n`, 'carriage\rreturn.env': `KEY=${OTHER_KEY}\n` });
    const { report } = scanJson(['.'], tree.root);
    expect(placesOf(report, KEY)).toEqual(['two\nlines.env:1:5']);
    expect(placesOf(report, OTHER_KEY)).toEqual(['carriage\rreturn.env:1:5']);
  });

  it('names that are not UTF-8 are read by their bytes and shown with \\xNN escapes', () => {
    tree = makeTree({});
    writeFileSync(Buffer.concat([Buffer.from(`${tree.root}/caf`), Buffer.from([0xe9]), Buffer.from('.env')]), `KEY=${KEY}\n`);
    const folder = Buffer.concat([Buffer.from(`${tree.root}/d`), Buffer.from([0xff, 0xfe])]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/ok-\u00e9.env')]), `KEY=${OTHER_KEY}\n`);
    const { code, report } = scanJson(['.', '--threads', '2'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['caf\\xE9.env:1:5']);
    expect(placesOf(report, OTHER_KEY)).toEqual(['d\\xFF\\xFE/ok-\u00e9.env:1:5']);
    expect(report.notices).toEqual([]);
  });

  it('a file named only with dots is scanned where ignore files apply', () => {
    tree = makeTree({ '.gitignore': '*.log\n', '...': `KEY=${KEY}\n` });
    const { code, report, stderr } = scanJson(['.'], tree.root);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['...:1:5']);
  });
});
