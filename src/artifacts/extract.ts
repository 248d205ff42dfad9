/**
 * Decides what a leaf is and turns it into something rules can read: text as text, known binary
 * formats into their strings with places, anything else into printable runs (the raw fallback).
 */
import type { BinaryFormat } from '../types.js';
import { decodeText, isBinary } from '../sources/read.js';
import { FormatError, type ExtractedString, type Extraction } from './strings.js';
import { containerKind, type Leaf } from './walk.js';
import { isDex, decodeDex } from './formats/dex.js';
import { isClassFile, decodeClassFile } from './formats/java-class.js';
import { isHermes, decodeHermes } from './formats/hermes.js';
import { isResourceTable, decodeResourceTable, type ResourceTable } from './formats/arsc.js';
import { isBinaryXml, decodeBinaryXml } from './formats/axml.js';
import { decodeProtobufStrings } from './formats/protobuf.js';
import { isMachO, decodeMachO } from './formats/macho.js';
import { isElf, decodeElf } from './formats/elf.js';
import { isBinaryPlist, decodePlist } from './formats/plist.js';
import { printableRuns } from './formats/printable.js';

export type LeafContent =
  | { readonly kind: 'text'; readonly text: string }
  /** `alsoRaw`: native binaries keep strings outside the sections read, so printable runs are scanned too. */
  | { readonly kind: 'strings'; readonly format: BinaryFormat; readonly extraction: Extraction; readonly alsoRaw: boolean }
  | { readonly kind: 'raw'; readonly strings: readonly ExtractedString[]; readonly damaged?: { readonly format: BinaryFormat; readonly reason: string } }
  | { readonly kind: 'skip' };

function startsWith(bytes: Uint8Array, ...signature: number[]): boolean {
  return signature.every((byte, index) => bytes[index] === byte);
}

/** Pixels, sound and fonts: their compressed payloads hold no text, only noise. */
function isMedia(bytes: Uint8Array): boolean {
  return (
    startsWith(bytes, 0x89, 0x50, 0x4e, 0x47) ||
    startsWith(bytes, 0xff, 0xd8, 0xff) ||
    startsWith(bytes, 0x47, 0x49, 0x46, 0x38) ||
    (startsWith(bytes, 0x52, 0x49, 0x46, 0x46) && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP') ||
    startsWith(bytes, 0x4f, 0x67, 0x67, 0x53) ||
    startsWith(bytes, 0x49, 0x44, 0x33) ||
    startsWith(bytes, 0x77, 0x4f, 0x46)
  );
}

function utf16Text(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, 0xff, 0xfe)) return Buffer.from(bytes.subarray(2)).toString('utf16le');
  if (startsWith(bytes, 0xfe, 0xff)) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return undefined;
}

/** AAB modules store their manifest and resource table as aapt2 protobuf, which has no magic number. */
function isProtobufResource(name: string): boolean {
  return /\.pb$/i.test(name) || /(?:^|\/)manifest\/AndroidManifest\.xml$/.test(name);
}

/** Text XML (an AAR's manifest) rather than aapt2's protobuf, which may hold no NUL byte at all. */
function startsWithMarkup(bytes: Uint8Array): boolean {
  return /^\s*</.test(Buffer.from(bytes.subarray(0, 64)).toString('latin1'));
}

/** The resource table an APK keeps beside its manifest, decoded once per container. */
const tables = new WeakMap<Uint8Array, ResourceTable | null>();

function resourceTableBeside(leaf: Leaf): ResourceTable | undefined {
  const { name } = leaf;
  const folder = name.slice(0, name.lastIndexOf('/') + 1);
  const bytes = leaf.sibling(`${folder}resources.arsc`) ?? leaf.sibling('resources.arsc');
  if (bytes === undefined) return undefined;
  if (!tables.has(bytes)) {
    try {
      tables.set(bytes, decodeResourceTable(bytes));
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      tables.set(bytes, null);
    }
  }
  return tables.get(bytes) ?? undefined;
}

type Decoder = (leaf: Leaf) => Extraction;

function decoderFor(leaf: Leaf): { readonly format: BinaryFormat; readonly decode: Decoder } | undefined {
  const { bytes, name } = leaf;
  if (isDex(bytes)) return { format: 'dex', decode: () => decodeDex(bytes) };
  if (isHermes(bytes)) return { format: 'hermes', decode: () => decodeHermes(bytes) };
  if (isResourceTable(bytes)) return { format: 'arsc', decode: () => decodeResourceTable(bytes) };
  if (isBinaryXml(bytes)) return { format: 'axml', decode: () => decodeBinaryXml(bytes, resourceTableBeside(leaf)) };
  if (isBinaryPlist(bytes)) return { format: 'plist', decode: () => decodePlist(bytes) };
  if (isClassFile(bytes)) return { format: 'class', decode: () => decodeClassFile(bytes) };
  if (isMachO(bytes)) return { format: 'macho', decode: () => decodeMachO(bytes) };
  if (isElf(bytes)) return { format: 'elf', decode: () => decodeElf(bytes) };
  if (isProtobufResource(name) && !startsWithMarkup(bytes)) return { format: 'protobuf', decode: () => decodeProtobufStrings(bytes, name.slice(name.lastIndexOf('/') + 1)) };
  return undefined;
}

const NATIVE: ReadonlySet<BinaryFormat> = new Set(['macho', 'elf']);

/** Whether the file `name` is something only the artifact scanner can read: a container or a decodable binary. */
export function isArtifact(bytes: Uint8Array, name: string): boolean {
  return containerKind(bytes) !== undefined || decoderFor({ chain: [], name, bytes, containers: [], sibling: () => undefined }) !== undefined;
}

export function extractLeaf(leaf: Leaf): LeafContent {
  const { bytes } = leaf;
  const decoder = decoderFor(leaf);
  if (decoder !== undefined) {
    try {
      return { kind: 'strings', format: decoder.format, extraction: decoder.decode(leaf), alsoRaw: NATIVE.has(decoder.format) };
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      return { kind: 'raw', strings: printableRuns(bytes), damaged: { format: decoder.format, reason: error.message } };
    }
  }
  const utf16 = utf16Text(bytes);
  if (utf16 !== undefined) return { kind: 'text', text: utf16 };
  if (!isBinary(bytes)) return { kind: 'text', text: decodeText(bytes).text };
  // A binary file given directly keeps the old answer (not scanned); inside an app it is read raw.
  if (leaf.containers.length === 0 || isMedia(bytes)) return { kind: 'skip' };
  return { kind: 'raw', strings: printableRuns(bytes) };
}
