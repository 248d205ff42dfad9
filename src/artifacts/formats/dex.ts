/**
 * Android DEX (`classes.dex`): every string of the string pool. The pool holds literals (from
 * `const-string` and from static field initial values alike) next to class, method and field names,
 * so reading all of it misses no literal, whatever code references it.
 *
 * A string that is the initial value of a static field (`static final String AWS_SECRET_ACCESS_KEY =
 * "..."`) gets the field name as its key: that name is often the only keyword a rule can rely on.
 *
 * After the pool come the constants the code passes to keys and passwords (dex-code.ts), keyed by
 * that use (`key for javax.crypto.spec.SecretKeySpec.<init>`), with a `use` locator.
 */
import { readUleb128 } from './leb128.js';
import { type ExtractedString, type Extraction, FormatError } from '../strings.js';
import { bufferView, decodeModifiedUtf8 } from './mutf8.js';
import { dexUses } from './dex-code.js';

const HEADER_SIZE = 0x70;
const ENDIAN_TAG_OFFSET = 0x28;
const STRING_IDS_SIZE_OFFSET = 0x38;
const STRING_IDS_OFF_OFFSET = 0x3c;
const TYPE_IDS_SIZE_OFFSET = 0x40;
const TYPE_IDS_OFF_OFFSET = 0x44;
const PROTO_IDS_SIZE_OFFSET = 0x48;
const PROTO_IDS_OFF_OFFSET = 0x4c;
const FIELD_IDS_SIZE_OFFSET = 0x50;
const FIELD_IDS_OFF_OFFSET = 0x54;
const METHOD_IDS_SIZE_OFFSET = 0x58;
const METHOD_IDS_OFF_OFFSET = 0x5c;
const CLASS_DEFS_SIZE_OFFSET = 0x60;
const CLASS_DEFS_OFF_OFFSET = 0x64;
const FILE_SIZE_OFFSET = 0x20;
const HEADER_SIZE_OFFSET = 0x24;
/** v41 ("container") headers carry `container_size` after the classic header. */
const CONTAINER_SIZE_OFFSET = 0x70;
const CONTAINER_HEADER_SIZE = 0x78;
const CONTAINER_VERSION = 41;
const REVERSE_ENDIAN_TAG = 0x78563412;
const MAX_STRING_IDS = 4 * 1024 * 1024;
/** A UTF-16 code unit takes at most three bytes of MUTF-8. */
const MAX_BYTES_PER_UNIT = 3;
/**
 * String data items never overlap in a well-formed file, so scanning more than a few times the file
 * size means crafted string ids all pointing into one long run; the cap keeps that linear.
 */
const SCAN_BUDGET_PER_FILE_BYTE = 8;

/** field_id_item: class_idx u16, type_idx u16, name_idx u32. */
const FIELD_ID_SIZE = 8;
const FIELD_ID_NAME_OFFSET = 4;
/** class_def_item: eight u32, the last two being class_data_off and static_values_off. */
const CLASS_DEF_SIZE = 32;
const CLASS_DATA_OFF_IN_CLASS_DEF = 24;
const STATIC_VALUES_OFF_IN_CLASS_DEF = 28;
/** class_data_item starts with four counts: static fields, instance fields, direct and virtual methods. */
const CLASS_DATA_COUNTS_AFTER_STATIC_FIELDS = 3;
/** An encoded_value header byte is `(value_arg << 5) | value_type`. */
const VALUE_TYPE_MASK = 0x1f;
const VALUE_ARG_SHIFT = 5;
const VALUE_STRING = 0x17;
const VALUE_ARRAY = 0x1c;
const VALUE_ANNOTATION = 0x1d;
const VALUE_NULL = 0x1e;
const VALUE_BOOLEAN = 0x1f;
/** Largest payload of each fixed-size value type; a value holds `value_arg + 1` bytes of it. */
const VALUE_MAX_SIZES: ReadonlyMap<number, number> = new Map([
  [0x00, 1], // byte
  [0x02, 2], // short
  [0x03, 2], // char
  [0x04, 4], // int
  [0x06, 8], // long
  [0x10, 4], // float
  [0x11, 8], // double
  [0x15, 4], // method type
  [0x16, 4], // method handle
  [VALUE_STRING, 4],
  [0x18, 4], // type
  [0x19, 4], // field
  [0x1a, 4], // method
  [0x1b, 4], // enum
]);
/** Arrays and annotations nest a few levels in real files; the cap bounds the recursion that skips them. */
const MAX_VALUE_NESTING = 32;
/**
 * d8 shares identical static-value arrays between classes, so a few passes over the same bytes are
 * normal; crafted class_defs all pointing at one huge class_data are not, and the cap keeps them linear.
 */
const LINK_BUDGET_PER_FILE_BYTE = 8;

export interface DexHeader {
  readonly at: number;
  readonly version: number;
  readonly fileSize: number;
  readonly headerSize: number;
  readonly stringIdsSize: number;
  readonly stringIdsOff: number;
  readonly typeIdsSize: number;
  readonly typeIdsOff: number;
  readonly protoIdsSize: number;
  readonly protoIdsOff: number;
  readonly methodIdsSize: number;
  readonly methodIdsOff: number;
  readonly fieldIdsSize: number;
  readonly fieldIdsOff: number;
  readonly classDefsSize: number;
  readonly classDefsOff: number;
}

interface Tally {
  budget: number;
  outOfBounds: number;
  unterminated: number;
  overBudget: number;
  /** Field names are extras: damage here costs keys, never strings. */
  linkBudget: number;
  unreadableClassTables: number;
  damagedClasses: number;
  classesOverLinkBudget: number;
  /** Methods whose code could not be read for uses (found by use: dex-code.ts). */
  damagedMethods: number;
  usesOverBudget: boolean;
}

/** A static field initialised with a string constant: its field_ids index and the value's string_ids index. */
interface StaticStringField {
  readonly fieldIndex: number;
  readonly stringIndex: number;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function hasMagicAt(bytes: Uint8Array, at: number): boolean {
  return (
    bytes[at] === 0x64 &&
    bytes[at + 1] === 0x65 &&
    bytes[at + 2] === 0x78 &&
    bytes[at + 3] === 0x0a &&
    isDigit(bytes[at + 4]) &&
    isDigit(bytes[at + 5]) &&
    isDigit(bytes[at + 6]) &&
    bytes[at + 7] === 0
  );
}

export function isDex(bytes: Uint8Array): boolean {
  return hasMagicAt(bytes, 0);
}

function hex(offset: number): string {
  return `0x${offset.toString(16)}`;
}

function readHeader(bytes: Uint8Array, view: DataView, at: number): DexHeader {
  if (!hasMagicAt(bytes, at)) throw new FormatError(`no DEX magic at ${hex(at)}`);
  if (at + HEADER_SIZE > bytes.length) throw new FormatError(`DEX header at ${hex(at)} is truncated (${bytes.length - at} of ${HEADER_SIZE} bytes)`);
  if (view.getUint32(at + ENDIAN_TAG_OFFSET, true) === REVERSE_ENDIAN_TAG) throw new FormatError('byte-swapped DEX (reverse endian tag) is not supported');
  const stringIdsSize = view.getUint32(at + STRING_IDS_SIZE_OFFSET, true);
  const stringIdsOff = view.getUint32(at + STRING_IDS_OFF_OFFSET, true);
  if (stringIdsSize > MAX_STRING_IDS) throw new FormatError(`string_ids_size ${stringIdsSize} exceeds the limit of ${MAX_STRING_IDS}`);
  if (stringIdsOff + stringIdsSize * 4 > bytes.length) {
    throw new FormatError(`string_ids (${stringIdsSize} entries at ${hex(stringIdsOff)}) run past the end of the file (${bytes.length} bytes)`);
  }
  return {
    at,
    version: Number(String.fromCharCode(bytes[at + 4] as number, bytes[at + 5] as number, bytes[at + 6] as number)),
    fileSize: view.getUint32(at + FILE_SIZE_OFFSET, true),
    headerSize: view.getUint32(at + HEADER_SIZE_OFFSET, true),
    stringIdsSize,
    stringIdsOff,
    typeIdsSize: view.getUint32(at + TYPE_IDS_SIZE_OFFSET, true),
    typeIdsOff: view.getUint32(at + TYPE_IDS_OFF_OFFSET, true),
    protoIdsSize: view.getUint32(at + PROTO_IDS_SIZE_OFFSET, true),
    protoIdsOff: view.getUint32(at + PROTO_IDS_OFF_OFFSET, true),
    methodIdsSize: view.getUint32(at + METHOD_IDS_SIZE_OFFSET, true),
    methodIdsOff: view.getUint32(at + METHOD_IDS_OFF_OFFSET, true),
    fieldIdsSize: view.getUint32(at + FIELD_IDS_SIZE_OFFSET, true),
    fieldIdsOff: view.getUint32(at + FIELD_IDS_OFF_OFFSET, true),
    classDefsSize: view.getUint32(at + CLASS_DEFS_SIZE_OFFSET, true),
    classDefsOff: view.getUint32(at + CLASS_DEFS_OFF_OFFSET, true),
  };
}

/**
 * A v41 file may hold several DEX containers back to back, each header's `file_size` leading to the
 * next one. Offsets in every header count from the start of the whole file (the data is shared).
 */
function containerHeaders(bytes: Uint8Array, view: DataView, first: DexHeader): { readonly headers: readonly DexHeader[]; readonly notices: readonly string[] } {
  if (first.version < CONTAINER_VERSION || first.headerSize < CONTAINER_HEADER_SIZE || bytes.length < CONTAINER_HEADER_SIZE) return { headers: [first], notices: [] };
  const containerSize = view.getUint32(CONTAINER_SIZE_OFFSET, true);
  const end = containerSize > 0 && containerSize <= bytes.length ? containerSize : bytes.length;
  const headers = [first];
  // Each step moves forward by at least one header, so the walk ends.
  for (let header = first; header.fileSize >= HEADER_SIZE && header.at + header.fileSize < end; ) {
    try {
      header = readHeader(bytes, view, header.at + header.fileSize);
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      return { headers, notices: [`DEX container #${headers.length}: ${error.message}; it and any later ones skipped`] };
    }
    headers.push(header);
  }
  return { headers, notices: [] };
}

function indexOfNul(bytes: Uint8Array, start: number, end: number): number {
  for (let at = start; at < end; at++) {
    if (bytes[at] === 0) return at;
  }
  return -1;
}

/** Decodes one `string_data_item` onto `pool` (`undefined` when unreadable); returns false once the scan budget is spent. */
function readStringData(bytes: Buffer, dataOffset: number, tally: Tally, pool: (ExtractedString | undefined)[], table: string, index: number): boolean {
  const size = dataOffset < bytes.length ? readUleb128(bytes, dataOffset) : undefined;
  if (!size) {
    tally.outOfBounds++;
    pool.push(undefined);
    return true;
  }
  const start = size.next;
  const declaredEnd = Math.min(bytes.length, start + size.value * MAX_BYTES_PER_UNIT);
  const lastTerminatorEnd = Math.min(bytes.length, declaredEnd + 1);
  const scanEnd = Math.min(lastTerminatorEnd, start + tally.budget);
  const nul = indexOfNul(bytes, start, scanEnd);
  if (nul < 0 && scanEnd < lastTerminatorEnd) return false;
  tally.budget -= (nul < 0 ? scanEnd : nul) - start;
  if (nul < 0) tally.unterminated++;
  pool.push({ value: decodeModifiedUtf8(bytes, start, nul < 0 ? declaredEnd : nul), locator: { kind: 'string-table', table, index } });
  return true;
}

/** The decoded strings by string_ids index: `undefined` where unreadable, cut short when over budget. */
function readStringPool(bytes: Buffer, view: DataView, header: DexHeader, table: string, tally: Tally): readonly (ExtractedString | undefined)[] {
  const pool: (ExtractedString | undefined)[] = [];
  for (let index = 0; index < header.stringIdsSize; index++) {
    const dataOffset = view.getUint32(header.stringIdsOff + index * 4, true);
    if (!readStringData(bytes, dataOffset, tally, pool, table, index)) {
      tally.overBudget += header.stringIdsSize - index;
      break;
    }
  }
  return pool;
}

/** Unsigned little-endian integer of `size` bytes, as encoded_value payloads store them. */
function readLittleEndian(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let byte = 0; byte < size; byte++) value += (bytes[at + byte] as number) * 2 ** (8 * byte);
  return value;
}

/**
 * Where the encoded_value at `at` ends; `undefined` when its type is unknown, its payload too large
 * or cut off, it nests too deep or the link budget is spent. Every value takes at least one byte.
 */
function encodedValueEnd(bytes: Uint8Array, at: number, depth: number, tally: Tally): number | undefined {
  const header = bytes[at];
  if (header === undefined || tally.linkBudget <= 0) return undefined;
  tally.linkBudget--;
  const type = header & VALUE_TYPE_MASK;
  if (type === VALUE_NULL || type === VALUE_BOOLEAN) return at + 1;
  if (type === VALUE_ARRAY || type === VALUE_ANNOTATION) {
    if (depth >= MAX_VALUE_NESTING) return undefined;
    return type === VALUE_ARRAY ? encodedArrayEnd(bytes, at + 1, depth + 1, tally) : encodedAnnotationEnd(bytes, at + 1, depth + 1, tally);
  }
  const size = (header >> VALUE_ARG_SHIFT) + 1;
  const maxSize = VALUE_MAX_SIZES.get(type);
  return maxSize !== undefined && size <= maxSize && at + 1 + size <= bytes.length ? at + 1 + size : undefined;
}

/** encoded_array: size, then `size` encoded_values. */
function encodedArrayEnd(bytes: Uint8Array, at: number, depth: number, tally: Tally): number | undefined {
  const size = readUleb128(bytes, at);
  if (!size) return undefined;
  let next: number | undefined = size.next;
  for (let index = 0; index < size.value && next !== undefined; index++) next = encodedValueEnd(bytes, next, depth, tally);
  return next;
}

/** encoded_annotation: type_idx, size, then `size` pairs of name_idx and encoded_value. */
function encodedAnnotationEnd(bytes: Uint8Array, at: number, depth: number, tally: Tally): number | undefined {
  const typeIndex = readUleb128(bytes, at);
  const size = typeIndex && readUleb128(bytes, typeIndex.next);
  if (!size) return undefined;
  let next: number | undefined = size.next;
  for (let index = 0; index < size.value && next !== undefined; index++) {
    const nameIndex = readUleb128(bytes, next);
    next = nameIndex && encodedValueEnd(bytes, nameIndex.next, depth, tally);
  }
  return next;
}

/** The field_ids indices of a class's static fields, in static-value order; `undefined` when damaged. */
function staticFieldIndices(bytes: Uint8Array, classDataOff: number, tally: Tally): readonly number[] | undefined {
  const staticFields = readUleb128(bytes, classDataOff);
  if (!staticFields) return undefined;
  let at: number | undefined = staticFields.next;
  for (let count = 0; count < CLASS_DATA_COUNTS_AFTER_STATIC_FIELDS && at !== undefined; count++) at = readUleb128(bytes, at)?.next;
  const indices: number[] = [];
  let fieldIndex = 0;
  // encoded_field: field_idx_diff (from the previous static field), then access_flags.
  for (let position = 0; position < staticFields.value; position++) {
    const indexDiff = at === undefined || tally.linkBudget <= 0 ? undefined : readUleb128(bytes, at);
    const accessFlags = indexDiff && readUleb128(bytes, indexDiff.next);
    if (!indexDiff || !accessFlags) return undefined;
    tally.linkBudget--;
    fieldIndex += indexDiff.value;
    indices.push(fieldIndex);
    at = accessFlags.next;
  }
  return indices;
}

/**
 * The string_ids index held by each of the first `limit` values of the encoded_array at
 * `staticValuesOff` (`undefined` for values of other types); `undefined` when the array is damaged.
 */
function staticStringValues(bytes: Uint8Array, staticValuesOff: number, limit: number, tally: Tally): readonly (number | undefined)[] | undefined {
  const size = readUleb128(bytes, staticValuesOff);
  if (!size) return undefined;
  const values: (number | undefined)[] = [];
  for (let at = size.next; values.length < Math.min(size.value, limit); ) {
    const end = encodedValueEnd(bytes, at, 0, tally);
    if (end === undefined) return undefined;
    const header = bytes[at] as number;
    values.push((header & VALUE_TYPE_MASK) === VALUE_STRING ? readLittleEndian(bytes, at + 1, end - at - 1) : undefined);
    at = end;
  }
  return values;
}

/** The i-th static value initialises the i-th static field; later fields keep their defaults. */
function staticStringFields(bytes: Uint8Array, classDataOff: number, staticValuesOff: number, tally: Tally): readonly StaticStringField[] | undefined {
  const fieldIndices = classDataOff === 0 ? undefined : staticFieldIndices(bytes, classDataOff, tally);
  const values = fieldIndices && staticStringValues(bytes, staticValuesOff, fieldIndices.length, tally);
  if (!fieldIndices || !values) return undefined;
  return values.flatMap((stringIndex, position) => (stringIndex === undefined ? [] : [{ fieldIndex: fieldIndices[position] as number, stringIndex }]));
}

function tableFits(bytes: Uint8Array, offset: number, count: number, entrySize: number): boolean {
  return offset + count * entrySize <= bytes.length;
}

interface StaticValues {
  /** For each string that is a static value, the string_ids index of the name of the first field it initialises. */
  readonly names: ReadonlyMap<number, number>;
  /** For each such string, the type_ids index of that field's class. */
  readonly classes: ReadonlyMap<number, number>;
  /** For each static field initialised with a string, that string's string_ids index. */
  readonly byField: ReadonlyMap<number, number>;
}

function staticValues(bytes: Uint8Array, view: DataView, header: DexHeader, tally: Tally): StaticValues {
  const names = new Map<number, number>();
  const classes = new Map<number, number>();
  const byField = new Map<number, number>();
  if (!tableFits(bytes, header.classDefsOff, header.classDefsSize, CLASS_DEF_SIZE) || !tableFits(bytes, header.fieldIdsOff, header.fieldIdsSize, FIELD_ID_SIZE)) {
    tally.unreadableClassTables++;
    return { names, classes, byField };
  }
  for (let classIndex = 0; classIndex < header.classDefsSize; classIndex++) {
    const classDef = header.classDefsOff + classIndex * CLASS_DEF_SIZE;
    const staticValuesOff = view.getUint32(classDef + STATIC_VALUES_OFF_IN_CLASS_DEF, true);
    if (staticValuesOff === 0) continue;
    const fields = staticStringFields(bytes, view.getUint32(classDef + CLASS_DATA_OFF_IN_CLASS_DEF, true), staticValuesOff, tally);
    if (!fields || fields.some((field) => field.fieldIndex >= header.fieldIdsSize)) {
      if (tally.linkBudget <= 0) tally.classesOverLinkBudget++;
      else tally.damagedClasses++;
      continue;
    }
    for (const { fieldIndex, stringIndex } of fields) {
      byField.set(fieldIndex, stringIndex);
      if (names.has(stringIndex)) continue;
      names.set(stringIndex, view.getUint32(header.fieldIdsOff + fieldIndex * FIELD_ID_SIZE + FIELD_ID_NAME_OFFSET, true));
      classes.set(stringIndex, view.getUint16(header.fieldIdsOff + fieldIndex * FIELD_ID_SIZE, true));
    }
  }
  return { names, classes, byField };
}

/**
 * The readable strings of the pool, each static value keyed by its field name when that name was
 * decoded, numbered in class and field order (`names` was filled in that order), in the unit of its
 * class (`className` gives a type_ids index's descriptor).
 */
function withFieldNames(pool: readonly (ExtractedString | undefined)[], statics: StaticValues, className: (typeIndex: number) => string | undefined, table: string): ExtractedString[] {
  const declared = new Map([...statics.names.keys()].map((stringIndex, position) => [stringIndex, position]));
  const strings: ExtractedString[] = [];
  for (let index = 0; index < pool.length; index++) {
    const string = pool[index];
    if (!string) continue;
    const nameIndex = statics.names.get(index);
    const key = nameIndex === undefined ? undefined : pool[nameIndex]?.value;
    const typeIndex = statics.classes.get(index);
    const owner = typeIndex === undefined ? undefined : className(typeIndex);
    strings.push(key ? { ...string, key, declared: declared.get(index) ?? 0, ...(owner === undefined ? {} : { unit: `${table} ${owner}` }) } : string);
  }
  return strings;
}

function tallyNotices(tally: Tally): string[] {
  const notices: string[] = [];
  if (tally.outOfBounds > 0) notices.push(`${tally.outOfBounds} DEX strings point outside the file or have an unreadable length, skipped`);
  if (tally.unterminated > 0) notices.push(`${tally.unterminated} DEX strings lack their terminating NUL, decoded up to their declared length or the end of the file`);
  if (tally.overBudget > 0) notices.push(`DEX string data overlaps beyond ${SCAN_BUDGET_PER_FILE_BYTE}x the file size: ${tally.overBudget} strings skipped`);
  if (tally.unreadableClassTables > 0) notices.push('DEX class_defs or field_ids run past the end of the file: static values kept without their field names');
  if (tally.damagedClasses > 0) notices.push(`${tally.damagedClasses} DEX classes have damaged class_data or static values: their static values kept without field names`);
  if (tally.classesOverLinkBudget > 0) {
    notices.push(`DEX static field data overlaps beyond ${LINK_BUDGET_PER_FILE_BYTE}x the file size: static values of ${tally.classesOverLinkBudget} classes kept without field names`);
  }
  if (tally.damagedMethods > 0) notices.push(`${tally.damagedMethods} DEX classes or methods have damaged code: constants they pass to keys and passwords not followed`);
  if (tally.usesOverBudget) notices.push('DEX code overlaps far beyond the file size: the rest of the methods not read for keys and passwords');
  return notices;
}

/** Plain `dex` for the first (and usually only) container, `dex#1`, `dex#2`… for later v41 containers. */
function tableName(containerIndex: number): string {
  return containerIndex === 0 ? 'dex' : `dex#${containerIndex}`;
}

export function decodeDex(bytes: Uint8Array): Extraction {
  const buffer = bufferView(bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const { headers, notices } = containerHeaders(buffer, view, readHeader(buffer, view, 0));
  const tally: Tally = {
    budget: buffer.length * SCAN_BUDGET_PER_FILE_BYTE,
    outOfBounds: 0,
    unterminated: 0,
    overBudget: 0,
    linkBudget: buffer.length * LINK_BUDGET_PER_FILE_BYTE,
    unreadableClassTables: 0,
    damagedClasses: 0,
    classesOverLinkBudget: 0,
    damagedMethods: 0,
    usesOverBudget: false,
  };
  const strings = headers.flatMap((header, containerIndex) => {
    const table = tableName(containerIndex);
    const pool = readStringPool(buffer, view, header, table, tally);
    const statics = staticValues(buffer, view, header, tally);
    const uses = dexUses({ ...header, bytes: buffer, view, table, string: (index) => pool[index]?.value, staticStrings: statics.byField });
    tally.damagedMethods += uses.damagedMethods;
    tally.usesOverBudget ||= uses.overBudget;
    const className = (typeIndex: number) => (typeIndex < header.typeIdsSize && header.typeIdsOff + typeIndex * 4 + 4 <= buffer.length ? pool[view.getUint32(header.typeIdsOff + typeIndex * 4, true)]?.value : undefined);
    const pooled = withFieldNames(pool, statics, className, table);
    // Named constants read after their class's static values, in walk order; a static value a
    // getter returns keeps its field's name.
    const inUnits = new Set(pooled.filter((string) => string.unit !== undefined).map((string) => `${string.unit}\0${string.value}`));
    const named = uses.named.filter((string) => !inUnits.has(`${string.unit}\0${string.value}`)).map((string, position) => ({ ...string, declared: statics.names.size + position }));
    return [...pooled, ...uses.strings, ...named];
  });
  return { strings, notices: [...notices, ...tallyNotices(tally)] };
}
