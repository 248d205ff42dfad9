/** Token checksums that providers define, so a well-formed but mistyped or invented value is not reported. */
import type { ChecksumName } from '../types.js';

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = CRC32_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(value: number, width: number): string {
  let digits = '';
  let rest = value;
  while (rest > 0) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  return digits.padStart(width, '0');
}

/**
 * GitHub and npm tokens: `prefix_` + 30 random base62 characters + the CRC32 of those 30,
 * base62-encoded in 6 characters.
 */
function validCrc32Base62(secret: string): boolean {
  const body = secret.slice(secret.lastIndexOf('_') + 1);
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

export const checksums: Readonly<Record<ChecksumName, (secret: string) => boolean>> = {
  'crc32-base62': validCrc32Base62,
};
