import { describe, expect, it } from 'vitest';
import { walkArtifact, type Leaf } from '../../src/artifacts/walk.js';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../src/artifacts/limits.js';
import { listZip } from '../../src/artifacts/containers/zip.js';
import { listTar } from '../../src/artifacts/containers/tar.js';
import { asar, crx, gzip, tar, zip } from '../helpers/archives.js';

function leavesOf(bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}) {
  const leaves: { chain: string; text: string; containers: string }[] = [];
  const remarks = walkArtifact(bytes, 'artifact', { ...DEFAULT_ARCHIVE_LIMITS, ...limits }, (leaf: Leaf) => {
    leaves.push({ chain: leaf.chain.join('!'), text: Buffer.from(leaf.bytes).toString('utf8'), containers: leaf.containers.join('>') });
  });
  return { leaves, remarks: remarks.map((remark) => ({ ...remark, chain: remark.chain.join('!') })) };
}

describe('zip reader', () => {
  it('lists stored and deflated entries by the central directory and skips folders', () => {
    const listing = listZip(zip([{ name: 'a.txt', content: 'alpha', stored: true }, { name: 'dir/', content: '' }, { name: 'dir/b.txt', content: 'beta'.repeat(100) }]), 100);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['a.txt', 'dir/b.txt']);
    expect(Buffer.from(listing.entries[1]!.read(1000)).toString()).toBe('beta'.repeat(100));
  });

  it('stops inflating at the limit', () => {
    const [entry] = listZip(zip([{ name: 'zeros', content: new Uint8Array(100_000) }]), 10).entries;
    expect(() => entry!.read(1000)).toThrow(/limit/);
  });

  it('refuses entries that share another entry’s data (overlapping-entry bomb)', () => {
    const listing = listZip(zip([{ name: 'kernel', content: 'x'.repeat(50), aliases: ['copy1', 'copy2'] }]), 100);
    expect(listing.entries.map((entry) => entry.name)).toEqual(['kernel']);
    expect(listing.notices).toEqual([{ code: 'archive-limit', message: expect.stringMatching(/^2 entries overlap/) }]);
  });

  it('stops at the entry limit with a notice', () => {
    const listing = listZip(zip(Array.from({ length: 5 }, (_, index) => ({ name: `f${index}`, content: 'x' }))), 3);
    expect(listing.entries).toHaveLength(3);
    expect(listing.notices).toEqual([{ code: 'archive-limit', message: expect.stringMatching(/^more than 3 entries/) }]);
  });
});

describe('tar reader', () => {
  it('reads ustar members and rejects a damaged first header', () => {
    const archive = tar([{ name: 'etc/app.env', content: 'TOKEN=1' }, { name: 'b', content: 'two' }]);
    expect(listTar(archive, 10).entries.map((entry) => entry.name)).toEqual(['etc/app.env', 'b']);
    const damaged = Buffer.from(archive);
    damaged[0] = 0x7a;
    expect(() => listTar(damaged, 10)).toThrow(/damaged tar header/);
  });
});

describe('walkArtifact', () => {
  it('follows nested containers and names each leaf by its chain', () => {
    const inner = tar([{ name: 'config/.env', content: 'inner' }]);
    const outer = zip([{ name: 'bundle.tgz', content: gzip(inner) }, { name: 'top.txt', content: 'top' }]);
    const { leaves, remarks } = leavesOf(outer);
    expect(remarks).toEqual([]);
    expect(leaves).toEqual([
      { chain: 'bundle.tgz!bundle.tar!config/.env', text: 'inner', containers: 'zip>gzip>tar' },
      { chain: 'top.txt', text: 'top', containers: 'zip' },
    ]);
  });

  it('keeps traversal and absolute names as names, and scans duplicates', () => {
    const { leaves } = leavesOf(zip([{ name: '../../evil.txt', content: 'a' }, { name: '/abs/evil.txt', content: 'b' }, { name: 'dup.txt', content: 'one' }, { name: 'dup.txt', content: 'two' }]));
    expect(leaves.map((leaf) => `${leaf.chain}=${leaf.text}`)).toEqual(['../../evil.txt=a', '/abs/evil.txt=b', 'dup.txt=one', 'dup.txt=two']);
  });

  it('opens containers only to the depth limit', () => {
    let nested: Uint8Array = zip([{ name: 'secret.txt', content: 'deep' }]);
    for (let level = 1; level < 8; level++) nested = zip([{ name: `level${level}.zip`, content: nested }]);
    expect(leavesOf(nested).leaves.map((leaf) => leaf.text)).toEqual(['deep']);
    const limited = leavesOf(nested, { maxDepth: 3 });
    expect(limited.leaves).toEqual([]);
    expect(limited.remarks).toEqual([{ chain: 'level7.zip!level6.zip!level5.zip', code: 'archive-limit', message: expect.stringMatching(/past the depth limit of 3/) }]);
    expect(leavesOf(nested, { maxDepth: 0 }).remarks[0]!.message).toMatch(/depth limit of 0/);
  });

  it('stops a ratio bomb with a notice and still scans the other entries', () => {
    const archive = zip([{ name: 'bomb.bin', content: new Uint8Array(8 * 1024 * 1024) }, { name: 'after.txt', content: 'still here' }]);
    const { leaves, remarks } = leavesOf(archive);
    expect(leaves.map((leaf) => leaf.chain)).toEqual(['after.txt']);
    expect(remarks).toEqual([{ chain: 'bomb.bin', code: 'archive-limit', message: expect.stringMatching(/compression bomb/) }]);
  });

  it('shares one decompression budget across the whole artifact', () => {
    const archive = zip([{ name: 'a', content: 'a'.repeat(600) }, { name: 'b', content: 'b'.repeat(600) }]);
    const { leaves, remarks } = leavesOf(archive, { maxTotalBytes: 1000 });
    expect(leaves.map((leaf) => leaf.chain)).toEqual(['a']);
    expect(remarks[0]!.message).toMatch(/--max-archive-size/);
  });

  it('reports a damaged container and an unreadable entry, and goes on', () => {
    const good = zip([{ name: 'ok.txt', content: 'fine' }, { name: 'locked.txt', content: 'x', encrypted: true }]);
    const truncatedZip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]);
    const { leaves, remarks } = leavesOf(zip([{ name: 'broken.zip', content: truncatedZip, stored: true }, { name: 'good.zip', content: good, stored: true }]));
    expect(leaves.map((leaf) => leaf.chain)).toEqual(['good.zip!ok.txt']);
    expect(remarks.map((remark) => `${remark.chain} ${remark.code}`)).toEqual(['broken.zip archive-damaged', 'good.zip!locked.txt entry-unreadable']);
  });

  it('reads a CRX after its header, and an asar', () => {
    expect(leavesOf(crx(zip([{ name: 'background.js', content: 'js' }]))).leaves).toEqual([{ chain: 'background.js', text: 'js', containers: 'crx' }]);
    expect(leavesOf(asar({ 'main.js': 'main', 'lib/util.js': 'util' })).leaves.map((leaf) => `${leaf.chain}=${leaf.text}`)).toEqual(['main.js=main', 'lib/util.js=util']);
  });

  it('says which asar files are unpacked beside the archive', () => {
    const { leaves, remarks } = leavesOf(asar({ 'main.js': 'main' }, ['addon.node']));
    expect(leaves.map((leaf) => `${leaf.chain}=${leaf.text}`)).toEqual(['main.js=main']);
    expect(remarks).toEqual([{ chain: '', code: 'archive-unpacked', message: expect.stringMatching(/^1 files are unpacked/) }]);
  });

  it('hands a file that is no container to the visitor as it is', () => {
    expect(leavesOf(Buffer.from('plain')).leaves).toEqual([{ chain: '', text: 'plain', containers: '' }]);
  });
});
