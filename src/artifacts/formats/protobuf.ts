/**
 * Protocol Buffers without a schema: the text fields of a message tree, as in an App Bundle's
 * `base/resources.pb` and proto `AndroidManifest.xml` (aapt2's proto format). Length-delimited
 * fields that parse as messages are descended; those that read as text are emitted.
 *
 * Two shapes of aapt2's schema add keys: a resource `Entry` (name in field 2, values in field 6)
 * keys its values by the entry name, and an `XmlElement` (name in field 3, attributes in field 4)
 * keys its `android:value` by its `android:name`, as the binary-XML decoder does.
 */
import { isUtf8 } from 'node:buffer';
import type { ExtractedString, Extraction } from '../strings.js';
import { FormatError } from '../strings.js';
import { ANDROID_NAMESPACE, ATTR_NAME, ATTR_VALUE } from './android-resources.js';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const MAX_VARINT_BYTES = 10;
const MAX_FIELD_NUMBER = 0x1fffffff;
const MAX_DEPTH = 32;
/** Each byte is read by at most one parse per enclosing message, so this bound is never hit by real files. */
const WORK_PER_FILE_BYTE = 64;
const WORK_FLOOR = 1 << 20;
/** At most one character in this many may be a control character for a field to count as text. */
const CONTROL_CHARACTER_RATIO = 20;

const ENTRY_NAME = 2;
const ENTRY_VISIBILITY = 3;
const ENTRY_CONFIG_VALUE = 6;
const CONFIG_VALUE_VALUE = 2;
const ELEMENT_NAME = 3;
const ELEMENT_ATTRIBUTE = 4;
const ATTRIBUTE_NAMESPACE = 1;
const ATTRIBUTE_NAME = 2;
const ATTRIBUTE_VALUE = 3;
const ATTRIBUTE_RESOURCE_ID = 5;
const ATTRIBUTE_COMPILED_ITEM = 6;

interface Field {
  readonly number: number;
  readonly wire: number;
  /** The payload of a length-delimited field. */
  readonly start: number;
  readonly end: number;
  /** The value of a varint field (exact up to 2^53). */
  readonly varint: number;
}

interface ParsedFields {
  readonly fields: Field[];
  /** Where parsing stopped; a nested range not parsed to its end is not a message. */
  readonly parsedTo: number;
}

type Payload = { readonly kind: 'message'; readonly fields: readonly Field[] } | { readonly kind: 'text'; readonly text: string };

/** Which key the text below a message gets: `key`, for all its fields or only for the fields in `only`. */
interface KeyScope {
  readonly key: string | undefined;
  readonly only?: readonly number[];
}

const NO_KEY: KeyScope = { key: undefined };

function keyFor(scope: KeyScope, field: Field): string | undefined {
  return scope.only === undefined || scope.only.includes(field.number) ? scope.key : undefined;
}

/** The scope a child message inherits when its field's key is `key`; reuses objects on the common paths. */
function inheritedScope(parent: KeyScope, key: string | undefined): KeyScope {
  if (key === undefined) return NO_KEY;
  return key === parent.key && parent.only === undefined ? parent : { key };
}

class WalkLimits {
  private left: number;
  exhausted = false;
  /** Set when a payload below the depth limit was left unread. */
  tooDeep = false;

  constructor(fileBytes: number) {
    this.left = Math.max(WORK_FLOOR, fileBytes * WORK_PER_FILE_BYTE);
  }

  spend(units: number): boolean {
    this.left -= units;
    if (this.left < 0) this.exhausted = true;
    return !this.exhausted;
  }
}

/** Reads varints forward from `at`; a read that fails leaves `at` where it was. */
class VarintReader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
    private readonly end: number,
  ) {}

  next(): number | undefined {
    let value = 0;
    let scale = 1;
    for (let index = 0; index < MAX_VARINT_BYTES && this.at + index < this.end; index++) {
      const byte = this.bytes[this.at + index]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.at += index + 1;
        return value;
      }
      scale *= 0x80;
    }
    return undefined;
  }
}

function fixedWidth(wire: number): number | undefined {
  if (wire === WIRE_FIXED64) return 8;
  if (wire === WIRE_FIXED32) return 4;
  return undefined;
}

/** Fields of `[start, end)` up to the first that does not parse (groups and unknown wire types included). */
function parseFields(bytes: Uint8Array, start: number, end: number, limits: WalkLimits): ParsedFields {
  const fields: Field[] = [];
  const reader = new VarintReader(bytes, start, end);
  let parsedTo = start;
  while (parsedTo < end && limits.spend(1)) {
    const tag = reader.next();
    if (tag === undefined) break;
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    if (number === 0 || number > MAX_FIELD_NUMBER) break;
    let payloadStart = reader.at;
    let varint = 0;
    if (wire === WIRE_VARINT) {
      const value = reader.next();
      if (value === undefined) break;
      varint = value;
    } else if (wire === WIRE_LENGTH_DELIMITED) {
      const length = reader.next();
      if (length === undefined || reader.at + length > end) break;
      payloadStart = reader.at;
      reader.at += length;
    } else {
      const width = fixedWidth(wire);
      if (width === undefined || reader.at + width > end) break;
      reader.at += width;
    }
    fields.push({ number, wire, start: payloadStart, end: reader.at, varint });
    parsedTo = reader.at;
  }
  return { fields, parsedTo };
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code < 0xa0);
}

/** The UTF-8 text in `[start, end)` when it is valid and mostly printable. ASCII, the common case, is read without a copy or view. */
function textIn(bytes: Buffer, start: number, end: number): string | undefined {
  let controls = 0;
  let ascii = true;
  for (let at = start; at < end && ascii; at++) {
    const byte = bytes[at]!;
    if (byte >= 0x80) ascii = false;
    else if (isControl(byte)) controls++;
  }
  const length = end - start;
  if (ascii) return controls * CONTROL_CHARACTER_RATIO <= length ? bytes.toString('latin1', start, end) : undefined;
  if (!isUtf8(bytes.subarray(start, end))) return undefined;
  const text = bytes.toString('utf8', start, end);
  controls = 0;
  for (let index = 0; index < text.length; index++) if (isControl(text.charCodeAt(index))) controls++;
  return controls * CONTROL_CHARACTER_RATIO <= text.length ? text : undefined;
}

function hasControlByte(bytes: Uint8Array, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (bytes[at]! < 0x20) return true;
  return false;
}

/**
 * Text and messages overlap: `"\n'AIza..."` is both a one-field message and printable. A payload
 * with a control byte that parses completely is a message; fully printable bytes are text even when
 * they happen to parse (`"hi"` is field 13 = 0x69).
 */
function classify(bytes: Buffer, field: Field, depth: number, limits: WalkLimits): Payload | undefined {
  const { start, end } = field;
  if (start === end || !limits.spend(end - start)) return undefined;
  const parsed = depth < MAX_DEPTH ? parseFields(bytes, start, end, limits) : undefined;
  const message: Payload | undefined = parsed?.parsedTo === end ? { kind: 'message', fields: parsed.fields } : undefined;
  if (message !== undefined && hasControlByte(bytes, start, end)) return message;
  const text = textIn(bytes, start, end);
  if (text !== undefined) return { kind: 'text', text };
  if (parsed === undefined) limits.tooDeep = true;
  return message;
}

/**
 * Classifies the payloads of one message on demand: walking a message reads its children one at a
 * time, so only the path being walked stays in memory.
 */
class Reader {
  constructor(
    private readonly bytes: Buffer,
    private readonly limits: WalkLimits,
  ) {}

  payload(field: Field, depth: number): Payload | undefined {
    return field.wire === WIRE_LENGTH_DELIMITED ? classify(this.bytes, field, depth, this.limits) : undefined;
  }

  /** The text of the first field numbered `number`, if it is text. */
  textField(fields: readonly Field[], number: number, depth: number): string | undefined {
    const field = fields.find((candidate) => candidate.number === number);
    const payload = field === undefined ? undefined : this.payload(field, depth);
    return payload?.kind === 'text' ? payload.text : undefined;
  }
}

function varintField(fields: readonly Field[], number: number): number | undefined {
  return fields.find((field) => field.number === number && field.wire === WIRE_VARINT)?.varint;
}

/** Scopes for some fields of one message, and the child messages read to decide them. */
interface ChildScopes {
  readonly scopes: ReadonlyMap<Field, KeyScope>;
  readonly children: ReadonlyMap<Field, readonly Field[]>;
}

/** For a resource Entry, the scope of each ConfigValue: its value keyed by the entry name, its configuration not. */
function entryValueScopes(reader: Reader, fields: readonly Field[], depth: number): ChildScopes | undefined {
  const configValues = fields.filter((field) => field.number === ENTRY_CONFIG_VALUE && field.wire === WIRE_LENGTH_DELIMITED);
  if (configValues.length === 0) return undefined;
  const name = reader.textField(fields, ENTRY_NAME, depth);
  // An XmlAttribute also has a text field 2 and a message field 6, but its field 3 is text, where an Entry's is a message.
  if (name === undefined || reader.textField(fields, ENTRY_VISIBILITY, depth) !== undefined) return undefined;
  const scope: KeyScope = { key: name, only: [CONFIG_VALUE_VALUE] };
  return { scopes: new Map(configValues.map((field) => [field, scope])), children: new Map() };
}

interface XmlAttribute {
  readonly label: string;
  readonly name: string;
  readonly resourceId: number | undefined;
  readonly value: string | undefined;
}

/** An XmlAttribute message, or undefined when the message has neither a name nor a resource id. */
function readXmlAttribute(reader: Reader, fields: readonly Field[], depth: number): XmlAttribute | undefined {
  const name = reader.textField(fields, ATTRIBUTE_NAME, depth);
  const resourceId = varintField(fields, ATTRIBUTE_RESOURCE_ID);
  if (name === undefined && resourceId === undefined) return undefined;
  const label = reader.textField(fields, ATTRIBUTE_NAMESPACE, depth) === ANDROID_NAMESPACE ? `android:${name ?? ''}` : (name ?? '');
  return { label, name: name ?? '', resourceId, value: reader.textField(fields, ATTRIBUTE_VALUE, depth) };
}

function isAttribute(attribute: XmlAttribute, resourceId: number, name: string): boolean {
  return attribute.resourceId === undefined ? attribute.name === name : attribute.resourceId === resourceId;
}

/**
 * For an XmlElement, the scope of each attribute message: its value (and compiled value) keyed by
 * the attribute's name, or by the element's `android:name` for `android:value`.
 */
function elementAttributeScopes(reader: Reader, fields: readonly Field[], depth: number): ChildScopes | undefined {
  if (!fields.some((field) => field.number === ELEMENT_ATTRIBUTE) || reader.textField(fields, ELEMENT_NAME, depth) === undefined) return undefined;
  const children = new Map<Field, readonly Field[]>();
  const attributes = new Map<Field, XmlAttribute>();
  for (const field of fields) {
    const payload = field.number === ELEMENT_ATTRIBUTE ? reader.payload(field, depth) : undefined;
    if (payload?.kind !== 'message') continue;
    children.set(field, payload.fields);
    const attribute = readXmlAttribute(reader, payload.fields, depth + 1);
    if (attribute !== undefined) attributes.set(field, attribute);
  }
  if (attributes.size === 0) return undefined;
  const androidName = [...attributes.values()].find((attribute) => isAttribute(attribute, ATTR_NAME, 'name'))?.value;
  const scopes = new Map<Field, KeyScope>();
  for (const [field, attribute] of attributes) {
    const key = androidName !== undefined && isAttribute(attribute, ATTR_VALUE, 'value') ? androidName : attribute.label;
    scopes.set(field, { key, only: [ATTRIBUTE_VALUE, ATTRIBUTE_COMPILED_ITEM] });
  }
  return { scopes, children };
}

/**
 * Values already emitted with a key. The proto manifest repeats an attribute's value in its compiled
 * item; comparing the values themselves (not a joined string) keeps this cheap.
 */
class Emitted {
  private readonly keysByValue = new Map<string, string | undefined | Set<string | undefined>>();

  /** True the first time `value` is added with `key`. */
  add(value: string, key: string | undefined): boolean {
    if (!this.keysByValue.has(value)) {
      this.keysByValue.set(value, key);
      return true;
    }
    const keys = this.keysByValue.get(value);
    if (keys instanceof Set) {
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    }
    if (keys === key) return false;
    this.keysByValue.set(value, new Set([keys, key]));
    return true;
  }
}

class ProtobufWalk {
  readonly strings: ExtractedString[] = [];
  private readonly emitted = new Emitted();
  private readonly reader: Reader;

  constructor(
    bytes: Buffer,
    private readonly table: string,
    private readonly limits: WalkLimits,
  ) {
    this.reader = new Reader(bytes, limits);
  }

  walk(fields: readonly Field[], depth: number, scope: KeyScope): void {
    const special = elementAttributeScopes(this.reader, fields, depth) ?? entryValueScopes(this.reader, fields, depth);
    for (const field of fields) {
      if (this.limits.exhausted) return;
      const known = special?.children.get(field);
      const payload: Payload | undefined = known === undefined ? this.reader.payload(field, depth) : { kind: 'message', fields: known };
      if (payload === undefined) continue;
      const key = keyFor(scope, field);
      if (payload.kind === 'text') this.emit(payload.text, key);
      else this.walk(payload.fields, depth + 1, special?.scopes.get(field) ?? inheritedScope(scope, key));
    }
  }

  private emit(value: string, key: string | undefined): void {
    if (value.trim() === '' || !this.emitted.add(value, key)) return;
    const locator = { kind: 'string-table', table: this.table, index: this.strings.length } as const;
    this.strings.push(key === undefined ? { value, locator } : { value, locator, key });
  }
}

/**
 * Text fields of the message in `bytes`, numbered in the order they are met. `table` names the
 * file in locators (`base/resources.pb`).
 */
export function decodeProtobufStrings(bytes: Uint8Array, table: string): Extraction {
  const limits = new WalkLimits(bytes.length);
  const root = parseFields(bytes, 0, bytes.length, limits);
  if (root.fields.length === 0 && bytes.length > 0) throw new FormatError('not a protobuf message (no field parses at offset 0)');
  const walk = new ProtobufWalk(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), table, limits);
  walk.walk(root.fields, 0, NO_KEY);
  const notices: string[] = [];
  if (root.parsedTo < bytes.length && !limits.exhausted) notices.push(`protobuf fields stop parsing at byte ${root.parsedTo} of ${bytes.length}; the rest was skipped`);
  if (limits.exhausted) notices.push('protobuf nesting needs more work than the file size allows; decoding stopped');
  if (limits.tooDeep) notices.push(`protobuf fields nested deeper than ${MAX_DEPTH} levels were not read`);
  return { strings: walk.strings, notices };
}
