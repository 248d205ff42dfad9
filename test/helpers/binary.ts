/** Synthetic binary files for the artifact decoder tests: byte builders, and seeded damage to feed decoders. */
import { expect } from 'vitest';
import { type Extraction, FormatError } from '../../src/artifacts/strings.js';

/** Little-endian byte writer. */
export class Writer {
  private buffer = new Uint8Array(256);
  private written = 0;

  get length(): number {
    return this.written;
  }

  private room(bytes: number): void {
    if (this.written + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.written + bytes));
    grown.set(this.buffer.subarray(0, this.written));
    this.buffer = grown;
  }

  u8(value: number): this {
    this.room(1);
    this.buffer[this.written++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    return this.u8(value).u8(value >>> 8);
  }

  u32(value: number): this {
    return this.u16(value & 0xffff).u16(value >>> 16);
  }

  bytes(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buffer.set(bytes, this.written);
    this.written += bytes.length;
    return this;
  }

  pad4(): this {
    while (this.written % 4 !== 0) this.u8(0);
    return this;
  }

  /** A copy of what was written, in its own buffer. */
  done(): Uint8Array {
    return this.buffer.slice(0, this.written);
  }
}

/** An Android resource chunk (resources.arsc, binary XML): `ResChunk_header`, the rest of the header, the body. */
export function chunk(type: number, header: Uint8Array, body: Uint8Array): Uint8Array {
  const headerSize = 8 + header.length;
  return new Writer().u16(type).u16(headerSize).u32(headerSize + body.length).bytes(header).bytes(body).done();
}

/** A `ResStringPool` chunk in UTF-8 or UTF-16, long strings with two-unit lengths. */
export function stringPool(strings: readonly string[], utf8: boolean): Uint8Array {
  const data = new Writer();
  const offsets = new Writer();
  for (const text of strings) {
    offsets.u32(data.length);
    if (utf8) {
      const encoded = new TextEncoder().encode(text);
      for (const length of [text.length, encoded.length]) {
        if (length < 0x80) data.u8(length);
        else data.u8(0x80 | (length >>> 8)).u8(length);
      }
      data.bytes(encoded).u8(0);
    } else {
      if (text.length < 0x8000) data.u16(text.length);
      else data.u16(0x8000 | (text.length >>> 16)).u16(text.length);
      for (let index = 0; index < text.length; index++) data.u16(text.charCodeAt(index));
      data.u16(0);
    }
  }
  data.pad4();
  const header = new Writer()
    .u32(strings.length)
    .u32(0)
    .u32(utf8 ? 0x100 : 0)
    .u32(28 + strings.length * 4)
    .u32(0)
    .done();
  return chunk(0x0001, header, new Writer().bytes(offsets.done()).bytes(data.done()).done());
}

/** Modified UTF-8 as javac and dx/d8 write it: per UTF-16 code unit, NUL as C0 80. */
export function mutf8(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit !== 0 && unit < 0x80) bytes.push(unit);
    else if (unit < 0x800) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
  }
  return bytes;
}

export interface Damage {
  /** The same seed gives the same copies on every run. */
  readonly seed: number;
  readonly rounds: number;
  /** Every `cutEvery`th round, round 0 included, also cuts the copy short at a random length. */
  readonly cutEvery: number;
  /** Each copy gets 1 to `maxHits` random bytes written at random places. */
  readonly maxHits: number;
  /** Every `every`th round, round 0 included, damages `length` random bytes instead of the original. */
  readonly noise?: { readonly every: number; readonly length: number };
}

/** Randomly damaged copies of `original`, from a seeded linear congruential generator. */
export function* damagedCopies(original: Uint8Array, damage: Damage): Generator<Uint8Array> {
  let seed = damage.seed;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  for (let round = 0; round < damage.rounds; round++) {
    const bytes =
      damage.noise !== undefined && round % damage.noise.every === 0
        ? Uint8Array.from({ length: damage.noise.length }, () => Math.floor(random() * 256))
        : original.slice(0, round % damage.cutEvery === 0 ? Math.floor(random() * original.length) : original.length);
    for (let hits = 0; hits < 1 + Math.floor(random() * damage.maxHits); hits++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    yield bytes;
  }
}

/** What `decode` returns, or the FormatError it throws; any other error propagates. */
export function decodesOrRejects<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T | FormatError {
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
}

/** Feeds `decode` damaged copies of `original`: each must decode to string values or throw FormatError, nothing else. */
export function expectOnlyFormatErrors(decode: (bytes: Uint8Array) => Extraction, original: Uint8Array, damage: Damage): void {
  for (const bytes of damagedCopies(original, damage)) {
    const result = decodesOrRejects(decode, bytes);
    if (!(result instanceof FormatError)) for (const string of result.strings) expect(typeof string.value).toBe('string');
  }
}

/** Values a hostile header puts in a count, size or offset: all ones, the sign bit, just below it. */
const EXTREME_WORDS = [0xffffffff, 0x80000000, 0x7fffffff] as const;

/** Copies of `original` with one 32-bit word in its first `span` bytes set to an extreme value, in either byte order. */
export function* extremeWordCopies(original: Uint8Array, span: number): Generator<{ readonly bytes: Buffer; readonly change: string }> {
  for (let at = 0; at + 4 <= Math.min(span, original.length); at += 2) {
    for (const value of EXTREME_WORDS) {
      for (const order of ['LE', 'BE'] as const) {
        const bytes = Buffer.from(original);
        if (order === 'LE') bytes.writeUInt32LE(value, at);
        else bytes.writeUInt32BE(value, at);
        yield { bytes, change: `0x${value.toString(16)} ${order} at byte ${at}` };
      }
    }
  }
}
