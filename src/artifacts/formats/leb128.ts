/** LEB128 numbers as DEX writes them. */

/** A 32-bit value never takes more than five bytes. */
const MAX_ULEB128_BYTES = 5;

/** ULEB128 at `at`: its value and where the next field starts; `undefined` when longer than five bytes or cut off by the end. */
export function readUleb128(bytes: Uint8Array, at: number): { readonly value: number; readonly next: number } | undefined {
  let value = 0;
  for (let length = 0; length < MAX_ULEB128_BYTES && at + length < bytes.length; length++) {
    const byte = bytes[at + length] as number;
    value += (byte & 0x7f) * 2 ** (7 * length);
    if (byte < 0x80) return { value, next: at + length + 1 };
  }
  return undefined;
}
