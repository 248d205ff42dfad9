/**
 * Property lists (`Info.plist`, `GoogleService-Info.plist`), binary (`bplist00`) or XML. Every string
 * value is reported with its key path and the nearest dictionary key, so detection sees
 * `API_KEY = "AIza..."`. Binary plists hold non-ASCII strings as UTF-16BE, which raw scanning misses.
 */
import { FormatError, type Extraction, type ExtractedString } from '../strings.js';

/** Real plists nest a handful of levels; deeper values are skipped with a notice. */
const MAX_DEPTH = 64;
const BPLIST_MAGIC = 'bplist00';
const TRAILER_SIZE = 32;
const XML_SNIFF_BYTES = 1024;

const UTF16BE = new TextDecoder('utf-16be');
const UTF8 = new TextDecoder('utf-8');

/** Collects values while walking; `seen` keeps notices to one of each kind. */
class Collector {
  readonly strings: ExtractedString[] = [];
  private readonly seen = new Set<string>();

  add(value: string, keyPath: string, key: string | undefined): void {
    this.strings.push({ value, locator: { kind: 'plist-key', keyPath }, ...(key === undefined ? {} : { key }) });
  }

  notice(text: string): void {
    this.seen.add(text);
  }

  extraction(): Extraction {
    return { strings: this.strings, notices: [...this.seen] };
  }
}

function childPath(keyPath: string, segment: string): string {
  return keyPath === '' ? segment : `${keyPath}/${segment}`;
}

function depthNotice(): string {
  return `plist nests deeper than ${MAX_DEPTH} levels; deeper values not scanned`;
}

export function isBinaryPlist(bytes: Uint8Array): boolean {
  return bytes.length >= BPLIST_MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, BPLIST_MAGIC.length).toString('latin1') === BPLIST_MAGIC;
}

export function isXmlPlist(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, XML_SNIFF_BYTES)).toString('latin1');
  const start = head.replace(/^\xEF\xBB\xBF/, '').trimStart();
  return (start.startsWith('<?xml') || start.startsWith('<!DOCTYPE') || start.startsWith('<plist')) && head.includes('<plist');
}

// ---------------------------------------------------------------------------------------------
// Binary: `bplist00`, objects, an offset table and a 32-byte trailer.

interface BinaryPlist {
  readonly bytes: Buffer;
  readonly offsetSize: number;
  readonly refSize: number;
  readonly objectCount: number;
  readonly topObject: number;
  readonly offsetTableOffset: number;
}

type BinaryObject =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly refs: readonly number[] }
  | { readonly kind: 'dict'; readonly keyRefs: readonly number[]; readonly valueRefs: readonly number[] }
  | { readonly kind: 'scalar' };

/** A big-endian unsigned integer of 1..8 bytes; past 2^53 it loses precision and fails range checks. */
function readUint(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let index = 0; index < size; index++) value = value * 256 + bytes[at + index]!;
  return value;
}

function readTrailer(bytes: Uint8Array): BinaryPlist {
  if (bytes.length < BPLIST_MAGIC.length + TRAILER_SIZE) throw new FormatError('binary plist is too short for its trailer');
  const trailer = bytes.length - TRAILER_SIZE;
  const offsetSize = bytes[trailer + 6]!;
  const refSize = bytes[trailer + 7]!;
  const objectCount = readUint(bytes, trailer + 8, 8);
  const topObject = readUint(bytes, trailer + 16, 8);
  const offsetTableOffset = readUint(bytes, trailer + 24, 8);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8) throw new FormatError(`bad binary plist integer sizes (${offsetSize}, ${refSize})`);
  if (objectCount === 0 || topObject >= objectCount) throw new FormatError('binary plist top object is out of range');
  if (offsetTableOffset < BPLIST_MAGIC.length || offsetTableOffset + objectCount * offsetSize > trailer) {
    throw new FormatError('binary plist offset table lies outside the file');
  }
  return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), offsetSize, refSize, objectCount, topObject, offsetTableOffset };
}

function objectOffset(plist: BinaryPlist, ref: number): number {
  if (ref >= plist.objectCount) throw new FormatError(`binary plist reference ${ref} is out of range`);
  const offset = readUint(plist.bytes, plist.offsetTableOffset + ref * plist.offsetSize, plist.offsetSize);
  if (offset < BPLIST_MAGIC.length || offset >= plist.offsetTableOffset) throw new FormatError(`binary plist object ${ref} lies outside the object area`);
  return offset;
}

/** Throws unless `size` bytes from `at` stay inside the object area: this is what bounds every count. */
function requireObjectBytes(plist: BinaryPlist, at: number, size: number): void {
  if (at + size > plist.offsetTableOffset) throw new FormatError(`binary plist object at ${at} runs past the object area`);
}

/** The element count of the object at `at` and where its payload starts; 0xF means an int object follows. */
function readCount(plist: BinaryPlist, at: number): { readonly count: number; readonly payload: number } {
  const info = plist.bytes[at]! & 0x0f;
  if (info !== 0x0f) return { count: info, payload: at + 1 };
  requireObjectBytes(plist, at + 1, 1);
  const intMarker = plist.bytes[at + 1]!;
  if (intMarker >> 4 !== 0x1 || (intMarker & 0x0f) > 3) throw new FormatError(`binary plist object at ${at} has a bad count marker`);
  const size = 1 << (intMarker & 0x0f);
  requireObjectBytes(plist, at + 2, size);
  return { count: readUint(plist.bytes, at + 2, size), payload: at + 2 + size };
}

function readRefs(plist: BinaryPlist, at: number, count: number): number[] {
  requireObjectBytes(plist, at, count * plist.refSize);
  return Array.from({ length: count }, (_, index) => readUint(plist.bytes, at + index * plist.refSize, plist.refSize));
}

function readObject(plist: BinaryPlist, ref: number): BinaryObject {
  const at = objectOffset(plist, ref);
  const type = plist.bytes[at]! >> 4;
  if (type !== 0x5 && type !== 0x6 && type !== 0xa && type !== 0xc && type !== 0xd) return { kind: 'scalar' };
  const { count, payload } = readCount(plist, at);
  if (type === 0x5) {
    requireObjectBytes(plist, payload, count);
    return { kind: 'string', value: plist.bytes.toString('latin1', payload, payload + count) };
  }
  if (type === 0x6) {
    requireObjectBytes(plist, payload, count * 2);
    return { kind: 'string', value: UTF16BE.decode(plist.bytes.subarray(payload, payload + count * 2)) };
  }
  if (type === 0xd) return { kind: 'dict', keyRefs: readRefs(plist, payload, count), valueRefs: readRefs(plist, payload + count * plist.refSize, count) };
  return { kind: 'array', refs: readRefs(plist, payload, count) };
}

interface BinaryWalk {
  readonly plist: BinaryPlist;
  readonly collector: Collector;
  /** Containers on the path from the top object: a reference back to one of them is a cycle. */
  readonly ancestors: Set<number>;
  /**
   * Shared containers can make a small file expand exponentially. A tree visits at most one object
   * per reference, and references take at least a byte each, so the file size bounds a real walk.
   */
  visitsLeft: number;
}

function walkBinary(walk: BinaryWalk, ref: number, keyPath: string, key: string | undefined, depth: number): void {
  if (walk.visitsLeft-- <= 0) {
    walk.collector.notice('binary plist expands to more values than the file can hold; the rest not scanned');
    return;
  }
  const object = readObject(walk.plist, ref);
  if (object.kind === 'string') walk.collector.add(object.value, keyPath, key);
  if (object.kind !== 'array' && object.kind !== 'dict') return;
  if (walk.ancestors.has(ref)) {
    walk.collector.notice('binary plist contains a reference cycle; the cycle not followed');
    return;
  }
  if (depth >= MAX_DEPTH) {
    walk.collector.notice(depthNotice());
    return;
  }
  walk.ancestors.add(ref);
  if (object.kind === 'array') {
    object.refs.forEach((child, index) => walkBinary(walk, child, childPath(keyPath, String(index)), key, depth + 1));
  } else {
    object.keyRefs.forEach((keyRef, index) => {
      const name = readObject(walk.plist, keyRef);
      if (name.kind !== 'string') throw new FormatError('binary plist dictionary key is not a string');
      walkBinary(walk, object.valueRefs[index]!, childPath(keyPath, name.value), name.value, depth + 1);
    });
  }
  walk.ancestors.delete(ref);
}

function decodeBinaryPlist(bytes: Uint8Array): Extraction {
  const plist = readTrailer(bytes);
  const walk: BinaryWalk = { plist, collector: new Collector(), ancestors: new Set(), visitsLeft: bytes.length };
  walkBinary(walk, plist.topObject, '', undefined, 0);
  return walk.collector.extraction();
}

// ---------------------------------------------------------------------------------------------
// XML: <plist><dict><key>...</key><string>...</string>...</dict></plist>

interface XmlContainer {
  readonly kind: 'dict' | 'array' | 'top';
  readonly keyPath: string;
  /** The nearest dictionary key above this container's values. */
  readonly key: string | undefined;
  /** False below the depth cap: values there are parsed for structure but not reported. */
  readonly reports: boolean;
  nextIndex: number;
  pendingKey: string | undefined;
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (match, entity: string) => {
    if (!entity.startsWith('#')) return XML_ENTITIES[entity] ?? match;
    const codePoint = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : match;
  });
}

/** Element text with entities decoded and CDATA sections taken verbatim (found by indexOf: linear). */
function xmlText(raw: string): string {
  let text = '';
  for (let at = 0; ; ) {
    const open = raw.indexOf('<![CDATA[', at);
    if (open === -1) return text + decodeEntities(raw.slice(at));
    const close = raw.indexOf(']]>', open);
    if (close === -1) throw new FormatError('unterminated CDATA section in XML plist');
    text += decodeEntities(raw.slice(at, open)) + raw.slice(open + '<![CDATA['.length, close);
    at = close + ']]>'.length;
  }
}

/** Where the next value of `container` goes, as a key path and the key detection should see. */
function nextSlot(container: XmlContainer): { readonly keyPath: string; readonly key: string | undefined } {
  if (container.kind === 'dict') {
    const key = container.pendingKey;
    if (key === undefined) throw new FormatError('XML plist dictionary value has no <key>');
    container.pendingKey = undefined;
    return { keyPath: childPath(container.keyPath, key), key };
  }
  if (container.kind === 'array') return { keyPath: childPath(container.keyPath, String(container.nextIndex++)), key: container.key };
  return { keyPath: container.keyPath, key: container.key };
}

/** Index just past `terminator` searched from `from`; FormatError when the markup never ends. */
function skipPast(text: string, terminator: string, from: number, what: string): number {
  const at = text.indexOf(terminator, from);
  if (at === -1) throw new FormatError(`unterminated ${what} in XML plist`);
  return at + terminator.length;
}

const SCALAR_ELEMENTS: ReadonlySet<string> = new Set(['integer', 'real', 'date', 'data', 'true', 'false']);
const TAG = /^<(\/?)([A-Za-z][\w.-]*)[^>]*?(\/?)>$/;

interface XmlTag {
  readonly name: string;
  readonly closing: boolean;
  readonly selfClosing: boolean;
  readonly end: number;
}

interface XmlParse {
  readonly text: string;
  readonly collector: Collector;
  readonly stack: XmlContainer[];
}

function readTag(text: string, at: number): XmlTag {
  const end = skipPast(text, '>', at, 'tag');
  const match = TAG.exec(text.slice(at, end));
  if (match === null) throw new FormatError('malformed tag in XML plist');
  return { name: match[2]!, closing: match[1] === '/', selfClosing: match[3] === '/', end };
}

function openContainer(parse: XmlParse, tag: XmlTag & { readonly name: 'dict' | 'array' }): void {
  const parent = parse.stack[parse.stack.length - 1]!;
  const slot = nextSlot(parent);
  const reports = parent.reports && parse.stack.length <= MAX_DEPTH;
  if (parent.reports && !reports) parse.collector.notice(depthNotice());
  if (!tag.selfClosing) parse.stack.push({ kind: tag.name, keyPath: slot.keyPath, key: slot.key, reports, nextIndex: 0, pendingKey: undefined });
}

function closeContainer(parse: XmlParse, name: 'dict' | 'array'): void {
  if (parse.stack[parse.stack.length - 1]!.kind !== name) throw new FormatError(`unbalanced </${name}> in XML plist`);
  parse.stack.pop();
}

/** Reads the text of a `<key>` or `<string>` and returns the index past its end tag. */
function readText(parse: XmlParse, tag: XmlTag & { readonly name: 'key' | 'string' }): number {
  const container = parse.stack[parse.stack.length - 1]!;
  const contentEnd = tag.selfClosing ? tag.end : parse.text.indexOf(`</${tag.name}>`, tag.end);
  if (contentEnd === -1) throw new FormatError(`unterminated <${tag.name}> in XML plist`);
  const value = xmlText(parse.text.slice(tag.end, contentEnd));
  if (tag.name === 'key') {
    if (container.kind !== 'dict') throw new FormatError('<key> outside a <dict> in XML plist');
    container.pendingKey = value;
  } else {
    const slot = nextSlot(container);
    if (container.reports) parse.collector.add(value, slot.keyPath, slot.key);
  }
  return tag.selfClosing ? tag.end : contentEnd + tag.name.length + 3;
}

/** Handles one element tag and returns where to continue. Unknown elements (`<plist>`) are skipped. */
function readElement(parse: XmlParse, at: number): number {
  const tag = readTag(parse.text, at);
  const { name } = tag;
  if (name === 'dict' || name === 'array') {
    if (tag.closing) closeContainer(parse, name);
    else openContainer(parse, { ...tag, name });
  } else if (tag.closing) {
    return tag.end;
  } else if (name === 'key' || name === 'string') {
    return readText(parse, { ...tag, name });
  } else if (SCALAR_ELEMENTS.has(name)) {
    nextSlot(parse.stack[parse.stack.length - 1]!);
  }
  return tag.end;
}

function decodeXmlPlist(bytes: Uint8Array): Extraction {
  const text = UTF8.decode(bytes);
  const top: XmlContainer = { kind: 'top', keyPath: '', key: undefined, reports: true, nextIndex: 0, pendingKey: undefined };
  const parse: XmlParse = { text, collector: new Collector(), stack: [top] };
  for (let at = text.indexOf('<'); at !== -1; ) {
    let next: number;
    if (text.startsWith('<!--', at)) next = skipPast(text, '-->', at, 'comment');
    else if (text.startsWith('<?', at)) next = skipPast(text, '?>', at, 'processing instruction');
    else if (text.startsWith('<!', at)) next = skipPast(text, '>', at, 'declaration');
    else next = readElement(parse, at);
    at = text.indexOf('<', next);
  }
  if (parse.stack.length > 1) throw new FormatError(`XML plist ends inside a <${parse.stack[parse.stack.length - 1]!.kind}>`);
  return parse.collector.extraction();
}

/** Every string value of a binary or XML plist, keyed by its path and nearest dictionary key. */
export function decodePlist(bytes: Uint8Array): Extraction {
  if (isBinaryPlist(bytes)) return decodeBinaryPlist(bytes);
  if (isXmlPlist(bytes)) return decodeXmlPlist(bytes);
  throw new FormatError('not a binary or XML plist');
}
