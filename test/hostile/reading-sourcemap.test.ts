/**
 * Hostile `sourceMappingURL`s: a built file names the map keyleak opens, so it must never open a
 * device, a FIFO, a socket or anything outside the scanned folder, never fetch, never read without
 * bound, never crash on a broken URL, and never echo another file's bytes in a notice.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { vlq } from '../helpers/sourcemap.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { noticeKeys, placesOf, scanJson } from './reading-cli.js';

const KEY = 'sk_live_WZ3qQAvW8pvBPF4WGUzpuMa5vuYCzp1bsW8My2BK';
const EMBEDDED_KEY = 'sk_live_lZ5y4Uq5GumK68Yk9Q039LQ8MsKbulIYiWgM5qkX';

const BUNDLE_LINE = `!function(){var e="${KEY}";console.log(e)}();`;
const LITERAL_COLUMN = BUNDLE_LINE.indexOf('"') + 1;
const ORIGINAL = `export const stripeKey = '${KEY}';\n`;

/** A valid map sending the bundle's literal to src/config.ts 1:26, with `extra` fields merged in. */
function sourceMap(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: 3, sources: ['../src/config.ts'], sourcesContent: [ORIGINAL], names: [], mappings: `${vlq([0, 0, 0, 0])},${vlq([LITERAL_COLUMN, 0, 0, 25])}`, ...extra });
}

const bundle = (url: string) => `${BUNDLE_LINE}\n//# sourceMappingURL=${url}\n`;

let tree: Tree;
afterEach(() => tree?.remove());

/** Scans `paths` in the tree: the bundle's own finding must survive whatever its map is. */
function scanBundle(paths: readonly string[] = ['.'], args: readonly string[] = []) {
  const result = scanJson([...paths, ...args], tree.root);
  expect(result.stderr).toBe('');
  return result;
}

function refusal(report: ReturnType<typeof scanBundle>['report'], bundlePath: string): string {
  const notice = report.notices.find((candidate) => candidate.code === 'sourcemap-refused' && candidate.path === bundlePath);
  expect(notice, JSON.stringify(report.notices)).toBeDefined();
  expect(notice!.level).toBe('note');
  return notice!.message;
}

describe('source maps come only from regular files inside the scanned folder', () => {
  it('refuses a relative path that climbs out to /etc/passwd, and echoes none of it', () => {
    tree = makeTree({ 'dist/app.js': bundle('../../../../../../../../../../etc/passwd') });
    const { code, report, stdout } = scanBundle();
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual([`dist/app.js:1:${LITERAL_COLUMN + 1}`]);
    expect(refusal(report, 'dist/app.js')).toMatch(/outside the scanned folder/);
    expect(stdout).not.toMatch(/root:|nologin|daemon/);
  });

  it('refuses absolute paths and file:// URLs outside the folder', () => {
    tree = makeTree({ 'a.js': bundle('/etc/passwd'), 'b.js': bundle('file:///etc/passwd') });
    const { report, stdout } = scanBundle();
    expect(refusal(report, 'a.js')).toMatch(/outside the scanned folder/);
    expect(refusal(report, 'b.js')).toMatch(/outside the scanned folder/);
    expect(stdout).not.toMatch(/root:/);
  });

  it('refuses /dev/zero, /dev/stdin and /proc entries without reading them', () => {
    tree = makeTree({ 'zero.js': bundle('/dev/zero'), 'stdin.js': bundle('/dev/stdin'), 'proc.js': bundle('/proc/self/environ') });
    const { report } = scanBundle();
    for (const name of ['zero.js', 'stdin.js', 'proc.js']) expect(refusal(report, name)).toMatch(/outside the scanned folder/);
    expect(placesOf(report, KEY).sort()).toEqual(['proc.js', 'stdin.js', 'zero.js'].map((name) => `${name}:1:${LITERAL_COLUMN + 1}`));
  });

  it('refuses a FIFO inside the folder instead of blocking on it, also as the sibling .map', () => {
    tree = makeTree({ 'named.js': bundle('named.fifo'), 'sibling.js': `${BUNDLE_LINE}\n` });
    execFileSync('mkfifo', [path.join(tree.root, 'named.fifo'), path.join(tree.root, 'sibling.js.map')]);
    const { report } = scanBundle();
    expect(refusal(report, 'named.js')).toMatch(/not a regular file/);
    expect(refusal(report, 'sibling.js')).toMatch(/not a regular file/);
  });

  it('refuses a symlink inside the folder that points out of it', () => {
    tree = makeTree({ 'dist/app.js': bundle('app.js.map'), 'dist/other.js': `${BUNDLE_LINE}\n` });
    symlinkSync('/etc/passwd', path.join(tree.root, 'dist/app.js.map'));
    symlinkSync('/etc/passwd', path.join(tree.root, 'dist/other.js.map'));
    const { report, stdout } = scanBundle();
    expect(refusal(report, 'dist/app.js')).toMatch(/outside the scanned folder/);
    expect(refusal(report, 'dist/other.js')).toMatch(/outside the scanned folder/);
    expect(stdout).not.toMatch(/root:/);
  });

  it('for a file named on the command line, the scanned folder is the file\'s folder', () => {
    tree = makeTree({ 'dist/app.js': bundle('../maps/app.js.map'), 'maps/app.js.map': sourceMap() });
    const { report } = scanBundle(['dist/app.js']);
    expect(refusal(report, 'dist/app.js')).toMatch(/outside the scanned folder/);
    const whole = scanBundle(['.']).report;
    const traced = whole.findings.find((finding) => finding.secret === KEY)!.occurrences.find((o) => o.path === 'dist/app.js');
    expect(traced?.original).toEqual({ source: '../src/config.ts', line: 1, column: 26 });
  });

  it('refuses a map larger than --max-file-size', () => {
    tree = makeTree({ 'app.js': bundle('app.js.map'), 'app.js.map': sourceMap({ padding: 'p'.repeat(4096) }) });
    const { report } = scanBundle(['app.js'], ['--max-file-size', '2KB']);
    expect(refusal(report, 'app.js')).toMatch(/over the 2048-byte limit/);
  });

  it('never fetches http(s) maps and says so', () => {
    tree = makeTree({ 'a.js': bundle('https://cdn.invalid/app.js.map'), 'b.js': bundle('http://127.0.0.1:9/app.js.map') });
    const { report } = scanBundle();
    expect(refusal(report, 'a.js')).toMatch(/remote .*not fetched/);
    expect(refusal(report, 'b.js')).toMatch(/remote .*not fetched/);
  });

  it('survives malformed percent-encoding and NUL bytes in the URL', () => {
    tree = makeTree({ 'bad.js': bundle('%E0%A4%A'), 'nul.js': bundle('app%00.map'), 'data.js': bundle('data:application/json,%E0%A4%A') });
    const { code, report } = scanBundle();
    expect(code).toBe(1);
    expect(refusal(report, 'bad.js')).toMatch(/percent-encoding/);
    expect(refusal(report, 'nul.js')).toMatch(/NUL/);
    expect(refusal(report, 'data.js')).toMatch(/percent-encoding/);
    expect(placesOf(report, KEY).sort()).toEqual(['bad.js', 'data.js', 'nul.js'].map((name) => `${name}:1:${LITERAL_COLUMN + 1}`));
  });

  it('does not quote a map\'s bytes when it is not JSON', () => {
    tree = makeTree({ 'app.js': bundle('app.js.map'), 'app.js.map': 'DB_PASSWORD_FROM_ANOTHER_FILE=hunter2\n' });
    const { report, stdout } = scanBundle(['app.js']);
    expect(noticeKeys(report)).toContain('note sourcemap-invalid app.js');
    expect(stdout).not.toContain('DB_PASS');
  });

  it('still reads maps inside the folder: relative, absolute, file:// and a large inline data: URL', () => {
    tree = makeTree({ 'maps/app.js.map': sourceMap() });
    const absolute = path.join(tree.root, 'maps/app.js.map');
    tree.write('dist/relative.js', bundle('../maps/app.js.map'));
    tree.write('dist/absolute.js', bundle(absolute));
    tree.write('dist/file-url.js', bundle(`file://${absolute}`));
    tree.write('dist/inline.js', bundle(`data:application/json;base64,${Buffer.from(sourceMap({ padding: 'p'.repeat(8192) })).toString('base64')}`));
    const { report } = scanBundle(['.']);
    const originals = report.findings
      .find((finding) => finding.secret === KEY)!
      .occurrences.filter((o) => o.path.startsWith('dist/'))
      .map((o) => `${o.path} ${o.original?.source}:${o.original?.line}:${o.original?.column}`);
    expect(originals.sort()).toEqual(['absolute', 'file-url', 'inline', 'relative'].map((name) => `dist/${name}.js ../src/config.ts:1:26`));
  });
});

describe('source maps with the wrong shapes inside', () => {
  it('a map whose sourcesContent is a string is a notice, and the rest of the scan goes on', () => {
    tree = makeTree({ 'app.js.map': sourceMap({ sourcesContent: `const k = '${EMBEDDED_KEY}';` }), 'other.env': `KEY=${KEY}\n` });
    const { code, report } = scanBundle();
    expect(code).toBe(1);
    expect(placesOf(report, KEY)).toEqual(['other.env:1:5']);
    expect(noticeKeys(report)).toContain('note sourcemap-invalid app.js.map');
  });

  it('a map whose sourcesContent holds numbers and objects scans the text entries and notes the rest', () => {
    const map = JSON.stringify({ version: 3, sources: ['a.ts', 'b.ts', 'c.ts'], sourcesContent: [42, { text: 'x' }, `const k = '${EMBEDDED_KEY}';\n`], names: [], mappings: '' });
    tree = makeTree({ 'app.js.map': map });
    const { report } = scanBundle();
    expect(placesOf(report, EMBEDDED_KEY)).toEqual(['app.js.map!c.ts:1:12']);
    const notice = report.notices.find((candidate) => candidate.code === 'sourcemap-invalid' && candidate.path === 'app.js.map');
    expect(notice?.message).toMatch(/2 sourcesContent entries are not text/);
  });

  it('a bundle traced through a map whose sourcesContent is not text keeps its finding and original position', () => {
    tree = makeTree({ 'app.js': bundle('app.js.map') });
    mkdirSync(path.join(tree.root, 'src'));
    tree.write('app.js.map', sourceMap({ sourcesContent: [{ not: 'text' }] }));
    const { code, report } = scanBundle(['app.js']);
    expect(code).toBe(1);
    expect(report.findings.find((finding) => finding.secret === KEY)?.occurrences[0]?.original).toEqual({ source: '../src/config.ts', line: 1, column: 26 });
  });
});
