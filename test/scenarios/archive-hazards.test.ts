/** Hostile archives through the real CLI: every hazard ends in a notice, the rest is still scanned. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { asar, crx, gzip, tar, zip } from '../helpers/archives.js';

const TRAVERSAL_KEY = 'sk_live_oyjONMk9vtFywX3gn2uxAkCZj1kAPrXigXwZ5Psg';
const AFTER_BOMB_KEY = 'sk_live_k6Qs793BnjRyoxKxVbvRnfgemHNVPrPwxEGMPwFA';
const DEEP_KEY = 'sk_live_cCX9HmyWGxwZNirVHn4WsDjfU4D3bTWJ34bYwU94';
const TOO_DEEP_KEY = 'sk_live_iSvd0xB5kc9JiRNwVDctFXjNbh1mtDdfdEGQ9PK3';
const DUPLICATE_KEYS = ['sk_live_l4KrJ4H8hKYvI7CCyYxZQHpL6Lc3wdiZZUEOvNWR', 'sk_live_1eevwyeioRogaN4SmllkzecJRBanTLjNQKeHwueX'];
const TGZ_KEY = 'sk_live_KtVX3USxyl163zbkBQHjpHBfn8ufXB3FQoNkxrkL';
const ASAR_KEY = 'sk_live_4xips2Vy5CpNulaWBuPizSSGjkh73VneVCzpxaTq';

const RAW_KEY = 'sk_live_Q3mT8vRzK1pWcY6nHd2LxJ9fGbA4sE7uV0oN5iB';
const RAW_UTF16_KEY = 'sk_live_W2eR7tY1uI9oP4aS6dF3gH8jK5lZ0xC2vB7nM1q';

/** An unknown binary format: NUL-padded records, one secret as ASCII and one as UTF-16LE. */
function unknownBinary(): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x02, 0xff]), Buffer.alloc(64), Buffer.from(RAW_KEY), Buffer.alloc(16), Buffer.from(RAW_UTF16_KEY, 'utf16le'), Buffer.alloc(32)]);
}

/** The committed fat Mach-O with its arm64 slice marked FairPlay-encrypted (cryptid 1). */
function encryptedMachO(): Buffer {
  const bytes = Buffer.from(readFileSync(new URL('../../fixtures/apps/out/parts/Leaky', import.meta.url)));
  const slices = bytes.readUInt32BE(4);
  for (let slice = 0; slice < slices; slice++) {
    const arch = 8 + slice * 20;
    if (bytes.readUInt32BE(arch) !== 0x0100000c) continue;
    const start = bytes.readUInt32BE(arch + 8);
    let command = start + 32;
    for (let index = 0; index < bytes.readUInt32LE(start + 16); index++) {
      if (bytes.readUInt32LE(command) === 0x2c) bytes.writeUInt32LE(1, command + 16);
      command += bytes.readUInt32LE(command + 4);
    }
  }
  return bytes;
}

function nested(depth: number, secret: string): Uint8Array {
  let archive: Uint8Array = zip([{ name: 'config.env', content: `STRIPE_KEY=${secret}\n` }]);
  for (let level = depth - 1; level >= 1; level--) archive = zip([{ name: `level${level}.zip`, content: archive }]);
  return archive;
}

interface JsonReport {
  findings: { ruleId: string; level: string; secret: string; occurrences: { path: string; artifact: string; chain: string[]; startLine: number; shipped?: { via: string; app?: string } }[] }[];
  notices: { level: string; code: string; path: string; message: string }[];
}

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'traversal.zip': zip([{ name: '../../evil.env', content: `STRIPE_KEY=${TRAVERSAL_KEY}\n` }, { name: '/abs/evil.txt', content: 'absolute' }]),
    // 200 MiB of zeros deflate to about 200 KB: built here, never committed.
    'bomb.zip': zip([{ name: 'zeros.bin', content: new Uint8Array(200 * 1024 * 1024) }, { name: 'after.env', content: `STRIPE_KEY=${AFTER_BOMB_KEY}\n` }]),
    'nested8.zip': nested(8, DEEP_KEY),
    'nested9.zip': nested(9, TOO_DEEP_KEY),
    'dupe.zip': zip(DUPLICATE_KEYS.map((key) => ({ name: 'config.env', content: `STRIPE_KEY=${key}\n` }))),
    'release.tgz': gzip(tar([{ name: 'app/.env', content: `STRIPE_KEY=${TGZ_KEY}\n` }])),
    'resources/app.asar': asar({ 'package.json': '{"name":"desk"}', 'src/main.js': `const a = 1;\nconst stripe = "${ASAR_KEY}";\n` }),
    'ext.crx': crx(zip([{ name: 'background.js', content: `fetch(url, { key: "${TRAVERSAL_KEY}" });\n` }])),
    'corrupt.apk': Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]),
    'game.apk': zip([{ name: 'assets/data/level.bin', content: unknownBinary() }, { name: 'lib/arm64-v8a/libbroken.so', content: Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01'), Buffer.alloc(57), Buffer.from(`key=${RAW_KEY}`), Buffer.alloc(8)]) }]),
    'Store.ipa': zip([{ name: 'Payload/Store.app/Store', content: encryptedMachO() }]),
  });
});
afterAll(() => tree.remove());

function scan(args: readonly string[] = []): { code: number | null; json: JsonReport; stderr: string } {
  const result = keyleak(['scan', '.', '--format', 'json', '--no-redact', '--threads', '1', ...args], { cwd: tree.root });
  return { code: result.code, json: JSON.parse(result.stdout) as JsonReport, stderr: result.stderr };
}

function placesOf(json: JsonReport, secret: string): string[] {
  return json.findings.filter((finding) => finding.secret === secret).flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.path));
}

describe('hazard archives', () => {
  let cached: ReturnType<typeof scan> | undefined;
  const run = () => (cached ??= scan());

  it('keeps traversal names as names and writes nothing to disk', () => {
    const { json } = run();
    expect(placesOf(json, TRAVERSAL_KEY)).toContain('traversal.zip!../../evil.env');
    expect(existsSync(path.resolve(tree.root, '../../evil.env'))).toBe(false);
  });

  it('stops a ratio bomb with a notice and still finds the entry after it', () => {
    const { json } = run();
    expect(json.notices).toContainEqual(expect.objectContaining({ code: 'archive-limit', path: 'bomb.zip!zeros.bin', message: expect.stringMatching(/compression bomb/) }));
    expect(placesOf(json, AFTER_BOMB_KEY)).toEqual(['bomb.zip!after.env']);
  });

  it('opens eight levels of nesting and stops at the ninth', () => {
    const { json } = run();
    expect(placesOf(json, DEEP_KEY)).toEqual([`nested8.zip!${Array.from({ length: 7 }, (_, index) => `level${index + 1}.zip`).join('!')}!config.env`]);
    expect(placesOf(json, TOO_DEEP_KEY)).toEqual([]);
    expect(json.notices).toContainEqual(expect.objectContaining({ code: 'archive-limit', path: expect.stringMatching(/^nested9\.zip!.*level8\.zip$/) }));
  });

  it('scans every duplicate entry', () => {
    const { json } = run();
    for (const key of DUPLICATE_KEYS) expect(placesOf(json, key)).toEqual(['dupe.zip!config.env']);
  });

  it('reads tgz, asar (with the line inside the entry) and crx', () => {
    const { json } = run();
    expect(placesOf(json, TGZ_KEY)).toEqual(['release.tgz!release.tar!app/.env']);
    const asarFinding = json.findings.find((finding) => finding.secret === ASAR_KEY)!;
    expect(asarFinding.occurrences).toEqual([expect.objectContaining({ path: 'resources/app.asar!src/main.js', artifact: 'resources/app.asar', chain: ['src/main.js'], startLine: 2 })]);
    expect(asarFinding.level).toBe('error');
    expect(asarFinding.occurrences[0]!.shipped).toEqual({ via: 'app', app: 'resources/app.asar' });
    expect(placesOf(json, TRAVERSAL_KEY)).toContain('ext.crx!background.js');
  });

  it('reads unknown binaries as printable and UTF-16 runs, and damaged ones with a notice', () => {
    const { json } = run();
    const raw = json.findings.find((finding) => finding.secret === RAW_KEY)!;
    expect(raw.occurrences.map((occurrence) => [occurrence.path, (occurrence as { where?: string }).where])).toEqual([
      ['game.apk!assets/data/level.bin', 'utf8 string at 0x44'],
      ['game.apk!lib/arm64-v8a/libbroken.so', expect.stringMatching(/^utf8 string at 0x/)],
    ]);
    expect(placesOf(json, RAW_UTF16_KEY)).toEqual(['game.apk!assets/data/level.bin']);
    expect(json.notices).toContainEqual(expect.objectContaining({ code: 'format-damaged', path: 'game.apk!lib/arm64-v8a/libbroken.so', message: expect.stringMatching(/^damaged elf: .+; printable strings scanned instead$/) }));
  });

  it('says when a FairPlay-encrypted slice cannot be read, and still reads the other slice', () => {
    const { json } = run();
    expect(json.notices).toContainEqual(expect.objectContaining({ code: 'decode-notice', path: 'Store.ipa!Payload/Store.app/Store', message: expect.stringMatching(/FairPlay.*arm64/) }));
    const aws = json.findings.find((finding) => finding.ruleId === 'aws-access-key-id' && finding.occurrences.some((occurrence) => occurrence.path.startsWith('Store.ipa')))!;
    expect(aws.occurrences.map((occurrence) => (occurrence as { where?: string }).where)).toContainEqual(expect.stringMatching(/__TEXT,__cstring \(x86_64\)/));
  });

  it('reports a corrupt container in one line and exits 2 when nothing else is wrong', () => {
    const only = keyleak(['scan', 'corrupt.apk'], { cwd: tree.root });
    expect(only.code).toBe(2);
    expect(only.stdout).toMatch(/corrupt\.apk: damaged zip: .+ \[archive-damaged\]/);
    expect(only.stderr).toBe('');
  });

  it('honours the archive flags', () => {
    const { json } = scan(['--max-archive-depth', '0']);
    expect(json.findings).toEqual([]);
    expect(json.notices.filter((notice) => notice.code === 'archive-limit').length).toBeGreaterThanOrEqual(7);
    const entrySize = scan(['--max-entry-size', '16']);
    expect(entrySize.json.notices).toContainEqual(expect.objectContaining({ code: 'archive-limit', path: 'dupe.zip!config.env', message: expect.stringMatching(/--max-entry-size/) }));
  });
});
