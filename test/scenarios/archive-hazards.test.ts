/** Hostile archives through the real CLI: every hazard ends in a notice, the rest is still scanned. */
import { existsSync } from 'node:fs';
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
