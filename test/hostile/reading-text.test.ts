/**
 * Text in UTF-16 (PowerShell profiles, .reg exports, Visual Studio files) is decoded and scanned
 * with exact columns instead of being skipped as binary; and a file longer than one JavaScript
 * string can hold is a notice, not a crash that loses every other file's results.
 */
import { closeSync, openSync, writeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES, textOf, utf16Encoding } from '../../src/sources/read.js';
import { isArtifact } from '../../src/artifacts/extract.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { noticeKeys, placesOf, scanJson } from './reading-cli.js';

const KEY = 'sk_live_b0sNnic36FZYn2QsFMNzbLCzKjQkERdSfQ85btxQ';
const OTHER_KEY = 'sk_live_lwNKrc3fFuwzX5yHAL8XFIWbGuAZLijDkx1KvJ2y';

function utf16le(text: string, bom: boolean): Buffer {
  return Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);
}

function utf16be(text: string, bom: boolean): Buffer {
  return Buffer.concat([bom ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0), Buffer.from(text, 'utf16le').swap16()]);
}

const PROFILE = `# PowerShell profile\r\n$env:STRIPE_KEY = "${KEY}"\r\n`;
const PROFILE_COLUMN = '$env:STRIPE_KEY = "'.length + 1;

let tree: Tree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

describe('UTF-16 text', () => {
  it('with a byte-order mark, little- or big-endian, is scanned at the exact line and column', () => {
    tree = makeTree({ 'le.ps1': utf16le(PROFILE, true), 'be.ps1': utf16be(PROFILE, true) });
    const { code, report } = scanJson(['.'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, KEY).sort()).toEqual([`be.ps1:2:${PROFILE_COLUMN}`, `le.ps1:2:${PROFILE_COLUMN}`]);
    expect(report.notices).toEqual([]);
  });

  it('without a byte-order mark, when every other byte is NUL, is scanned too', () => {
    const registry = `Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Shop]\r\n"ApiKey"="${KEY}"\r\n`;
    tree = makeTree({ 'export-le.reg': utf16le(registry, false), 'export-be.reg': utf16be(registry, false) });
    const { report } = scanJson(['.'], tree.root);
    expect(placesOf(report, KEY).sort()).toEqual(['export-be.reg:4:11', 'export-le.reg:4:11']);
  });

  it('counts columns in UTF-16 code units of the decoded text, the byte-order mark not counted', () => {
    const line = `é😀 KEY=${KEY}\n`;
    tree = makeTree({ 'wide.txt': utf16le(line, true) });
    const { report } = scanJson(['.'], tree.root);
    expect(placesOf(report, KEY)).toEqual([`wide.txt:1:${line.indexOf('sk_live_') + 1}`]);
    expect(line.indexOf('sk_live_') + 1).toBe(9);
  });

  it('is not mistaken for an artifact by format sniffing', () => {
    for (const bytes of [utf16le(PROFILE, true), utf16be(PROFILE, true), utf16le(PROFILE, false), utf16be(PROFILE, false)]) {
      expect(isArtifact(bytes, 'profile.ps1')).toBe(false);
      expect(textOf(bytes, 'profile.ps1')).toEqual({ kind: 'text', text: PROFILE, notices: [] });
    }
  });

  it('with a lone surrogate is still scanned, with a note', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x=', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from(`\nKEY=${OTHER_KEY}\n`, 'utf16le')]);
    tree = makeTree({ 'broken.txt': bytes });
    const { report } = scanJson(['.'], tree.root);
    expect(placesOf(report, OTHER_KEY)).toEqual(['broken.txt:2:5']);
    expect(noticeKeys(report)).toEqual(['note invalid-utf16 broken.txt']);
  });

  it('binary files stay binary: images, UTF-32, NULs that follow no UTF-16 pattern', () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), Buffer.from(`k=${KEY}`)]);
    const utf32 = Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), ...[...`KEY=${KEY}`].map((char) => Buffer.from([char.charCodeAt(0), 0, 0, 0]))]);
    const scattered = Buffer.from(Array.from({ length: 256 }, (_, index) => (index % 7 === 0 ? 0 : 0x41 + (index % 26))));
    for (const [name, bytes] of [['image.png', png], ['utf32.txt', utf32], ['scattered.bin', scattered]] as const) {
      expect(textOf(bytes, name).kind, name).toBe('binary');
    }
    expect(utf16Encoding(Buffer.from('A\0'))).toBeUndefined();
    expect(utf16Encoding(utf16le('KEY=1', false))).toBe('utf-16le');
    expect(utf16Encoding(utf16be('KEY=1', false))).toBe('utf-16be');
  });
});

describe('files too long for one string', () => {
  it(`a text file over ${MAX_TEXT_BYTES} bytes with a raised --max-file-size is a warning; the other files' results survive`, () => {
    tree = makeTree({ 'other.env': `KEY=${OTHER_KEY}\n` });
    // Sparse: a text head, then a hole; the size alone decides, so no test memory or disk is spent.
    const descriptor = openSync(path.join(tree.root, 'huge.js'), 'w');
    try {
      writeSync(descriptor, `var k = "${KEY}";\n${'/* padding */\n'.repeat(1024)}`);
      ftruncateSync(descriptor, MAX_TEXT_BYTES + 1024 * 1024);
    } finally {
      closeSync(descriptor);
    }
    const { code, report } = scanJson(['.', '--max-file-size', '1GB'], tree.root);
    expect(code).toBe(1);
    expect(placesOf(report, OTHER_KEY)).toEqual(['other.env:1:5']);
    expect(report.notices).toEqual([
      { level: 'warning', code: 'file-too-large', message: `${MAX_TEXT_BYTES + 1024 * 1024} bytes is more text than one JavaScript string can hold (${MAX_TEXT_BYTES} bytes); not scanned`, path: 'huge.js' },
    ]);
  });
});
