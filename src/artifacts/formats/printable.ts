/**
 * The raw string finder: runs of printable text in any bytes, as UTF-8 and as UTF-16 in both byte
 * orders. It is the fallback for every blob a structured decoder cannot read, and the scanner for
 * data sections whose strings have no table (ELF `.rodata`, Mach-O `__const`).
 */
import type { ExtractedString } from '../strings.js';

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be';

export interface TextRunOptions {
  /** Shortest run reported, in characters (default 8). */
  readonly minLength?: number;
  /** Where `bytes` starts in its file; added to every offset. */
  readonly base?: number;
}

export interface TextRun {
  readonly value: string;
  readonly offset: number;
  readonly encoding: TextEncoding;
}

const DEFAULT_MIN_LENGTH = 8;
/** Longer runs are cut so that one huge blob of text never becomes one huge candidate. */
const MAX_RUN_BYTES = 64 * 1024;

/** Printable ASCII plus tab, LF and CR: PEM blocks and embedded config span lines. */
const IS_TEXT_BYTE = ((): Uint8Array => {
  const table = new Uint8Array(256);
  for (let byte = 0x20; byte < 0x7f; byte++) table[byte] = 1;
  table[0x09] = table[0x0a] = table[0x0d] = 1;
  return table;
})();

/** Bytes that cannot sit anywhere inside printable UTF-8: controls, DEL, 0xC0, 0xC1, 0xF5..0xFF. */
const IS_UTF8_BREAK = ((): Uint8Array => {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    const nonText = byte < 0x80 && IS_TEXT_BYTE[byte] === 0;
    table[byte] = nonText || byte === 0xc0 || byte === 0xc1 || byte > 0xf4 ? 1 : 0;
  }
  return table;
})();

const UTF16BE = new TextDecoder('utf-16be');

interface Span {
  readonly start: number;
  readonly end: number;
  readonly chars: number;
  readonly encoding: TextEncoding;
}

/**
 * Length of the well-formed UTF-8 sequence for a printable non-ASCII character at `at`, or 0.
 * C1 controls (U+0080..U+009F), surrogates and overlong forms are rejected as binary noise.
 */
function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0xc2 || lead > 0xf4) return 0;
  let length = 4;
  let low = 0x80;
  let high = 0xbf;
  if (lead < 0xe0) {
    length = 2;
    if (lead === 0xc2) low = 0xa0;
  } else if (lead < 0xf0) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else {
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  }
  if (at + length > bytes.length) return 0;
  const second = bytes[at + 1]!;
  if (second < low || second > high) return 0;
  for (let index = 2; index < length; index++) if ((bytes[at + index]! & 0xc0) !== 0x80) return 0;
  return length;
}

/** Bytes of a printable character: 1 for ASCII text, the sequence length for UTF-8, 0 for noise. */
function charLength(bytes: Uint8Array, at: number): number {
  const byte = bytes[at]!;
  if (IS_TEXT_BYTE[byte] === 1) return 1;
  return byte >= 0xc2 ? utf8SequenceLength(bytes, at) : 0;
}

function utf8Spans(bytes: Uint8Array, minLength: number): Span[] {
  const spans: Span[] = [];
  const end = bytes.length;
  for (let at = 0; at < end; ) {
    // A reportable run starting in [at, probe] spans probe; a break there rules all of them out at once.
    const probe = at + minLength - 1;
    if (probe < end && IS_UTF8_BREAK[bytes[probe]!] === 1) {
      at = probe + 1;
      continue;
    }
    if (charLength(bytes, at) === 0) {
      at++;
      continue;
    }
    const start = at;
    const limit = Math.min(end, start + MAX_RUN_BYTES);
    let chars = 0;
    for (;;) {
      const asciiStart = at;
      while (at < limit && IS_TEXT_BYTE[bytes[at]!] === 1) at++;
      chars += at - asciiStart;
      const length = at < limit ? charLength(bytes, at) : 0;
      if (length === 0 || at + length > limit) break;
      chars++;
      at += length;
    }
    if (chars >= minLength) spans.push({ start, end: at, chars, encoding: 'utf8' });
  }
  return spans;
}

/** Runs of ASCII text characters, each paired with a zero byte after it (LE) or before it (BE). */
function utf16Spans(bytes: Uint8Array, minLength: number, encoding: 'utf16le' | 'utf16be'): Span[] {
  const charAt = encoding === 'utf16le' ? 0 : 1;
  const zeroAt = 1 - charAt;
  const spans: Span[] = [];
  const lastPairStart = bytes.length - 2;
  const isUnit = (at: number): boolean => bytes[at + zeroAt] === 0 && IS_TEXT_BYTE[bytes[at + charAt]!] === 1;
  const isUnitEitherWay = (at: number): boolean =>
    bytes[at] === 0 ? IS_TEXT_BYTE[bytes[at + 1]!] === 1 : bytes[at + 1] === 0 && IS_TEXT_BYTE[bytes[at]!] === 1;
  for (let at = 0; at <= lastPairStart; ) {
    // A reportable run starting in [at, probe] covers the byte pair at probe, whatever its alignment.
    const probe = at + 2 * minLength - 2;
    if (probe <= lastPairStart && !isUnitEitherWay(probe)) {
      at = probe + 1;
      continue;
    }
    if (!isUnit(at)) {
      at++;
      continue;
    }
    let end = at + 2;
    while (end <= lastPairStart && end - at < MAX_RUN_BYTES && isUnit(end)) end += 2;
    const chars = (end - at) / 2;
    if (chars >= minLength) spans.push({ start: at, end, chars, encoding });
    // No run of either alignment can start inside this one: its odd bytes are zeros.
    at = end;
  }
  return spans;
}

/**
 * UTF-16 text with zero bytes on both sides reads as LE and, shifted by one byte, as BE. Such
 * overlapping runs are one string: keep the longer reading, LE when they tie.
 */
function mergeUtf16(le: readonly Span[], be: readonly Span[]): Span[] {
  const kept: Span[] = [];
  let leIndex = 0;
  let beIndex = 0;
  while (leIndex < le.length || beIndex < be.length) {
    const takeLe = beIndex >= be.length || (leIndex < le.length && le[leIndex]!.start <= be[beIndex]!.start);
    const next = takeLe ? le[leIndex++]! : be[beIndex++]!;
    const previous = kept[kept.length - 1];
    if (previous === undefined || next.start >= previous.end) kept.push(next);
    else if (next.chars > previous.chars || (next.chars === previous.chars && next.encoding === 'utf16le')) kept[kept.length - 1] = next;
  }
  return kept;
}

function decodeSpan(buffer: Buffer, span: Span): string {
  if (span.encoding === 'utf16le') return buffer.toString('utf16le', span.start, span.end);
  if (span.encoding === 'utf16be') return UTF16BE.decode(buffer.subarray(span.start, span.end));
  return buffer.toString('utf8', span.start, span.end);
}

function textSpans(bytes: Uint8Array, minLength: number): Span[] {
  const utf16 = mergeUtf16(utf16Spans(bytes, minLength, 'utf16le'), utf16Spans(bytes, minLength, 'utf16be'));
  return utf8Spans(bytes, minLength).concat(utf16);
}

/** Printable runs with their encodings: UTF-8 runs first, then UTF-16 runs, each group in file order. */
export function findTextRuns(bytes: Uint8Array, options: TextRunOptions = {}): TextRun[] {
  const minLength = Math.max(1, options.minLength ?? DEFAULT_MIN_LENGTH);
  const base = options.base ?? 0;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return textSpans(bytes, minLength).map((span) => ({ value: decodeSpan(buffer, span), offset: base + span.start, encoding: span.encoding }));
}

/** The raw fallback: every printable run as a candidate located by its byte offset. */
export function printableRuns(bytes: Uint8Array, options: TextRunOptions = {}): ExtractedString[] {
  return findTextRuns(bytes, options).map(({ value, offset, encoding }) => ({ value, locator: { kind: 'offset', offset, encoding } }));
}
