import { describe, expect, it } from 'vitest';
import { base62, checksums, crc32 } from '../../src/detect/checksum.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });
});

describe('base62', () => {
  it('pads to the width', () => {
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61, 2)).toBe('0z');
    expect(base62(62, 2)).toBe('10');
  });
});

describe('crc32-base62 token checksum', () => {
  const body = 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd';
  const token = `ghp_${body}${base62(crc32(body), 6)}`;

  it('accepts a token whose last six characters are the CRC32 of the body', () => {
    expect(checksums['crc32-base62'](token)).toBe(true);
  });

  it('rejects a token with one character changed', () => {
    const changed = `ghp_${body.replace('A', 'B')}${token.slice(-6)}`;
    expect(checksums['crc32-base62'](changed)).toBe(false);
  });

  it('rejects a body of the wrong length', () => {
    expect(checksums['crc32-base62'](token.slice(0, -1))).toBe(false);
  });
});
