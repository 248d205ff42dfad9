/** Tar headers that lie about sizes, and archives that go on after their end marker: a notice or the files, never silence. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { gzip, tar, tarHeader } from '../helpers/archives.js';
import { listTar, tarNumber } from '../../src/artifacts/containers/tar.js';
import type { Report as JsonReport } from './reading-cli.js';

const FIRST_KEY = 'sk_live_Bx7Cy2Dz9Ea4Fb1Gc6Hd3Ie8Jf5Kg0Lh7Mi2Nj';
const SECOND_KEY = 'sk_live_Ok9Pl4Qm1Rn6So3Tp8Uq5Vr0Ws7Xt2Yu9Zv4Aw';

const env = (key: string): string => `STRIPE_KEY=${key}\n`;

function block(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

/** `first`, then a header `liar` whose size cannot be trusted, then `second.env` that only a misread size would hide. */
function withLiar(liar: Buffer): Buffer {
  const [first, second] = [tar([{ name: 'first.env', content: env(FIRST_KEY) }]), tar([{ name: 'second.env', content: env(SECOND_KEY) }])];
  return Buffer.concat([first.subarray(0, first.length - 1024), liar, block('payload'), second]);
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'concatenated.tar': Buffer.concat([tar([{ name: 'first.env', content: env(FIRST_KEY) }]), tar([{ name: 'second.env', content: env(SECOND_KEY) }])]),
    'concatenated.tgz': gzip(Buffer.concat([tar([{ name: 'first.env', content: env(FIRST_KEY) }]), Buffer.alloc(10 * 512), tar([{ name: 'second.env', content: env(SECOND_KEY) }])])),
    'garbage-size.tar': withLiar(tarHeader('odd.txt', '9zz99999999\0')),
    'huge-longname.tar': withLiar(tarHeader('././@LongLink', '77777777777\0', 'L')),
    'huge-pax.tar': withLiar(tarHeader('PaxHeaders/x', '\x80\0\0\0\0\0\0\0\xff\xff\xff\xff', 'x')),
  });
});
afterAll(() => tree.remove());

function scan(name: string): { code: number | null; json: JsonReport } {
  const result = keyleak(['scan', name, '--format', 'json', '--no-redact'], { cwd: tree.root });
  return { code: result.code, json: JSON.parse(result.stdout) as JsonReport };
}

function places(json: JsonReport): string[] {
  return json.findings.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.path)).sort();
}

describe('tar end markers', () => {
  it('reads the files of tars concatenated with cat, past the first end-of-archive blocks', () => {
    const { json } = scan('concatenated.tar');
    expect(places(json)).toEqual(['concatenated.tar!first.env', 'concatenated.tar!second.env']);
    expect(json.notices).toEqual([]);
  });

  it('reads past runs of zero blocks inside a tgz', () => {
    const { json } = scan('concatenated.tgz');
    expect(places(json)).toEqual(['concatenated.tgz!concatenated.tar!first.env', 'concatenated.tgz!concatenated.tar!second.env']);
  });

  it('skips 128 MiB of zero blocks after the last file 64 KiB at a time, not block by block', () => {
    const padding = 128 * 1024 * 1024;
    const padded = Buffer.concat([tar([{ name: 'a.env', content: env(FIRST_KEY) }]), Buffer.alloc(padding)]);
    const listing = listTar(padded, 100);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['a.env']);
    expect(listing.notices).toEqual([]);
    // 2,048 strides of 64 KiB, a few 512-byte blocks at the edges, two comparisons per header; 262,144 if read block by block.
    expect(listing.steps).toBeLessThan(padding / (64 * 1024) + 300);
  });

  it('still finds a file after zero padding that is not a whole number of strides', () => {
    const second = tar([{ name: 'b.env', content: env(SECOND_KEY) }]);
    const padded = Buffer.concat([tar([{ name: 'a.env', content: env(FIRST_KEY) }]), Buffer.alloc(64 * 1024 * 3 + 512 * 5), second]);
    expect(listTar(padded, 100).entries.map((entry) => entry.name)).toEqual(['a.env', 'b.env']);
  });
});

describe('tar sizes that cannot be trusted', () => {
  it.each([
    ['garbage-size.tar', /^tar header at byte 1024 has an impossible size; the rest was not scanned$/],
    ['huge-longname.tar', /^tar header at byte 1024 \(type "L"\) claims 8589934591 bytes, past the end of the archive; the rest was not scanned$/],
    ['huge-pax.tar', /^tar header at byte 1024 \(type "x"\) claims 4294967295 bytes, past the end of the archive; the rest was not scanned$/],
  ])('%s: says where it stopped instead of silently skipping the rest', (name, message) => {
    const { code, json } = scan(name);
    expect(json.notices).toEqual([{ level: 'warning', code: 'archive-damaged', path: name, message: expect.stringMatching(message) }]);
    expect(places(json)).toEqual([`${name}!first.env`]);
    expect(code).toBe(1);
  });

  it('reads octal and base-256 numbers and refuses anything else', () => {
    const field = (text: string | number[]): Buffer => Buffer.from(typeof text === 'string' ? Buffer.from(text, 'latin1') : Uint8Array.from(text));
    expect(tarNumber(field('00000000017\0'), 0, 12)).toBe(15);
    expect(tarNumber(field(' 17 \0'), 0, 5)).toBe(15);
    expect(tarNumber(field('\0\0\0\0'), 0, 4)).toBe(0);
    expect(tarNumber(field([0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]), 0, 12)).toBe(2 * 2 ** 32);
    expect(tarNumber(field('0000000001x\0'), 0, 12)).toBeUndefined();
    expect(tarNumber(field('-1\0'), 0, 3)).toBeUndefined();
    expect(tarNumber(field([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0, 12)).toBeUndefined();
  });

  it('keeps a regular file that runs past the end as an entry that cannot be read', () => {
    const listing = listTar(Buffer.concat([tarHeader('cut.env', '00000010000\0'), block('short')]), 100);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['cut.env']);
    expect(() => listing.entries[0]!.read(1 << 20)).toThrow(/truncated/);
  });
});
