/**
 * Hermes bytecode (React Native `index.android.bundle` / `main.jsbundle`, versions 76 and later): every
 * string of the string table, literals and identifiers alike, and every object literal built from
 * the literal buffers as `key: "value"` lines, since the string table alone has lost which property
 * a string was the value of.
 */
import { type ExtractedString, type Extraction, FormatError } from '../strings.js';
import { bufferView } from './mutf8.js';
import { readObjectLiterals, type HermesSections, type ObjectLiteral } from './hermes-literals.js';

const MAGIC = [0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f] as const;
const HEADER_SIZE = 128;
const VERSION_OFFSET = 0x08;
const FUNCTION_COUNT_OFFSET = 0x28;
const STRING_KIND_COUNT_OFFSET = 0x2c;
const IDENTIFIER_COUNT_OFFSET = 0x30;
const STRING_COUNT_OFFSET = 0x34;
const OVERFLOW_STRING_COUNT_OFFSET = 0x38;
const STRING_STORAGE_SIZE_OFFSET = 0x3c;
const FIRST_SUPPORTED_VERSION = 76;
const LAST_KNOWN_VERSION = 99;
/** Hermes V1 (bytecode 97+) dropped one word from each small function header. */
const LAST_VERSION_WITH_16_BYTE_FUNCTION_HEADERS = 96;
const STRING_KIND_ENTRY_SIZE = 4;
const IDENTIFIER_HASH_SIZE = 4;
const SMALL_STRING_ENTRY_SIZE = 4;
const OVERFLOW_ENTRY_SIZE = 8;
/** A small-table length of 255 means the real offset and length sit in the overflow table. */
const OVERFLOW_MARKER = 255;
/**
 * Hermes packs strings so that they overlap, so the decoded total may exceed the storage size; far
 * beyond it, the entries are crafted to make the decoder repeat itself, and the rest are skipped.
 */
const DECODE_BUDGET_PER_FILE_BYTE = 8;
const MIN_DECODE_BUDGET = 1024 * 1024;

interface StringTableLayout {
  readonly functionCount: number;
  readonly functionHeaderSize: number;
  readonly stringCount: number;
  readonly smallTableOffset: number;
  readonly overflowCount: number;
  readonly overflowTableOffset: number;
  readonly storageOffset: number;
  readonly storageSize: number;
}

interface StringSpan {
  readonly isUtf16: boolean;
  readonly offset: number;
  readonly length: number;
}

export function isHermes(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((byte, at) => bytes[at] === byte);
}

/**
 * A version newer than the newest known is read with the newest layout: the string table has kept
 * its place through every version so far, and the bounds checks turn a changed layout into a
 * FormatError (then the raw fallback) rather than wrong strings.
 */
function functionHeaderSize(version: number): number {
  if (version < FIRST_SUPPORTED_VERSION) throw new FormatError(`Hermes bytecode version ${version} predates version ${FIRST_SUPPORTED_VERSION}, the oldest layout supported`);
  return version <= LAST_VERSION_WITH_16_BYTE_FUNCTION_HEADERS ? 16 : 12;
}

/** Every segment size is a multiple of four, so the segments' 4-byte alignment adds no padding. */
function readLayout(bytes: Uint8Array, view: DataView): StringTableLayout {
  if (!isHermes(bytes)) throw new FormatError('not Hermes bytecode (magic C6 1F BC 03 C1 03 19 1F missing)');
  if (bytes.length < HEADER_SIZE) throw new FormatError(`Hermes header is truncated (${bytes.length} of ${HEADER_SIZE} bytes)`);
  const count = (offset: number) => view.getUint32(offset, true);
  const functionCount = count(FUNCTION_COUNT_OFFSET);
  const headerSize = functionHeaderSize(count(VERSION_OFFSET));
  const smallTableOffset =
    HEADER_SIZE +
    functionCount * headerSize +
    count(STRING_KIND_COUNT_OFFSET) * STRING_KIND_ENTRY_SIZE +
    count(IDENTIFIER_COUNT_OFFSET) * IDENTIFIER_HASH_SIZE;
  const stringCount = count(STRING_COUNT_OFFSET);
  const overflowTableOffset = smallTableOffset + stringCount * SMALL_STRING_ENTRY_SIZE;
  const overflowCount = count(OVERFLOW_STRING_COUNT_OFFSET);
  const storageOffset = overflowTableOffset + overflowCount * OVERFLOW_ENTRY_SIZE;
  const storageSize = count(STRING_STORAGE_SIZE_OFFSET);
  if (storageOffset + storageSize > bytes.length) {
    throw new FormatError(`Hermes string table ends at 0x${(storageOffset + storageSize).toString(16)}, past the end of the file (${bytes.length} bytes)`);
  }
  return { functionCount, functionHeaderSize: headerSize, stringCount, smallTableOffset, overflowCount, overflowTableOffset, storageOffset, storageSize };
}

/** The small-table entry packs isUTF16 (bit 0), offset (bits 1–23) and length (bits 24–31). */
function stringSpan(view: DataView, layout: StringTableLayout, index: number): StringSpan | undefined {
  const entry = view.getUint32(layout.smallTableOffset + index * SMALL_STRING_ENTRY_SIZE, true);
  const isUtf16 = (entry & 1) === 1;
  const offset = (entry >>> 1) & 0x7fffff;
  const length = entry >>> 24;
  if (length !== OVERFLOW_MARKER) return { isUtf16, offset, length };
  if (offset >= layout.overflowCount) return undefined;
  const overflowEntry = layout.overflowTableOffset + offset * OVERFLOW_ENTRY_SIZE;
  return { isUtf16, offset: view.getUint32(overflowEntry, true), length: view.getUint32(overflowEntry + 4, true) };
}

function notices(version: number, outOfBounds: number, overBudget: number): string[] {
  const found: string[] = version > LAST_KNOWN_VERSION ? [`Hermes bytecode version ${version} is newer than the newest known (${LAST_KNOWN_VERSION}); read with the version ${LAST_KNOWN_VERSION} layout`] : [];
  if (outOfBounds > 0) found.push(`${outOfBounds} Hermes strings point outside the string storage, skipped`);
  if (overBudget > 0) found.push(`Hermes strings overlap beyond ${DECODE_BUDGET_PER_FILE_BYTE}x the file size: ${overBudget} strings skipped`);
  return found;
}

/** A property name as one line: a crafted identifier may hold line breaks. */
function propertyName(name: string): string {
  return name.replace(/[\r\n]/g, ' ');
}

/**
 * An object literal as the text rules read: one `key: "value"` line per string-valued property
 * (JSON-escaped, so a value keeps its quotes and line breaks visible), as the source had it.
 */
function renderLiteral(literal: ObjectLiteral, table: readonly (string | undefined)[]): string | undefined {
  const lines: string[] = [];
  literal.keys.forEach((key, at) => {
    const value = literal.values[at];
    if (key === undefined || value === undefined || !('string' in value)) return;
    const name = table[key];
    const text = table[value.string];
    if (name === undefined || text === undefined) return;
    lines.push(`${propertyName(name)}: ${JSON.stringify(text)}`);
  });
  return lines.length === 0 ? undefined : lines.join('\n');
}

function objectLiterals(buffer: Buffer, layout: StringTableLayout, version: number, table: readonly (string | undefined)[]): Extraction {
  const sections: HermesSections = {
    version,
    functionCount: layout.functionCount,
    functionHeaderSize: layout.functionHeaderSize,
    storageEnd: layout.storageOffset + layout.storageSize,
    stringCount: layout.stringCount,
  };
  try {
    const reading = readObjectLiterals(buffer, sections);
    const strings: ExtractedString[] = [];
    reading.literals.forEach((literal, index) => {
      const value = renderLiteral(literal, table);
      if (value !== undefined) strings.push({ value, locator: { kind: 'object-literal', table: 'hermes', index }, unit: `object literal #${index}` });
    });
    return { strings, notices: reading.notices };
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return { strings: [], notices: [`Hermes object literals not read: ${error.message}`] };
  }
}

export function decodeHermes(bytes: Uint8Array): Extraction {
  const buffer = bufferView(bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const layout = readLayout(buffer, view);
  const version = view.getUint32(VERSION_OFFSET, true);
  const strings: ExtractedString[] = [];
  const table: (string | undefined)[] = [];
  let budget = Math.max(buffer.length * DECODE_BUDGET_PER_FILE_BYTE, MIN_DECODE_BUDGET);
  let outOfBounds = 0;
  let overBudget = 0;
  for (let index = 0; index < layout.stringCount; index++) {
    const span = stringSpan(view, layout, index);
    const byteLength = span ? span.length * (span.isUtf16 ? 2 : 1) : 0;
    if (!span || span.offset + byteLength > layout.storageSize) {
      outOfBounds++;
      continue;
    }
    if (byteLength > budget) {
      overBudget = layout.stringCount - index;
      break;
    }
    budget -= byteLength;
    const start = layout.storageOffset + span.offset;
    // hermesc writes one-byte strings only for ASCII text; Latin-1 keeps any other byte visible too.
    const value = buffer.toString(span.isUtf16 ? 'utf16le' : 'latin1', start, start + byteLength);
    table[index] = value;
    strings.push({ value, locator: { kind: 'string-table', table: 'hermes', index } });
  }
  const literals = objectLiterals(buffer, layout, version, table);
  return { strings: [...strings, ...literals.strings], notices: [...notices(version, outOfBounds, overBudget), ...literals.notices] };
}
