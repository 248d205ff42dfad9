/**
 * Java class files (inside jars and aars): every `CONSTANT_Utf8` entry of the constant pool. String
 * literals are Utf8 entries referenced by `CONSTANT_String`; names and descriptors are Utf8 entries
 * too, and all of them are returned.
 *
 * A literal that is a field's `ConstantValue` (`static final String TWILIO_AUTH_TOKEN = "..."`) gets
 * the field name as its key: that name is often the only keyword a rule can rely on.
 *
 * After the pool come the constants the methods pass to keys and passwords (class-code.ts), keyed
 * by that use, with a `use` locator.
 */
import { type ExtractedString, type Extraction, FormatError } from '../strings.js';
import { bufferView, decodeModifiedUtf8 } from './mutf8.js';
import { classUses } from './class-code.js';

const MAGIC = 0xcafebabe;
/** JDK 1.0.2. Fat Mach-O shares the magic but has a small architecture count in these bytes. */
const FIRST_MAJOR_VERSION = 45;
const POOL_COUNT_OFFSET = 8;
const POOL_OFFSET = 10;
const TAG_UTF8 = 1;
const TAG_LONG = 5;
const TAG_DOUBLE = 6;
const TAG_STRING = 8;
/** access_flags, this_class and super_class (u2 each) sit between the pool and interfaces_count. */
const CLASS_INFO_SIZE = 6;
/** field_info: access_flags, name_index, descriptor_index, attributes_count (u2 each), then attributes. */
const FIELD_NAME_OFFSET = 2;
const FIELD_ATTRIBUTES_COUNT_OFFSET = 6;
const FIELD_HEADER_SIZE = 8;
/** attribute_info: attribute_name_index (u2) and attribute_length (u4), then the info. */
const ATTRIBUTE_LENGTH_OFFSET = 2;
const ATTRIBUTE_HEADER_SIZE = 6;
const CONSTANT_VALUE_ATTRIBUTE = 'ConstantValue';
const CONSTANT_VALUE_LENGTH = 2;
/** Size after the tag byte of every constant kind except Utf8, by tag (JVMS §4.4). */
const FIXED_ENTRY_SIZES: ReadonlyMap<number, number> = new Map([
  [3, 4], // Integer
  [4, 4], // Float
  [TAG_LONG, 8],
  [TAG_DOUBLE, 8],
  [7, 2], // Class
  [8, 2], // String
  [9, 4], // Fieldref
  [10, 4], // Methodref
  [11, 4], // InterfaceMethodref
  [12, 4], // NameAndType
  [15, 3], // MethodHandle
  [16, 2], // MethodType
  [17, 4], // Dynamic
  [18, 4], // InvokeDynamic
  [19, 2], // Module
  [20, 2], // Package
]);

interface ConstantPool {
  /** Utf8 entries by pool index, in pool order. */
  readonly utf8: ReadonlyMap<number, string>;
  /** The pool index of the Utf8 entry each `CONSTANT_String` entry points to, by the String's index. */
  readonly stringTargets: ReadonlyMap<number, number>;
  /** Each entry's byte offset by pool index, for the bytecode reader (class-code.ts). */
  readonly offsets: ReadonlyMap<number, number>;
  /** Where the class body starts; `undefined` when the file ends inside the pool. */
  readonly end: number | undefined;
  readonly notices: readonly string[];
}

interface FieldInfo {
  readonly nameIndex: number;
  /** The constant-pool index named by the field's `ConstantValue` attribute, when it has one. */
  readonly constantValueIndex: number | undefined;
  readonly end: number;
}

export function isClassFile(bytes: Uint8Array): boolean {
  if (bytes.length < POOL_OFFSET) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(0) === MAGIC && view.getUint16(6) >= FIRST_MAJOR_VERSION;
}

/** Where the entry at `at` ends; `at + 3` bytes must be readable for a Utf8 entry's length. */
function entryEnd(view: DataView, at: number, tag: number, index: number): number {
  if (tag === TAG_UTF8) return at + 3 + view.getUint16(at + 1);
  const size = FIXED_ENTRY_SIZES.get(tag);
  if (size === undefined) throw new FormatError(`unknown constant-pool tag ${tag} at entry ${index} (offset 0x${at.toString(16)})`);
  return at + 1 + size;
}

function readConstantPool(buffer: Buffer, view: DataView): ConstantPool {
  const count = view.getUint16(POOL_COUNT_OFFSET);
  const utf8 = new Map<number, string>();
  const stringTargets = new Map<number, number>();
  const offsets = new Map<number, number>();
  const truncated = (index: number): ConstantPool => ({
    utf8,
    stringTargets,
    offsets,
    end: undefined,
    notices: [`class file ends inside its constant pool (entry ${index} of ${count - 1}); later entries skipped`],
  });
  let at = POOL_OFFSET;
  // Entry 0 does not exist; long and double take two slots each.
  for (let index = 1; index < count; index++) {
    const tag = buffer[at];
    if (tag === undefined || (tag === TAG_UTF8 && at + 3 > buffer.length)) return truncated(index);
    const end = entryEnd(view, at, tag, index);
    if (end > buffer.length) return truncated(index);
    offsets.set(index, at);
    if (tag === TAG_UTF8) utf8.set(index, decodeModifiedUtf8(buffer, at + 3, end));
    if (tag === TAG_STRING) stringTargets.set(index, view.getUint16(at + 1));
    if (tag === TAG_LONG || tag === TAG_DOUBLE) index++;
    at = end;
  }
  return { utf8, stringTargets, offsets, end: at, notices: [] };
}

/** Big-endian u16 at `at`; `undefined` past the end of the file. */
function readU16(view: DataView, at: number): number | undefined {
  return at + 2 <= view.byteLength ? view.getUint16(at) : undefined;
}

/** The field_info at `at`; `undefined` when the file ends inside it. */
function readField(view: DataView, pool: ConstantPool, at: number): FieldInfo | undefined {
  const nameIndex = readU16(view, at + FIELD_NAME_OFFSET);
  const attributesCount = readU16(view, at + FIELD_ATTRIBUTES_COUNT_OFFSET);
  if (nameIndex === undefined || attributesCount === undefined) return undefined;
  let constantValueIndex: number | undefined;
  let next = at + FIELD_HEADER_SIZE;
  for (let attribute = 0; attribute < attributesCount; attribute++) {
    if (next + ATTRIBUTE_HEADER_SIZE > view.byteLength) return undefined;
    const length = view.getUint32(next + ATTRIBUTE_LENGTH_OFFSET);
    const end = next + ATTRIBUTE_HEADER_SIZE + length;
    if (end > view.byteLength) return undefined;
    const isConstantValue = length === CONSTANT_VALUE_LENGTH && pool.utf8.get(view.getUint16(next)) === CONSTANT_VALUE_ATTRIBUTE;
    if (isConstantValue) constantValueIndex = view.getUint16(next + ATTRIBUTE_HEADER_SIZE);
    next = end;
  }
  return { nameIndex, constantValueIndex, end: next };
}

/**
 * The name of the first field whose `ConstantValue` is a String, by the pool index of that String's
 * Utf8 entry. A damaged field table keeps the names read before the damage.
 */
function constantValueFieldNames(view: DataView, pool: ConstantPool, bodyStart: number): { readonly names: ReadonlyMap<number, string>; readonly notices: readonly string[] } {
  const names = new Map<number, string>();
  const interfacesCount = readU16(view, bodyStart + CLASS_INFO_SIZE);
  // interfaces_count, then one u2 class index per interface.
  const fieldsCountAt = interfacesCount === undefined ? undefined : bodyStart + CLASS_INFO_SIZE + 2 + 2 * interfacesCount;
  const fieldsCount = fieldsCountAt === undefined ? undefined : readU16(view, fieldsCountAt);
  if (fieldsCountAt === undefined || fieldsCount === undefined) return { names, notices: ['class file ends before its field table; field names not attached'] };
  let at = fieldsCountAt + 2;
  for (let fieldNumber = 1; fieldNumber <= fieldsCount; fieldNumber++) {
    const field = readField(view, pool, at);
    if (!field) return { names, notices: [`class file ends inside its field table (field ${fieldNumber} of ${fieldsCount}); later field names not attached`] };
    const target = field.constantValueIndex === undefined ? undefined : pool.stringTargets.get(field.constantValueIndex);
    const name = pool.utf8.get(field.nameIndex);
    if (target !== undefined && name && !names.has(target)) names.set(target, name);
    at = field.end;
  }
  return { names, notices: [] };
}

export function decodeClassFile(bytes: Uint8Array): Extraction {
  if (!isClassFile(bytes)) throw new FormatError('not a Java class file (no CAFEBABE magic with major version 45 or later)');
  const buffer = bufferView(bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const pool = readConstantPool(buffer, view);
  const fields = pool.end === undefined ? { names: new Map<number, string>(), notices: [] } : constantValueFieldNames(view, pool, pool.end);
  const strings = Array.from(pool.utf8, ([index, value]): ExtractedString => {
    const locator = { kind: 'string-table', table: 'constant-pool', index } as const;
    const key = fields.names.get(index);
    return key ? { value, locator, key } : { value, locator };
  });
  const uses = pool.end === undefined ? undefined : classUses(buffer, { ...pool, end: pool.end });
  return { strings: [...strings, ...(uses?.strings ?? []), ...(uses?.named ?? [])], notices: [...pool.notices, ...fields.notices, ...(uses?.notices ?? [])] };
}
