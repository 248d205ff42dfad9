/** asar headers are JSON anyone can write: every shape that is not a file or folder is a one-line notice, never a crash. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { asarWithHeader } from '../helpers/archives.js';
import { classifyAsarNode, listAsar } from '../../src/artifacts/containers/asar.js';

const KEY = 'sk_live_Zc4Xv7Bn2Mq9Wl5Ek8Rt1Yu6Ip3Oa0Sd7Fg4Hj';
const BODY = Buffer.from(`const stripe = "${KEY}";\n`);
const GOOD = `"main.js":{"size":${BODY.length},"offset":"0"}`;

function withGood(files: string): Buffer {
  return asarWithHeader(`{"files":{${files},${GOOD}}}`, BODY);
}

function nestedFolders(depth: number): string {
  let folder = `{"files":{${GOOD}}}`;
  for (let level = 0; level < depth; level++) folder = `{"files":{"d":${folder}}}`;
  return folder;
}

const HOSTILE: Readonly<Record<string, { readonly archive: Buffer; readonly problem: RegExp }>> = {
  'null-child.asar': { archive: withGood('"a.js":null'), problem: /"a\.js" is null, not a file or folder/ },
  'number-child.asar': { archive: withGood('"a.js":7'), problem: /"a\.js" is a number/ },
  'string-child.asar': { archive: withGood('"a.js":"x"'), problem: /"a\.js" is a string/ },
  'array-child.asar': { archive: withGood('"a.js":[1,2]'), problem: /"a\.js" is an array/ },
  'null-files.asar': { archive: withGood('"lib":{"files":null}'), problem: /"lib" has "files" that is null/ },
  'string-files.asar': { archive: withGood('"lib":{"files":"abc"}'), problem: /"lib" has "files" that is a string/ },
  'proto.asar': { archive: withGood('"__proto__":{"size":"many","offset":"0"},"constructor":{"files":7}'), problem: /2 damaged header entries.*"__proto__" has an impossible size \("many"\)/ },
  'negative.asar': { archive: withGood('"a.js":{"size":-5,"offset":"0"}'), problem: /"a\.js" has an impossible size \(-5\)/ },
  'huge.asar': { archive: withGood('"a.js":{"size":1e300,"offset":"0"}'), problem: /"a\.js" has an impossible size/ },
  'nan-offset.asar': { archive: withGood('"a.js":{"size":3,"offset":"NaN"}'), problem: /"a\.js" has an impossible offset \("NaN"\)/ },
  'deep.asar': { archive: asarWithHeader(`{"files":{${GOOD},"deep":${nestedFolders(10_000)}}}`, BODY), problem: /"deep(\/d)+…" nests deeper than 64 folders/ },
};

let tree: Tree;
beforeAll(() => {
  tree = makeTree(Object.fromEntries(Object.entries(HOSTILE).map(([name, { archive }]) => [name, archive])));
});
afterAll(() => tree.remove());

interface JsonReport {
  findings: { secret: string; occurrences: { path: string }[] }[];
  notices: { level: string; code: string; path: string; message: string }[];
}

describe('hostile asar headers', () => {
  it.each(Object.keys(HOSTILE))('%s: one archive-damaged line naming the entry, and the good file still scanned', (name) => {
    const result = keyleak(['scan', name, '--format', 'json', '--no-redact'], { cwd: tree.root });
    const json = JSON.parse(result.stdout) as JsonReport;
    expect(json.notices).toEqual([{ level: 'warning', code: 'archive-damaged', path: name, message: expect.stringMatching(HOSTILE[name]!.problem) }]);
    expect(json.notices[0]!.message).not.toMatch(/\n/);
    expect(json.findings.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.path))).toEqual([`${name}!main.js`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
  });

  it('refuses files that share bytes with another (an overlapping-entry bomb), keeping the first and zero-size files', () => {
    const header = `{"files":{${GOOD},"copy1.js":{"size":${BODY.length},"offset":"0"},"inside.js":{"size":4,"offset":"10"},"empty.js":{"size":0,"offset":"${BODY.length}"}}}`;
    const listing = listAsar(asarWithHeader(header, BODY), 100);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['main.js', 'empty.js']);
    expect(listing.notices).toEqual([{ code: 'archive-limit', message: '2 files share bytes with others (an overlapping-entry bomb); not scanned' }]);
  });

  it('calls a header with no files folder damaged', () => {
    expect(() => listAsar(asarWithHeader('{"files":null}'), 100)).toThrow(/asar header holds no "files" folder/);
  });

  it('classifies nodes: sizes as numbers or decimal strings, offsets past 2^32 as strings', () => {
    expect(classifyAsarNode({ size: '12', offset: '4294967296' })).toEqual({ kind: 'file', size: 12, offset: 4294967296 });
    expect(classifyAsarNode({ size: 1, unpacked: true })).toEqual({ kind: 'unpacked' });
    expect(classifyAsarNode({ link: 'a/b' })).toEqual({ kind: 'link' });
    expect(classifyAsarNode({ size: 1.5, offset: '0' })).toEqual({ kind: 'damaged', problem: 'has an impossible size (1.5)' });
    expect(classifyAsarNode({ size: 1, offset: '99999999999999999' })).toEqual({ kind: 'damaged', problem: 'has an impossible offset ("99999999999999999")' });
  });

  it('keeps the order files are listed in, folders included', () => {
    const bytes = asarWithHeader('{"files":{"a":{"files":{"x":{"size":1,"offset":"0"}}},"b":{"size":1,"offset":"1"},"c":{"files":{"y":{"size":1,"offset":"2"}}}}}', Buffer.from('123'));
    expect(listAsar(bytes, 100).entries.map((entry) => [entry.name, Buffer.from(entry.read(10)).toString()])).toEqual([
      ['a/x', '1'],
      ['b', '2'],
      ['c/y', '3'],
    ]);
  });
});
