/**
 * Android binary XML (`AndroidManifest.xml`, compiled `res/xml/*.xml`): every string attribute value
 * and text node, located by element and attribute. A `<meta-data android:name=N android:value=V>`
 * value is keyed by N, so detection sees `com.facebook.sdk.ClientToken = "..."`; `@string/...`
 * values are resolved through resources.arsc when a table is given.
 */
import type { ExtractedString, Extraction, Locator } from '../strings.js';
import { FormatError } from '../strings.js';
import { ANDROID_NAMESPACE, ATTR_NAME, ATTR_VALUE, TYPE_DYNAMIC_REFERENCE, TYPE_REFERENCE, TYPE_STRING } from './android-resources.js';
import type { ResourceTable } from './arsc.js';
import { type Chunk, type StringPool, ResourceBytes, STRING_POOL_CHUNK, chunksIn, decodeStringPool } from './string-pool.js';

const XML_CHUNK = 0x0003;
const XML_HEADER_BYTES = 8;
const START_NAMESPACE = 0x0100;
const START_ELEMENT = 0x0102;
const END_ELEMENT = 0x0103;
const CDATA = 0x0104;
const RESOURCE_MAP = 0x0180;

const NODE_HEADER_BYTES = 16;
const ELEMENT_EXTENSION_BYTES = 20;
const NAMESPACE_EXTENSION_BYTES = 8;
const CDATA_EXTENSION_BYTES = 4;
const ATTRIBUTE_BYTES = 20;

/**
 * Framework attributes the runtime knows by id whatever their name string says; obfuscators blank or
 * rename those strings, so these are labelled by id.
 */
const FRAMEWORK_ATTRIBUTES: ReadonlyMap<number, string> = new Map([
  [ATTR_NAME, 'android:name'],
  [ATTR_VALUE, 'android:value'],
  [0x01010025, 'android:resource'],
]);
const TEXT_NODE = '#text';

export function isBinaryXml(bytes: Uint8Array): boolean {
  return bytes.length >= XML_HEADER_BYTES && bytes[0] === XML_CHUNK && bytes[1] === 0 && bytes[2] === XML_HEADER_BYTES && bytes[3] === 0;
}

interface Attribute {
  readonly label: string;
  readonly resourceId: number | undefined;
  readonly localName: string;
  readonly value: string | undefined;
}

interface OpenElement {
  readonly element: string;
  readonly androidName: string | undefined;
}

/** The document's shared state while its node chunks are read in order. */
interface XmlDocument {
  readonly data: ResourceBytes;
  readonly pool: StringPool;
  readonly resources: ResourceTable | undefined;
  readonly prefixes: Map<string, string>;
  resourceMap: Chunk | undefined;
}

function resourceIdOf(doc: XmlDocument, nameIndex: number): number | undefined {
  const map = doc.resourceMap;
  if (map === undefined) return undefined;
  const at = map.start + map.headerSize + nameIndex * 4;
  return at + 4 <= map.end ? doc.data.u32(at) : undefined;
}

function isAttribute(attribute: Attribute, resourceId: number, localName: string): boolean {
  return attribute.resourceId === undefined ? attribute.localName === localName : attribute.resourceId === resourceId;
}

function qualifiedName(doc: XmlDocument, namespaceIndex: number, localName: string, resourceId: number | undefined): string {
  const known = resourceId === undefined ? undefined : FRAMEWORK_ATTRIBUTES.get(resourceId);
  if (known !== undefined) return known;
  if (localName === '' && resourceId !== undefined) return `0x${resourceId.toString(16).padStart(8, '0')}`;
  const uri = doc.pool.string(namespaceIndex);
  const prefix = uri === undefined ? undefined : (doc.prefixes.get(uri) ?? (uri === ANDROID_NAMESPACE ? 'android' : undefined));
  return prefix === undefined ? localName : `${prefix}:${localName}`;
}

/** A reference resolves through the table; otherwise the raw string, then a typed string. */
function attributeValue(doc: XmlDocument, at: number): string | undefined {
  const { data, pool } = doc;
  const dataType = data.u8(at + 15);
  const typedData = data.u32(at + 16);
  if (dataType === TYPE_REFERENCE || dataType === TYPE_DYNAMIC_REFERENCE) {
    const resolved = doc.resources?.lookup(typedData)?.value;
    if (resolved !== undefined) return resolved;
  }
  return pool.string(data.u32(at + 8)) ?? (dataType === TYPE_STRING ? pool.string(typedData) : undefined);
}

function readAttributes(doc: XmlDocument, chunk: Chunk, extension: number): Attribute[] {
  const { data, pool } = doc;
  const first = extension + data.u16(extension + 8);
  const stride = data.u16(extension + 10);
  if (stride < ATTRIBUTE_BYTES || first > chunk.end) return [];
  const count = Math.min(data.u16(extension + 12), Math.floor((chunk.end - first) / stride));
  const attributes: Attribute[] = [];
  for (let index = 0; index < count; index++) {
    const at = first + index * stride;
    const nameIndex = data.u32(at + 4);
    const resourceId = resourceIdOf(doc, nameIndex);
    const localName = pool.string(nameIndex) ?? '';
    const label = qualifiedName(doc, data.u32(at), localName, resourceId);
    attributes.push({ label, resourceId, localName, value: attributeValue(doc, at) });
  }
  return attributes;
}

function xmlLocator(element: string, attribute: string, androidName: string | undefined): Locator {
  return androidName === undefined ? { kind: 'xml-attribute', element, attribute } : { kind: 'xml-attribute', element, attribute, name: androidName };
}

/**
 * Each string-valued attribute. When the element names itself (`android:name`), its `android:value`
 * is keyed by that name — `<meta-data>` and `<property>` carry SDK keys that way.
 */
function elementStrings(element: string, attributes: readonly Attribute[]): { strings: ExtractedString[]; androidName: string | undefined } {
  const androidName = attributes.find((attribute) => isAttribute(attribute, ATTR_NAME, 'name'))?.value;
  const strings: ExtractedString[] = [];
  for (const attribute of attributes) {
    if (attribute.value === undefined || attribute.value === '') continue;
    const isValue = androidName !== undefined && isAttribute(attribute, ATTR_VALUE, 'value');
    strings.push({ value: attribute.value, locator: xmlLocator(element, attribute.label, androidName), key: isValue ? androidName : attribute.label });
  }
  return { strings, androidName };
}

function extensionOf(chunk: Chunk, extensionBytes: number): number | undefined {
  const extension = chunk.start + chunk.headerSize;
  return chunk.headerSize >= NODE_HEADER_BYTES && extension + extensionBytes <= chunk.end ? extension : undefined;
}

export function decodeBinaryXml(bytes: Uint8Array, resources?: ResourceTable): Extraction {
  if (!isBinaryXml(bytes)) throw new FormatError('not binary XML (no 0x0003 chunk with an 8-byte header)');
  const data = new ResourceBytes(bytes);
  const declaredSize = data.u32(4);
  const limit = declaredSize > XML_HEADER_BYTES && declaredSize <= bytes.length ? declaredSize : bytes.length;
  const chunks = [...chunksIn(data, XML_HEADER_BYTES, limit)];
  // Nodes are only readable once the pool is known; Android reads the first pool and map it meets.
  const poolIndex = chunks.findIndex((chunk) => chunk.type === STRING_POOL_CHUNK);
  if (poolIndex === -1) throw new FormatError('binary XML without a readable string pool');
  const pool = decodeStringPool(data, chunks[poolIndex]!);

  const doc: XmlDocument = { data, pool, resources, prefixes: new Map(), resourceMap: undefined };
  const notices = new Set<string>();
  if (declaredSize > bytes.length) notices.add(`truncated (${bytes.length} of ${declaredSize} bytes)`);
  const strings: ExtractedString[] = [];
  const open: OpenElement[] = [];
  let skipped = 0;

  for (const chunk of chunks.slice(poolIndex + 1)) {
    if (chunk.type === RESOURCE_MAP) {
      doc.resourceMap ??= chunk;
    } else if (chunk.type === START_NAMESPACE) {
      const extension = extensionOf(chunk, NAMESPACE_EXTENSION_BYTES);
      const prefix = extension === undefined ? undefined : pool.string(data.u32(extension));
      const uri = extension === undefined ? undefined : pool.string(data.u32(extension + 4));
      if (prefix !== undefined && uri !== undefined && prefix !== '') doc.prefixes.set(uri, prefix);
    } else if (chunk.type === START_ELEMENT) {
      const extension = extensionOf(chunk, ELEMENT_EXTENSION_BYTES);
      if (extension === undefined) {
        // Still opened, so that its end-element chunk closes it and not its parent.
        open.push({ element: '', androidName: undefined });
        skipped++;
        continue;
      }
      const element = pool.string(data.u32(extension + 4)) ?? '';
      const found = elementStrings(element, readAttributes(doc, chunk, extension));
      strings.push(...found.strings);
      open.push({ element, androidName: found.androidName });
    } else if (chunk.type === END_ELEMENT) {
      open.pop();
    } else if (chunk.type === CDATA) {
      const extension = extensionOf(chunk, CDATA_EXTENSION_BYTES);
      const text = extension === undefined ? undefined : pool.string(data.u32(extension));
      const parent = open[open.length - 1];
      if (text !== undefined && text.trim() !== '') strings.push({ value: text, locator: xmlLocator(parent?.element ?? '', TEXT_NODE, parent?.androidName) });
    }
  }
  if (pool.damage !== undefined) notices.add(pool.damage);
  if (skipped > 0) notices.add(`${skipped} element chunk(s) too short to read were skipped`);
  return { strings, notices: [...notices] };
}
