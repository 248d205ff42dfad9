/** A small bplist00 writer for tests: objects are given already encoded, references are object indices. */

export const countedMarker = (type: number, count: number): number[] => {
  if (count < 15) return [(type << 4) | count];
  if (count < 0x100) return [(type << 4) | 0xf, 0x10, count];
  if (count < 0x10000) return [(type << 4) | 0xf, 0x11, count >> 8, count & 0xff];
  return [(type << 4) | 0xf, 0x12, (count >>> 24) & 0xff, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff];
};
export const ascii = (value: string): number[] => [...countedMarker(0x5, value.length), ...Buffer.from(value, 'latin1')];
export const utf16 = (value: string): number[] => [...countedMarker(0x6, value.length), ...Buffer.from(value, 'utf16le').swap16()];
export const array = (...refs: number[]): number[] => [...countedMarker(0xa, refs.length), ...refs];
export const set = (...refs: number[]): number[] => [...countedMarker(0xc, refs.length), ...refs];
export const dict = (entries: readonly (readonly [number, number])[]): number[] => [
  ...countedMarker(0xd, entries.length),
  ...entries.map(([key]) => key),
  ...entries.map(([, value]) => value),
];
export const int = (value: number): number[] => [0x10, value];
export const data = (value: string): number[] => [...countedMarker(0x4, value.length), ...Buffer.from(value, 'latin1')];
export const TRUE = [0x09];

/** Header, objects, a 2-byte offset table and the trailer; references are one byte. */
export function bplist(objects: readonly (readonly number[])[], topObject = 0): Uint8Array {
  const body: number[] = [...Buffer.from('bplist00', 'latin1')];
  const offsets: number[] = [];
  for (const object of objects) {
    offsets.push(body.length);
    body.push(...object);
  }
  const offsetTableOffset = body.length;
  for (const offset of offsets) body.push(offset >> 8, offset & 0xff);
  const trailer = new DataView(new ArrayBuffer(32));
  trailer.setUint8(6, 2);
  trailer.setUint8(7, 1);
  trailer.setBigUint64(8, BigInt(objects.length));
  trailer.setBigUint64(16, BigInt(topObject));
  trailer.setBigUint64(24, BigInt(offsetTableOffset));
  return new Uint8Array([...body, ...new Uint8Array(trailer.buffer)]);
}

