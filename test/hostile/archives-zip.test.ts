/** Zips as real tools write them past the classic limits (zip64), damaged ones, and overlap bombs that hide behind padding. */
import { spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { crx, zip } from '../helpers/archives.js';
import { listZip, miscounted } from '../../src/artifacts/containers/zip.js';
import { overlappingSpans } from '../../src/artifacts/containers/container.js';
import { tableCrc32 } from '../../src/artifacts/containers/crc32.js';
import type { Report as JsonReport } from './reading-cli.js';

const PYTHON_MANY_KEY = 'sk_live_8fJ2kQ7wZp3VbN6xR1tYc9LmD4sH0gAeUi5oKq';
const PYTHON_RECORDS_KEY = 'sk_live_Fs1Gt6Hu3Iv8Jw5Kx0Ly7Mz2Na9Ob4Pc1Qd6Re';
const UNSATURATED_KEY = 'sk_live_Ve3Wf8Xg5Yh0Zi7Aj2Bk9Cl4Dm1En6Fo3Gp8Hq';
const PYTHON_FORCED_KEY = 'sk_live_T5nB8vC1xZ4mQ7wE2rY9uI3oP6aS0dFgHjKlLz';
const CRAFTED_KEY = 'sk_live_Hq3Wm8Zt1Xc6Vb9Nn2Lk5Jd0Pf7Rg4Ys8Ua3Ei6';
const CRX_KEY = 'sk_live_Ra7Tb2Uc9Vd4We1Xf6Yg3Zh8Ai5Bj0Ck7Dl2Em9';
const DAMAGED_KEY = 'sk_live_Gp4Hq9Ir2Js7Kt0Lu5Mv8Nw3Ox6Py1Qz4Ra9Sb2';
const HIDDEN_KEY = 'sk_live_Jt8Ku3Lv0Mw5Nx2Oy7Pz4Qa9Rb6Sc1Td8Ue3Vf0Wg';
const WRAPPED_KEY = 'sk_live_Xh5Yi0Zj7Ak2Bl9Cm4Dn1Eo6Fp3Gq8Hr5Is0Jt7';
const FOLDER_KEY = 'sk_live_Lc2Md7Ne4Of9Pg6Qh1Ri8Sj5Tk0Ul3Vm8Wn5Xo2Yp';
const BOGUS_CRX_KEY = 'sk_live_Nq4Or9Ps6Qt1Ru8Sv3Tw0Ux5Vy2Wz7Xa4Yb9Zc6A';
const OVERLAP_KEY = 'sk_live_Mf6Ng1Oh8Pi3Qj0Rk5Sl2Tm9Un4Vo7Wp2Xq5Yr8';

const hasPython = spawnSync('python3', ['--version']).status === 0;

function python(script: string, cwd: string): void {
  const result = spawnSync('python3', ['-c', script], { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/**
 * Two stored entries that share one data range, the second's local header hidden in the first's
 * extra field well past `header + 30 + data size`, so header positions alone look disjoint.
 */
function paddedOverlapZip(content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  const names = [Buffer.from('a.env'), Buffer.from('b.env')];
  const second = 100 + data.length;
  const local = (name: Buffer, extraLength: number): Buffer => {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(10, 4);
    header.writeUInt32LE(crc32(data), 14);
    header.writeUInt32LE(data.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(extraLength, 28);
    return Buffer.concat([header, name]);
  };
  const firstLocal = local(names[0]!, second);
  const secondLocal = local(names[1]!, 0);
  const padding = Buffer.alloc(second);
  padding.writeUInt16LE(0xcafe, 0);
  padding.writeUInt16LE(second - 4, 2);
  secondLocal.copy(padding, second - firstLocal.length);
  const body = Buffer.concat([firstLocal, padding, data]);
  const central = (name: Buffer, offset: number): Buffer => {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(10, 6);
    header.writeUInt32LE(crc32(data), 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    return Buffer.concat([header, name]);
  };
  const directory = Buffer.concat([central(names[0]!, 0), central(names[1]!, second)]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(2, 8);
  end.writeUInt16LE(2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(body.length, 16);
  return Buffer.concat([body, directory, end]);
}

/**
 * A central header saying 0xFFFFFFFF whose extra field runs through the end record into the
 * comment, where a zip64 field (id 1) declares 65,535 bytes at the very end of the file.
 */
function zip64FieldPastTheEnd(): Buffer {
  const name = Buffer.from('a.txt');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt32LE(5, 18);
  local.writeUInt32LE(5, 22);
  local.writeUInt16LE(name.length, 26);
  const body = Buffer.concat([local, name, Buffer.from('hello')]);
  const comment = Buffer.from([1, 0, 0xff, 0xff]);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt32LE(0xffffffff, 20);
  central.writeUInt32LE(0xffffffff, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(4 + 22 + comment.length, 30);
  const skipEndRecord = Buffer.alloc(4);
  skipEndRecord.writeUInt16LE(0xcafe, 0);
  skipEndRecord.writeUInt16LE(22, 2);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length + skipEndRecord.length, 12);
  end.writeUInt32LE(body.length, 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([body, central, name, skipEndRecord, end, comment]);
}

/** `bytes` with the end record's entry counts overwritten, as a writer that lowers or wraps them would leave it. */
function withCount(bytes: Buffer, count: number): Buffer {
  bytes.writeUInt16LE(count, bytes.length - 22 + 8);
  bytes.writeUInt16LE(count, bytes.length - 22 + 10);
  return bytes;
}

/** A CRX whose header length points far past the end of the file. */
function bogusCrx(zipBytes: Buffer): Buffer {
  const bytes = crx(zipBytes);
  bytes.writeUInt32LE(0xffffffff, 8);
  return bytes;
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'crafted64.zip': zip([{ name: 'notes.txt', content: 'hello' }, { name: 'config/.env', content: `STRIPE_KEY=${CRAFTED_KEY}\n` }], undefined, { zip64: true }),
    'ext.crx': crx(zip([{ name: 'background.js', content: `const key = "${CRX_KEY}";\n` }], undefined, { zip64: true })),
    'damaged.zip': zip([{ name: 'config.env', content: `STRIPE_KEY=${DAMAGED_KEY}\n`, recordedCrc: 0x12345678 }, { name: 'fine.txt', content: 'fine' }]),
    'hidden.zip': withCount(zip([{ name: 'readme.txt', content: 'hello' }, { name: 'hidden.env', content: `STRIPE_KEY=${HIDDEN_KEY}\n` }]), 1),
    'wrapped.zip': withCount(zip([...Array.from({ length: 65_536 }, (_, index) => ({ name: `f/${index}`, content: '', stored: true })), { name: 'last.env', content: `STRIPE_KEY=${WRAPPED_KEY}\n` }]), 1),
    'folder.zip': zip([{ name: 'assets/', content: '' }, { name: 'config/', content: `STRIPE_KEY=${FOLDER_KEY}\n` }]),
    'bogus.crx': bogusCrx(zip([{ name: 'background.js', content: `const key = "${BOGUS_CRX_KEY}";\n` }])),
    'padded-overlap.zip': paddedOverlapZip(`STRIPE_KEY=${OVERLAP_KEY}\n`),
  });
  if (hasPython) {
    python(
      [
        'import zipfile',
        "with zipfile.ZipFile('many.zip', 'w', zipfile.ZIP_STORED) as z:",
        "    for i in range(70000): z.writestr(f'f/{i}.txt', 'x')",
        `    z.writestr('deep/z.env', 'STRIPE_KEY=${PYTHON_MANY_KEY}\\n')`,
        "with zipfile.ZipFile('forced.zip', 'w', zipfile.ZIP_DEFLATED) as z:",
        "    with z.open('app/.env', 'w', force_zip64=True) as f:",
        `        f.write(b'STRIPE_KEY=${PYTHON_FORCED_KEY}\\n')`,
        // Python writes the zip64 records once the directory starts past 2 GiB, but the 32-bit
        // fields still fit below 4 GiB and keep their values: lowering its limit shows that on a small file.
        'zipfile.ZIP64_LIMIT = 4',
        'zipfile.ZIP_FILECOUNT_LIMIT = 1',
        "with zipfile.ZipFile('records.zip', 'w', zipfile.ZIP_DEFLATED) as z:",
        "    z.writestr('readme.txt', 'hello world')",
        `    z.writestr('app/.env', 'STRIPE_KEY=${PYTHON_RECORDS_KEY}\\n')`,
      ].join('\n'),
      tree.root,
    );
  }
});
afterAll(() => tree.remove());

function scan(...paths: string[]): { code: number | null; json: JsonReport } {
  const result = keyleak(['scan', ...paths, '--format', 'json', '--no-redact', '--threads', '1'], { cwd: tree.root });
  return { code: result.code, json: JSON.parse(result.stdout) as JsonReport };
}

function placesOf(json: JsonReport, secret: string): string[] {
  return json.findings.filter((finding) => finding.secret === secret).flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.path));
}

describe('zip64', () => {
  it.skipIf(!hasPython)('reads a zip of 70,001 entries written by Python (entry count 0xFFFF, zip64 end records)', () => {
    const { code, json } = scan('many.zip');
    expect(placesOf(json, PYTHON_MANY_KEY)).toEqual(['many.zip!deep/z.env']);
    expect(json.notices).toEqual([]);
    expect(code).toBe(1);
  });

  it.skipIf(!hasPython)("reads a member Python wrote with force_zip64", () => {
    const { json } = scan('forced.zip');
    expect(placesOf(json, PYTHON_FORCED_KEY)).toEqual(['forced.zip!app/.env']);
    expect(json.notices).toEqual([]);
  });

  it.skipIf(!hasPython)('reads a zip whose zip64 records sit before classic fields that are not saturated (Python, directory past 2 GiB)', () => {
    const { json } = scan('records.zip');
    expect(placesOf(json, PYTHON_RECORDS_KEY)).toEqual(['records.zip!app/.env']);
    expect(json.notices).toEqual([]);
  });

  it('reads a crafted zip with zip64 records and unsaturated classic fields, also behind a CRX header', () => {
    const unsaturated = (bytes: Buffer): Buffer => {
      const record = bytes.length - 22 - 20 - 56;
      const end = bytes.length - 22;
      bytes.writeUInt16LE(Number(bytes.readBigUInt64LE(record + 24)), end + 8);
      bytes.writeUInt16LE(Number(bytes.readBigUInt64LE(record + 32)), end + 10);
      bytes.writeUInt32LE(Number(bytes.readBigUInt64LE(record + 40)), end + 12);
      bytes.writeUInt32LE(Number(bytes.readBigUInt64LE(record + 48)), end + 16);
      return bytes;
    };
    const members = [{ name: 'config/.env', content: `STRIPE_KEY=${UNSATURATED_KEY}\n` }];
    const plain = listZip(unsaturated(zip(members, undefined, { zip64: true })), 100);
    const behindCrx = listZip(unsaturated(crx(zip(members, undefined, { zip64: true }))), 100);
    for (const listing of [plain, behindCrx]) {
      expect(listing.entries.map((entry) => [entry.name, Buffer.from(entry.read(1000)).toString()])).toEqual([['config/.env', `STRIPE_KEY=${UNSATURATED_KEY}\n`]]);
      expect(listing.notices).toEqual([]);
    }
  });

  it('reads sizes and offsets from the zip64 extra field when the headers say 0xFFFFFFFF, also behind a CRX header', () => {
    const { json } = scan('crafted64.zip', 'ext.crx');
    expect(placesOf(json, CRAFTED_KEY)).toEqual(['crafted64.zip!config/.env']);
    expect(placesOf(json, CRX_KEY)).toEqual(['ext.crx!background.js']);
    expect(json.notices).toEqual([]);
  });

  it('lists every entry of a crafted zip64 with its real size', () => {
    const listing = listZip(zip([{ name: 'a.txt', content: 'abc', stored: true }, { name: 'b.txt', content: 'defg', stored: true }], undefined, { zip64: true }), 100);
    expect(listing.entries.map((entry) => [entry.name, entry.storedSize, Buffer.from(entry.read(100)).toString()])).toEqual([
      ['a.txt', 3, 'abc'],
      ['b.txt', 4, 'defg'],
    ]);
    expect(listing.notices).toEqual([]);
  });

  it('calls a zip64 record with an impossible directory offset damaged', () => {
    const bytes = zip([{ name: 'a.txt', content: 'abc' }], undefined, { zip64: true });
    const record = bytes.length - 22 - 20 - 56;
    bytes.writeBigUInt64LE(0xffffffffffffff00n, record + 48);
    expect(() => listZip(bytes, 100)).toThrow(/zip64 directory offset of \d+ is impossible/);
  });

  it('reads no zip64 field past the extra field or the file: the entry is unreadable, not an internal error', () => {
    tree.write('solo/past-the-end.zip', zip64FieldPastTheEnd());
    const result = keyleak(['scan', 'solo/past-the-end.zip'], { cwd: tree.root });
    expect(result.stdout).toMatch(/solo\/past-the-end\.zip!a\.txt: not scanned: entry data runs past the end of the file \[entry-unreadable\]/);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
  });

  it('calls a zip64 locator pointing nowhere damaged', () => {
    const bytes = zip([{ name: 'a.txt', content: 'abc' }], undefined, { zip64: true });
    bytes.fill(0, bytes.length - 22 - 20 - 56, bytes.length - 22 - 20);
    expect(() => listZip(bytes, 100)).toThrow(/damaged zip64 end of central directory/);
  });
});

describe('entry counts', () => {
  it('scans an entry past a lowered entry count, and says the count is wrong', () => {
    const { json } = scan('hidden.zip');
    expect(placesOf(json, HIDDEN_KEY)).toEqual(['hidden.zip!hidden.env']);
    expect(json.notices).toEqual([expect.objectContaining({ level: 'warning', code: 'archive-damaged', path: 'hidden.zip', message: 'the central directory lists 1 entries but holds 2' })]);
  });

  it('reads all 65,537 entries of a zip whose writer kept only the low 16 bits of the count', () => {
    const { json } = scan('wrapped.zip');
    expect(placesOf(json, WRAPPED_KEY)).toEqual(['wrapped.zip!last.env']);
    expect(json.notices).toEqual([]);
  });

  it('tells a wrapped count from a wrong one', () => {
    expect(miscounted(65_537, 1)).toBe(false);
    expect(miscounted(131_072, 0)).toBe(false);
    expect(miscounted(2, 1)).toBe(true);
    expect(miscounted(1, 2)).toBe(true);
    expect(miscounted(65_537 + 0x10000, 65_537)).toBe(true);
  });
});

describe('odd places for data', () => {
  it('scans a folder entry that holds bytes, and leaves empty folders out', () => {
    const { json } = scan('folder.zip');
    expect(placesOf(json, FOLDER_KEY)).toEqual(['folder.zip!config/']);
    expect(json.notices).toEqual([]);
  });

  it('finds the zip of a CRX whose header length is bogus, from its end records', () => {
    const { json } = scan('bogus.crx');
    expect(placesOf(json, BOGUS_CRX_KEY)).toEqual(['bogus.crx!background.js']);
    expect(json.notices).toEqual([]);
  });
});

describe('CRC-32', () => {
  it('computes the same CRC-32 as zlib without it (Node before 20.15)', () => {
    for (const text of ['', 'a', '123456789', 'x'.repeat(70_000)]) expect(tableCrc32(Buffer.from(text))).toBe(crc32(Buffer.from(text)));
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('warns about a member whose CRC-32 does not match, naming it, and still scans it', () => {
    const { code, json } = scan('damaged.zip');
    expect(json.notices).toEqual([expect.objectContaining({ level: 'warning', code: 'entry-damaged', path: 'damaged.zip!config.env', message: expect.stringMatching(/CRC-32 does not match/) })]);
    expect(placesOf(json, DAMAGED_KEY)).toEqual(['damaged.zip!config.env']);
    expect(code).toBe(1);
  });

  it('exits 2 on a damaged member that holds no secret, in one line', () => {
    tree.write('solo/bad.zip', zip([{ name: 'readme.txt', content: 'hello', recordedCrc: 1 }]));
    const only = keyleak(['scan', 'solo/bad.zip'], { cwd: tree.root });
    expect(only.code).toBe(2);
    expect(only.stdout).toMatch(/solo\/bad\.zip!readme\.txt: .*CRC-32 does not match.* \[entry-damaged\]/);
    expect(only.stderr).toBe('');
  });
});

describe('overlapping entries', () => {
  it('refuses an entry whose data lies inside another entry even when its local header is padded apart', () => {
    const { json } = scan('padded-overlap.zip');
    expect(json.notices).toContainEqual(expect.objectContaining({ code: 'archive-limit', path: 'padded-overlap.zip', message: expect.stringMatching(/^1 entries overlap/) }));
    expect(placesOf(json, OVERLAP_KEY)).toEqual(['padded-overlap.zip!a.env']);
  });

  it('judges spans, not starts: a later span starting inside an earlier one is refused, touching ones are kept', () => {
    expect(overlappingSpans([{ start: 0, end: 100 }, { start: 100, end: 150 }, { start: 120, end: 130 }, { start: 99, end: 99 }])).toEqual(new Set([2, 3]));
    expect(overlappingSpans([{ start: 200, end: 300 }, { start: 0, end: 250 }])).toEqual(new Set([0]));
  });
});
