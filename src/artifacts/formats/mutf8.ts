/**
 * Modified UTF-8, the string encoding of DEX string data and class-file `CONSTANT_Utf8` entries: like
 * UTF-8, except that U+0000 is written `C0 80` and a supplementary character is written as its two
 * UTF-16 surrogates, three bytes each. `TextDecoder` would turn those surrogates into U+FFFD, so
 * anything beyond ASCII is decoded here, into UTF-16 code units that Node turns into a string natively.
 */

const REPLACEMENT = 0xfffd;

/** A `Buffer` over the same memory, for Node's native Latin-1 and UTF-16 slicing (no copy). */
export function bufferView(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; at++) {
    if ((bytes[at] as number) >= 0x80) return false;
  }
  return true;
}

function isContinuation(bytes: Uint8Array, at: number, end: number): boolean {
  return at < end && ((bytes[at] as number) & 0xc0) === 0x80;
}

/**
 * Decodes `bytes[start, end)`. A byte that starts no valid sequence, or a sequence cut short, becomes
 * U+FFFD and decoding resumes at the next byte, so one damaged string never loses its neighbours.
 * Four-byte standard UTF-8, which some non-conforming tools write, is accepted as well.
 */
export function decodeModifiedUtf8(bytes: Buffer, start: number, end: number): string {
  if (isAscii(bytes, start, end)) return bytes.toString('latin1', start, end);
  // UTF-16LE output, built byte by byte so that host endianness does not matter; every input byte
  // yields at most one code unit (a four-byte sequence yields two).
  const output = Buffer.allocUnsafe(2 * (end - start));
  let length = 0;
  const put = (unit: number) => {
    output[length++] = unit & 0xff;
    output[length++] = unit >> 8;
  };
  let at = start;
  while (at < end) {
    const lead = bytes[at] as number;
    if (lead < 0x80) {
      put(lead);
      at += 1;
    } else if (lead >= 0xc0 && lead < 0xe0 && isContinuation(bytes, at + 1, end)) {
      put(((lead & 0x1f) << 6) | ((bytes[at + 1] as number) & 0x3f));
      at += 2;
    } else if (lead >= 0xe0 && lead < 0xf0 && isContinuation(bytes, at + 1, end) && isContinuation(bytes, at + 2, end)) {
      put(((lead & 0x0f) << 12) | (((bytes[at + 1] as number) & 0x3f) << 6) | ((bytes[at + 2] as number) & 0x3f));
      at += 3;
    } else if (lead >= 0xf0 && lead < 0xf5 && isContinuation(bytes, at + 1, end) && isContinuation(bytes, at + 2, end) && isContinuation(bytes, at + 3, end)) {
      const codePoint =
        ((lead & 0x07) << 18) | (((bytes[at + 1] as number) & 0x3f) << 12) | (((bytes[at + 2] as number) & 0x3f) << 6) | ((bytes[at + 3] as number) & 0x3f);
      if (codePoint > 0xffff && codePoint <= 0x10ffff) {
        put(0xd800 + ((codePoint - 0x10000) >> 10));
        put(0xdc00 + ((codePoint - 0x10000) & 0x3ff));
      } else {
        put(REPLACEMENT);
      }
      at += 4;
    } else {
      put(REPLACEMENT);
      at += 1;
    }
  }
  return output.toString('utf16le', 0, length);
}
