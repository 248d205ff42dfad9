/**
 * Android `resources.arsc`: every string value with its resource name (`string/google_api_key`),
 * plus the global value strings no entry names, and a resource-id lookup that binary XML uses to
 * resolve `@string/...` attribute values.
 */
import type { ExtractedString, Extraction } from '../strings.js';
import { FormatError } from '../strings.js';
import { TYPE_REFERENCE, TYPE_STRING } from './android-resources.js';
import { type Chunk, type StringPool, ResourceBytes, STRING_POOL_CHUNK, chunkAt, chunksIn, decodeStringPool } from './string-pool.js';

const TABLE_CHUNK = 0x0002;
const TABLE_HEADER_BYTES = 12;
const PACKAGE_CHUNK = 0x0200;
const TYPE_CHUNK = 0x0201;

/** `ResTable_package` up to `lastPublicKey`; `typeIdOffset` follows in newer tables. */
const PACKAGE_HEADER_BYTES = 284;
const PACKAGE_TYPE_ID_OFFSET_END = 288;
const TYPE_HEADER_BYTES = 20;

const FLAG_SPARSE = 0x01;
const FLAG_OFFSET16 = 0x02;
const ENTRY_COMPLEX = 0x0001;
const ENTRY_COMPACT = 0x0008;
const SIMPLE_ENTRY_BYTES = 8;
const MAP_ENTRY_BYTES = 16;
const MAP_ITEM_BYTES = 12;
const VALUE_BYTES = 8;
const NO_ENTRY_32 = 0xffffffff;
const NO_ENTRY_16 = 0xffff;
/** Entry indexes are the low 16 bits of a resource id. */
const MAX_ENTRIES_PER_TYPE = 0x10000;

/** Map item names that say which element of a `<string-array>` (`Res_MAKEARRAY`) it is. */
const ARRAY_ITEM_TAG = 0x02;
const PLURAL_QUANTITIES: ReadonlyMap<number, string> = new Map([
  [0x01000004, 'other'],
  [0x01000005, 'zero'],
  [0x01000006, 'one'],
  [0x01000007, 'two'],
  [0x01000008, 'few'],
  [0x01000009, 'many'],
]);

/**
 * Entries may share their data, so values visited can exceed the entries' bytes, but a table that
 * asks for more than one value per byte of file is crafted to loop; the walk stops there.
 */
const VALUES_PER_FILE_BYTE = 1;
const VALUES_FLOOR = 4096;

export interface ResourceTable extends Extraction {
  /** The name of resource `0xPPTTEEEE` and its first string value (one reference followed). */
  lookup(id: number): { readonly name: string; readonly value?: string } | undefined;
}

export function isResourceTable(bytes: Uint8Array): boolean {
  return bytes.length >= TABLE_HEADER_BYTES && bytes[0] === TABLE_CHUNK && bytes[1] === 0 && bytes[2] === TABLE_HEADER_BYTES && bytes[3] === 0;
}

interface Resource {
  /** `string/google_api_key`. */
  readonly name: string;
  /** `google_api_key`. */
  readonly key: string;
  value?: string;
  reference?: number;
}

interface Value {
  readonly dataType: number;
  readonly data: number;
}

interface TypeContext {
  readonly chunk: Chunk;
  readonly typeName: string;
  readonly keys: StringPool | undefined;
  readonly idBase: number;
}

/**
 * Which value-pool indexes were already reported under a name. Configurations usually repeat a
 * value, and the pool holds each distinct string once, so comparing indexes dedupes by value.
 */
class Reported<Name> {
  private readonly byName = new Map<Name, number | Set<number>>();

  /** True the first time `poolIndex` is seen under `name`. */
  add(name: Name, poolIndex: number): boolean {
    const seen = this.byName.get(name);
    if (seen === undefined) {
      this.byName.set(name, poolIndex);
      return true;
    }
    if (typeof seen === 'number') {
      if (seen === poolIndex) return false;
      this.byName.set(name, new Set([seen, poolIndex]));
      return true;
    }
    if (seen.has(poolIndex)) return false;
    seen.add(poolIndex);
    return true;
  }
}

/** What one walk of the table collects. */
class TableWalk {
  readonly strings: ExtractedString[] = [];
  readonly notices = new Set<string>();
  readonly resources = new Map<number, Resource>();
  private readonly reportedValues = new Reported<number>();
  private readonly reportedItems = new Reported<string>();
  private readonly referenced: Uint8Array;
  private valuesLeft: number;

  constructor(
    readonly data: ResourceBytes,
    readonly values: StringPool | undefined,
  ) {
    this.referenced = new Uint8Array(values?.count ?? 0);
    this.valuesLeft = Math.max(VALUES_FLOOR, data.length * VALUES_PER_FILE_BYTE);
  }

  get exhausted(): boolean {
    return this.valuesLeft <= 0;
  }

  /** False once the value budget is spent: the caller stops walking. */
  spend(): boolean {
    if (this.valuesLeft-- > 0) return true;
    this.notices.add('entries revisit the same data far beyond the file size; walk stopped');
    return false;
  }

  /** The resource `id`, named from the first configuration that has it. */
  resource(id: number, type: TypeContext, keyIndex: number): Resource {
    let resource = this.resources.get(id);
    if (resource === undefined) {
      const key = type.keys?.string(keyIndex) ?? hex(id);
      resource = { name: `${type.typeName}/${key}`, key };
      this.resources.set(id, resource);
    }
    return resource;
  }

  private stringValue(value: Value): string | undefined {
    if (value.dataType !== TYPE_STRING || this.values === undefined) return undefined;
    const text = this.values.string(value.data);
    if (text !== undefined) this.referenced[value.data] = 1;
    return text;
  }

  private push(name: string, key: string, value: string): void {
    if (value !== '') this.strings.push({ value, locator: { kind: 'resource', name }, key });
  }

  /** A simple value: reported once per distinct string, and kept for `lookup` if it is the resource's first string or reference. */
  simpleValue(id: number, resource: Resource, value: Value): void {
    const text = this.stringValue(value);
    if (text !== undefined) {
      resource.value ??= text;
      if (this.reportedValues.add(id, value.data)) this.push(resource.name, resource.key, text);
    } else if (value.dataType === TYPE_REFERENCE) {
      resource.reference ??= value.data;
    }
  }

  /** A map item's value (array element, plural quantity, style item), named `array/name[2]`. */
  itemValue(resource: Resource, label: string, value: Value): void {
    const text = this.stringValue(value);
    if (text === undefined) return;
    const name = `${resource.name}[${label}]`;
    if (this.reportedItems.add(name, value.data)) this.push(name, resource.key, text);
  }

  /** Global-pool strings no walked entry refers to (styles, entries in damaged chunks, leftovers). */
  emitUnreferenced(): void {
    if (this.values === undefined) return;
    for (let index = 0; index < this.values.count; index++) {
      if (this.referenced[index] === 1) continue;
      const value = this.values.string(index);
      if (value !== undefined && value !== '') this.strings.push({ value, locator: { kind: 'string-table', table: 'resources.arsc', index } });
    }
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function valueAt(data: ResourceBytes, at: number): Value {
  return { dataType: data.u8(at + 3), data: data.u32(at + 4) };
}

function mapItemLabel(itemName: number, ordinal: number): string {
  if (itemName >>> 24 === ARRAY_ITEM_TAG) return String(itemName & 0xffff);
  return PLURAL_QUANTITIES.get(itemName) ?? String(ordinal);
}

/** One entry's values: a simple or compact entry has one, a map entry (array, plurals, style) many. */
function walkEntry(walk: TableWalk, type: TypeContext, entryIndex: number, at: number): void {
  const { data } = walk;
  const end = type.chunk.end;
  if (at + SIMPLE_ENTRY_BYTES > end) return;
  const flags = data.u16(at + 2);
  const compact = (flags & ENTRY_COMPACT) !== 0;
  const id = (type.idBase | entryIndex) >>> 0;
  const resource = walk.resource(id, type, compact ? data.u16(at) : data.u32(at + 4));

  if (compact) {
    if (walk.spend()) walk.simpleValue(id, resource, { dataType: flags >>> 8, data: data.u32(at + 4) });
    return;
  }
  const headerBytes = data.u16(at);
  if ((flags & ENTRY_COMPLEX) === 0) {
    const valueStart = at + Math.max(headerBytes, SIMPLE_ENTRY_BYTES);
    if (valueStart + VALUE_BYTES <= end && walk.spend()) walk.simpleValue(id, resource, valueAt(data, valueStart));
    return;
  }
  if (at + MAP_ENTRY_BYTES > end) return;
  const itemsStart = at + Math.max(headerBytes, MAP_ENTRY_BYTES);
  const count = Math.min(data.u32(at + 12), Math.floor(Math.max(0, end - itemsStart) / MAP_ITEM_BYTES));
  for (let ordinal = 0; ordinal < count && walk.spend(); ordinal++) {
    const item = itemsStart + ordinal * MAP_ITEM_BYTES;
    walk.itemValue(resource, mapItemLabel(data.u32(item), ordinal), valueAt(data, item + 4));
  }
}

/** `[entryIndex, offset from entriesStart]` of every present entry, in the chunk's offset encoding. */
function* entryOffsets(data: ResourceBytes, chunk: Chunk, flags: number, entryCount: number): Generator<readonly [number, number]> {
  const offsetsStart = chunk.start + chunk.headerSize;
  const room = Math.max(0, chunk.end - offsetsStart);
  if ((flags & FLAG_SPARSE) !== 0) {
    const count = Math.min(entryCount, Math.floor(room / 4));
    for (let index = 0; index < count; index++) {
      const at = offsetsStart + index * 4;
      yield [data.u16(at), data.u16(at + 2) * 4];
    }
  } else if ((flags & FLAG_OFFSET16) !== 0) {
    const count = Math.min(entryCount, Math.floor(room / 2));
    for (let index = 0; index < count; index++) {
      const offset = data.u16(offsetsStart + index * 2);
      if (offset !== NO_ENTRY_16) yield [index, offset * 4];
    }
  } else {
    const count = Math.min(entryCount, Math.floor(room / 4));
    for (let index = 0; index < count; index++) {
      const offset = data.u32(offsetsStart + index * 4);
      if (offset !== NO_ENTRY_32) yield [index, offset];
    }
  }
}

interface PackageContext {
  readonly id: number;
  readonly types: StringPool | undefined;
  readonly keys: StringPool | undefined;
  readonly typeIdOffset: number;
}

function walkTypeChunk(walk: TableWalk, pkg: PackageContext, chunk: Chunk): void {
  const { data } = walk;
  if (chunk.headerSize < TYPE_HEADER_BYTES || chunk.start + TYPE_HEADER_BYTES > chunk.end) {
    walk.notices.add('a type chunk with a short header was skipped');
    return;
  }
  const typeId = data.u8(chunk.start + 8);
  const flags = data.u8(chunk.start + 9);
  const entryCount = data.u32(chunk.start + 12);
  const entriesStart = chunk.start + data.u32(chunk.start + 16);
  if (typeId === 0 || entriesStart > chunk.end) {
    walk.notices.add('a type chunk with a bad type id or entries offset was skipped');
    return;
  }
  const type: TypeContext = {
    chunk,
    typeName: pkg.types?.string(typeId - 1 - pkg.typeIdOffset) ?? `type${typeId}`,
    keys: pkg.keys,
    idBase: ((pkg.id & 0xff) << 24) | (typeId << 16),
  };
  for (const [entryIndex, offset] of entryOffsets(data, chunk, flags, Math.min(entryCount, MAX_ENTRIES_PER_TYPE))) {
    if (walk.exhausted) return;
    walkEntry(walk, type, entryIndex, entriesStart + offset);
  }
}

/** The pool a package header points at, or undefined when the offset lands on something else. */
function poolAt(data: ResourceBytes, start: number, limit: number): StringPool | undefined {
  const chunk = chunkAt(data, start, limit);
  if (chunk?.type !== STRING_POOL_CHUNK) return undefined;
  try {
    return decodeStringPool(data, chunk);
  } catch {
    return undefined;
  }
}

function walkPackage(walk: TableWalk, chunk: Chunk): void {
  const { data } = walk;
  if (chunk.headerSize < PACKAGE_HEADER_BYTES || chunk.start + chunk.headerSize > chunk.end) {
    walk.notices.add('a package chunk with a short header was skipped');
    return;
  }
  const children = [...chunksIn(data, chunk.start + chunk.headerSize, chunk.end)];
  // The header's pool offsets are authoritative; aapt writes the type and key pools first, in that order.
  const poolChunks = children.filter((child) => child.type === STRING_POOL_CHUNK);
  const childPool = (index: number): StringPool | undefined => {
    const child = poolChunks[index];
    return child === undefined ? undefined : poolAt(data, child.start, chunk.end);
  };
  const pkg: PackageContext = {
    id: data.u32(chunk.start + 8),
    types: poolAt(data, chunk.start + data.u32(chunk.start + 268), chunk.end) ?? childPool(0),
    keys: poolAt(data, chunk.start + data.u32(chunk.start + 276), chunk.end) ?? childPool(1),
    typeIdOffset: chunk.headerSize >= PACKAGE_TYPE_ID_OFFSET_END ? data.u32(chunk.start + 284) : 0,
  };
  for (const child of children) if (child.type === TYPE_CHUNK && !walk.exhausted) walkTypeChunk(walk, pkg, child);
  for (const pool of [pkg.types, pkg.keys]) if (pool?.damage !== undefined) walk.notices.add(pool.damage);
}

export function decodeResourceTable(bytes: Uint8Array): ResourceTable {
  if (!isResourceTable(bytes)) throw new FormatError('not a resource table (no 0x0002 chunk with a 12-byte header)');
  const data = new ResourceBytes(bytes);
  const declaredSize = data.u32(4);
  const limit = declaredSize >= TABLE_HEADER_BYTES && declaredSize <= bytes.length ? declaredSize : bytes.length;
  const chunks = [...chunksIn(data, TABLE_HEADER_BYTES, limit)];
  const valuePoolChunk = chunks.find((chunk) => chunk.type === STRING_POOL_CHUNK);
  const packages = chunks.filter((chunk) => chunk.type === PACKAGE_CHUNK);
  const values = valuePoolChunk === undefined ? undefined : poolAt(data, valuePoolChunk.start, limit);
  if (values === undefined && packages.length === 0) throw new FormatError('resource table holds neither a value string pool nor a package');

  const walk = new TableWalk(data, values);
  if (declaredSize > bytes.length) walk.notices.add(`truncated (${bytes.length} of ${declaredSize} bytes)`);
  for (const chunk of packages) walkPackage(walk, chunk);
  walk.emitUnreferenced();
  if (values === undefined) walk.notices.add('no readable value string pool');
  else if (values.damage !== undefined) walk.notices.add(values.damage);

  const { resources } = walk;
  return {
    strings: walk.strings,
    notices: [...walk.notices],
    lookup(id: number) {
      const resource = resources.get(id >>> 0);
      if (resource === undefined) return undefined;
      const value = resource.value ?? (resource.reference === undefined ? undefined : resources.get(resource.reference)?.value);
      return value === undefined ? { name: resource.name } : { name: resource.name, value };
    },
  };
}
