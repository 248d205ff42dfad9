/** Damaged gzip streams give up what they still hold, with a warning; short files are never sniffed past their end. */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { tar } from '../helpers/archives.js';
import { listGzip, memberDataStart, salvageGzip } from '../../src/artifacts/containers/gzip.js';
import { containerKind } from '../../src/artifacts/walk.js';
import type { Report as JsonReport } from './reading-cli.js';

const GARBAGE_KEY = 'sk_live_Dc3Ed8Fe5Gf0Hg7Ih2Ji9Kj4Lk1Ml6Nm3On8Po';
const CUT_KEY = 'sk_live_Qp5Rq0Sr7Ts2Ut9Vu4Wv1Xw6Yx3Zy8Az5Ba0Cb';
const CRC_KEY = 'sk_live_Ec7Fd2Ge9Hf4Ig1Jh6Ki3Lj8Mk5Nl0Om7Pn2Qo';

const env = (key: string): string => `STRIPE_KEY=${key}\n`;

/** A gzip whose trailer CRC-32 is wrong. */
function badCrc(text: string): Buffer {
  const bytes = gzipSync(text);
  bytes.writeUInt32LE(bytes.readUInt32LE(bytes.length - 8) ^ 1, bytes.length - 8);
  return bytes;
}

/** A tgz cut off part-way through its second file. */
function cutTgz(): Buffer {
  const whole = gzipSync(tar([{ name: 'first.env', content: env(CUT_KEY) }, { name: 'noise.bin', content: Buffer.alloc(64 * 1024, 'n') }]), { level: 0 });
  return whole.subarray(0, 4096);
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'garbage.env.gz': Buffer.concat([gzipSync(env(GARBAGE_KEY)), Buffer.from('trailing bytes that are no gzip member')]),
    'cut.tgz': cutTgz(),
    'crc.env.gz': badCrc(env(CRC_KEY)),
  });
});
afterAll(() => tree.remove());

function scan(name: string): { code: number | null; json: JsonReport } {
  const result = keyleak(['scan', name, '--format', 'json', '--no-redact'], { cwd: tree.root });
  return { code: result.code, json: JSON.parse(result.stdout) as JsonReport };
}

function places(json: JsonReport): string[] {
  return json.findings.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.path));
}

describe('damaged gzip', () => {
  it('scans a member followed by trailing garbage, with an entry-damaged warning', () => {
    const { code, json } = scan('garbage.env.gz');
    expect(places(json)).toEqual(['garbage.env.gz!garbage.env']);
    expect(json.notices).toEqual([{ level: 'warning', code: 'entry-damaged', path: 'garbage.env.gz!garbage.env', message: `cannot be fully decompressed (incorrect header check); the ${env(GARBAGE_KEY).length} bytes before the damage were recovered; scanned as it is` }]);
    expect(code).toBe(1);
  });

  it('scans the files of a cut-off tgz that come before the cut', () => {
    const { json } = scan('cut.tgz');
    expect(places(json)).toEqual(['cut.tgz!cut.tar!first.env']);
    expect(json.notices).toContainEqual(expect.objectContaining({ level: 'warning', code: 'entry-damaged', path: 'cut.tgz!cut.tar', message: expect.stringMatching(/unexpected end of file/) }));
    expect(json.notices).toContainEqual(expect.objectContaining({ level: 'warning', code: 'entry-unreadable', path: 'cut.tgz!cut.tar!noise.bin', message: expect.stringMatching(/truncated/) }));
  });

  it('scans a member whose CRC-32 is wrong, and says so', () => {
    const { json } = scan('crc.env.gz');
    expect(places(json)).toEqual(['crc.env.gz!crc.env']);
    expect(json.notices).toEqual([expect.objectContaining({ code: 'entry-damaged', path: 'crc.env.gz!crc.env', message: expect.stringMatching(/incorrect data check/) })]);
  });

  it('finds member data past every optional header field, and nothing in a header cut short', () => {
    const named = gzipSync('x');
    expect(memberDataStart(named, 0)).toBe(10);
    const withFields = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3, 2, 0, 9, 9]), Buffer.from('name\0comment\0'), Buffer.from([0xaa, 0xbb, 0x01])]);
    expect(memberDataStart(withFields, 0)).toBe(withFields.length - 1);
    expect(memberDataStart(Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 0x6e, 0x61]), 0)).toBeUndefined();
  });

  it('salvages at most 4,096 members, so a file of a million empty members ends in a fraction of the time', () => {
    const empty = gzipSync('');
    // The 'x' member lies past the cap: salvage stops at member 4,096 and recovers nothing, not 'x'.
    const [entry] = listGzip(Buffer.concat([...Array.from({ length: 1_000_000 }, () => empty), gzipSync('x'), Buffer.from('garbage')]), 'many.gz').entries;
    expect(() => entry!.read(1 << 20)).toThrow(/cannot be decompressed \(incorrect header check\)/);
    const letters = Buffer.concat([...Array.from({ length: 5_000 }, () => gzipSync('x')), Buffer.from('garbage')]);
    expect(Buffer.from(salvageGzip(letters, 1 << 20)).toString()).toBe('x'.repeat(4_096));
  });

  it('recovers nothing from bytes that hold no member', () => {
    expect(salvageGzip(Buffer.from('not gzip at all'), 100)).toHaveLength(0);
  });
});

describe('sniffing short files', () => {
  it('does not read past the end of a 17–24 byte file that starts like an asar', () => {
    for (let length = 17; length <= 24; length++) {
      const bytes = new Uint8Array(new ArrayBuffer(length));
      bytes[0] = 4;
      expect(containerKind(bytes)).toBeUndefined();
    }
  });
});
