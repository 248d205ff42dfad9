/**
 * Mach-O executables and dylibs (iOS/macOS apps, frameworks), thin or fat. String literals are read
 * from the sections that hold them, chosen by section type rather than name because linkers merge
 * `__objc_methname` and friends into `__cstring`. Every slice of a fat file is decoded; the caller
 * deduplicates. App Store binaries are FairPlay-encrypted: their encrypted range is reported, not read.
 */
import { findTextRuns } from './printable.js';
import { objcNamedConstants, S_CSTRING_LITERALS, ZERO_FILL_TYPES, type MachSection } from './objc.js';
import { FormatError, type Extraction, type ExtractedString } from '../strings.js';

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
/** Java class files also start with CAFEBABE, followed by a version ≥ 45 where fat files count slices. */
const MAX_FAT_SLICES = 19;

const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const LC_ENCRYPTION_INFO = 0x21;
const LC_ENCRYPTION_INFO_64 = 0x2c;
const LOAD_COMMAND_HEADER = 8;

const SECTION_TYPE_MASK = 0xff;

const CPU_ARCH_ABI64 = 0x0100_0000;
const CPU_TYPE_X86 = 7;
const CPU_TYPE_ARM = 12;
const CPU_SUBTYPE_MASK = 0x00ff_ffff;
const CPU_SUBTYPE_ARM64E = 2;
const ARCH_NAMES: ReadonlyMap<number, string> = new Map([
  [CPU_TYPE_X86, 'i386'],
  [CPU_TYPE_X86 | CPU_ARCH_ABI64, 'x86_64'],
  [CPU_TYPE_ARM | CPU_ARCH_ABI64, 'arm64'],
]);
const ARM32_NAMES: ReadonlyMap<number, string> = new Map([
  [9, 'armv7'],
  [11, 'armv7s'],
  [12, 'armv7k'],
]);

interface ThinLayout {
  readonly littleEndian: boolean;
  readonly is64: boolean;
}

/** Field offsets of a segment command and its section records, per word size. */
interface SegmentLayout {
  readonly command: number;
  readonly nsects: number;
  readonly sectionSize: number;
  readonly segname: number;
  readonly size: number;
  readonly offset: number;
  readonly flags: number;
  readonly address: number;
}

const SEGMENT_32: SegmentLayout = { command: 56, nsects: 48, sectionSize: 68, segname: 16, size: 36, offset: 40, flags: 56, address: 32 };
const SEGMENT_64: SegmentLayout = { command: 72, nsects: 64, sectionSize: 80, segname: 16, size: 40, offset: 48, flags: 64, address: 32 };

interface Slice {
  readonly arch: string;
  readonly offset: number;
  readonly size: number;
}


interface Encryption {
  readonly offset: number;
  readonly size: number;
  readonly cryptid: number;
}

type SectionContent = 'c-strings' | 'utf16-strings' | 'data';

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function thinLayout(view: DataView): ThinLayout | undefined {
  if (view.byteLength < 4) return undefined;
  for (const littleEndian of [true, false]) {
    const magic = view.getUint32(0, littleEndian);
    if (magic === MH_MAGIC || magic === MH_MAGIC_64) return { littleEndian, is64: magic === MH_MAGIC_64 };
  }
  return undefined;
}

function fatMagic(view: DataView): number | undefined {
  if (view.byteLength < 8) return undefined;
  const magic = view.getUint32(0, false);
  if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) return undefined;
  const count = view.getUint32(4, false);
  return count > 0 && count <= MAX_FAT_SLICES ? magic : undefined;
}

export function isMachO(bytes: Uint8Array): boolean {
  const view = dataView(bytes);
  return fatMagic(view) !== undefined || thinLayout(view) !== undefined;
}

function archName(cputype: number, cpusubtype: number): string {
  const subtype = cpusubtype & CPU_SUBTYPE_MASK;
  if (cputype === (CPU_TYPE_ARM | CPU_ARCH_ABI64) && subtype === CPU_SUBTYPE_ARM64E) return 'arm64e';
  const name = cputype === CPU_TYPE_ARM ? ARM32_NAMES.get(subtype) : ARCH_NAMES.get(cputype);
  return name ?? `cpu${cputype}`;
}

/** 64-bit fields; values past 2^53 lose precision but then fail every range check anyway. */
function readUint64(view: DataView, at: number, littleEndian: boolean): number {
  const low = view.getUint32(littleEndian ? at : at + 4, littleEndian);
  const high = view.getUint32(littleEndian ? at + 4 : at, littleEndian);
  return high * 2 ** 32 + low;
}

function fixedString(bytes: Uint8Array, at: number, length: number): string {
  const field = bytes.subarray(at, at + length);
  const terminator = field.indexOf(0);
  return Buffer.from(field.buffer, field.byteOffset, terminator === -1 ? length : terminator).toString('latin1');
}

function overlaps(startA: number, sizeA: number, startB: number, sizeB: number): boolean {
  return startA < startB + sizeB && startB < startA + sizeA;
}

/** The slices that lie inside the file, after the slice table, and apart from one another. */
function fatSlices(view: DataView, magic: number, notices: string[]): Slice[] {
  const is64 = magic === FAT_MAGIC_64;
  const entrySize = is64 ? 32 : 20;
  const count = view.getUint32(4, false);
  const tableEnd = 8 + count * entrySize;
  if (tableEnd > view.byteLength) throw new FormatError('fat slice table extends past the end of the file');
  const slices: Slice[] = [];
  for (let index = 0; index < count; index++) {
    const at = 8 + index * entrySize;
    const arch = archName(view.getUint32(at, false), view.getUint32(at + 4, false));
    const offset = is64 ? readUint64(view, at + 8, false) : view.getUint32(at + 8, false);
    const size = is64 ? readUint64(view, at + 16, false) : view.getUint32(at + 12, false);
    if (offset < tableEnd || offset + size > view.byteLength) notices.push(`Mach-O ${arch} slice lies outside the file; not scanned`);
    else if (slices.some((other) => overlaps(offset, size, other.offset, other.size))) notices.push(`Mach-O ${arch} slice overlaps another slice; not scanned`);
    else slices.push({ arch, offset, size });
  }
  return slices;
}

function readSections(slice: Uint8Array, view: DataView, layout: ThinLayout, at: number, commandSize: number): MachSection[] {
  const segment = layout.is64 ? SEGMENT_64 : SEGMENT_32;
  if (commandSize < segment.command) throw new FormatError(`segment command of ${commandSize} bytes is too small`);
  const count = view.getUint32(at + segment.nsects, layout.littleEndian);
  if (count > (commandSize - segment.command) / segment.sectionSize) throw new FormatError(`${count} sections do not fit in a ${commandSize}-byte segment command`);
  return Array.from({ length: count }, (_, index) => {
    const record = at + segment.command + index * segment.sectionSize;
    return {
      name: fixedString(slice, record, 16),
      segment: fixedString(slice, record + segment.segname, 16),
      size: layout.is64 ? readUint64(view, record + segment.size, layout.littleEndian) : view.getUint32(record + segment.size, layout.littleEndian),
      offset: view.getUint32(record + segment.offset, layout.littleEndian),
      type: view.getUint32(record + segment.flags, layout.littleEndian) & SECTION_TYPE_MASK,
      address: layout.is64 ? readUint64(view, record + segment.address, layout.littleEndian) : view.getUint32(record + segment.address, layout.littleEndian),
    };
  });
}

interface LoadCommands {
  readonly sections: readonly MachSection[];
  readonly encryptions: readonly Encryption[];
}

function readLoadCommands(slice: Uint8Array, view: DataView, layout: ThinLayout): LoadCommands {
  const headerSize = layout.is64 ? 32 : 28;
  if (slice.length < headerSize) throw new FormatError('truncated Mach-O header');
  const count = view.getUint32(16, layout.littleEndian);
  const commandsEnd = headerSize + view.getUint32(20, layout.littleEndian);
  if (commandsEnd > slice.length) throw new FormatError('load commands extend past the end of the binary');
  if (count > (commandsEnd - headerSize) / LOAD_COMMAND_HEADER) throw new FormatError(`${count} load commands do not fit in ${commandsEnd - headerSize} bytes`);
  const sections: MachSection[] = [];
  const encryptions: Encryption[] = [];
  let at = headerSize;
  for (let index = 0; index < count; index++) {
    if (at + LOAD_COMMAND_HEADER > commandsEnd) throw new FormatError(`load command ${index} starts past the load command area`);
    const command = view.getUint32(at, layout.littleEndian);
    const size = view.getUint32(at + 4, layout.littleEndian);
    if (size < LOAD_COMMAND_HEADER || size % 4 !== 0 || at + size > commandsEnd) throw new FormatError(`load command ${index} has a bad size (${size})`);
    if (command === LC_SEGMENT || command === LC_SEGMENT_64) {
      for (const section of readSections(slice, view, layout, at, size)) sections.push(section);
    } else if ((command === LC_ENCRYPTION_INFO || command === LC_ENCRYPTION_INFO_64) && size >= 20) {
      encryptions.push({
        offset: view.getUint32(at + 8, layout.littleEndian),
        size: view.getUint32(at + 12, layout.littleEndian),
        cryptid: view.getUint32(at + 16, layout.littleEndian),
      });
    }
    at += size;
  }
  return { sections, encryptions };
}

/**
 * How a section holds strings, or undefined when it holds none worth reading. `__const` and `__data`
 * of any segment (`__TEXT`, `__DATA_CONST`, `__DATA` in older binaries, `__AUTH_CONST` on arm64e)
 * mix strings with pointers and numbers, so they are scanned for printable runs.
 */
function contentOf(section: MachSection): SectionContent | undefined {
  if (ZERO_FILL_TYPES.has(section.type) || section.size === 0) return undefined;
  if (section.type === S_CSTRING_LITERALS) return 'c-strings';
  if (section.name === '__ustring') return 'utf16-strings';
  return section.name === '__const' || section.name === '__data' ? 'data' : undefined;
}

interface FoundString {
  readonly value: string;
  /** From the start of the section. */
  readonly offset: number;
}

/** Every NUL-terminated string, however short: these sections hold nothing else. */
function cStrings(data: Uint8Array): FoundString[] {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const found: FoundString[] = [];
  for (let start = 0; start < data.length; ) {
    const terminator = data.indexOf(0, start);
    const end = terminator === -1 ? data.length : terminator;
    if (end > start) found.push({ value: buffer.toString('utf8', start, end), offset: start });
    start = end + 1;
  }
  return found;
}

/** CFString literals with non-ASCII text: 16-bit code units, each string ended by a zero unit. */
function utf16Strings(data: Uint8Array, littleEndian: boolean): FoundString[] {
  const view = dataView(data);
  const decoder = new TextDecoder(littleEndian ? 'utf-16le' : 'utf-16be');
  const found: FoundString[] = [];
  let start = 0;
  for (let at = 0; at + 2 <= data.length; at += 2) {
    if (view.getUint16(at, littleEndian) !== 0) continue;
    if (at > start) found.push({ value: decoder.decode(data.subarray(start, at)), offset: start });
    start = at + 2;
  }
  const tail = data.length - (data.length % 2);
  if (tail > start) found.push({ value: decoder.decode(data.subarray(start, tail)), offset: start });
  return found;
}

function sectionStrings(data: Uint8Array, content: SectionContent, littleEndian: boolean): FoundString[] {
  if (content === 'c-strings') return cStrings(data);
  if (content === 'utf16-strings') return utf16Strings(data, littleEndian);
  return findTextRuns(data);
}

/**
 * One thin binary at `sliceOffset` in `bytes`. `fatArch` names the slice of a fat file; it is left
 * out of locators for thin files, where there is only one.
 */
function decodeThin(bytes: Uint8Array, sliceOffset: number, sliceSize: number, fatArch: string | undefined): Extraction {
  const slice = bytes.subarray(sliceOffset, sliceOffset + sliceSize);
  const view = dataView(slice);
  const layout = thinLayout(view);
  if (layout === undefined) throw new FormatError('not a Mach-O binary');
  const { sections, encryptions } = readLoadCommands(slice, view, layout);
  const arch = fatArch ?? archName(view.getUint32(4, layout.littleEndian), view.getUint32(8, layout.littleEndian));
  const encrypted = encryptions.filter((range) => range.cryptid !== 0);
  const notices = encrypted.map((range) => `FairPlay-encrypted (cryptid ${range.cryptid}): native strings of the ${arch} slice cannot be read`);
  const strings: ExtractedString[] = [];
  for (const section of sections) {
    const content = contentOf(section);
    if (content === undefined) continue;
    const sectionName = `${section.segment},${section.name}`;
    if (section.offset + section.size > slice.length) {
      notices.push(`Mach-O section ${sectionName} of the ${arch} slice lies past its end; not scanned`);
      continue;
    }
    if (encrypted.some((range) => overlaps(section.offset, section.size, range.offset, range.size))) continue;
    const data = slice.subarray(section.offset, section.offset + section.size);
    for (const found of sectionStrings(data, content, layout.littleEndian)) {
      const offset = sliceOffset + section.offset + found.offset;
      strings.push({ value: found.value, locator: { kind: 'section', section: sectionName, offset, ...(fatArch === undefined ? {} : { slice: fatArch }) } });
    }
  }
  // Constants that Objective-C getters return, named by their selectors, one unit per class.
  if (layout.is64 && layout.littleEndian && encrypted.length === 0) {
    const cputype = view.getUint32(4, true);
    objcNamedConstants(slice, sections, cputype).forEach((constant, position) => {
      const locator = { kind: 'section', section: constant.section, offset: sliceOffset + constant.offset, ...(fatArch === undefined ? {} : { slice: fatArch }), via: `returned by ${constant.method}` } as const;
      strings.push({ value: constant.value, key: constant.selector, locator, unit: `${arch} ${constant.className}`, declared: position });
    });
  }
  return { strings, notices };
}

/**
 * The string literals of every readable slice. Locator offsets count from the start of the file.
 * A damaged slice of a fat file becomes a notice; FormatError only when no slice can be read.
 */
export function decodeMachO(bytes: Uint8Array): Extraction {
  const view = dataView(bytes);
  const magic = fatMagic(view);
  if (magic === undefined) {
    if (thinLayout(view) === undefined) throw new FormatError('not a Mach-O file');
    return decodeThin(bytes, 0, bytes.length, undefined);
  }
  const notices: string[] = [];
  const strings: ExtractedString[] = [];
  let decodedSlices = 0;
  for (const slice of fatSlices(view, magic, notices)) {
    try {
      const extraction = decodeThin(bytes, slice.offset, slice.size, slice.arch);
      // One push per string: spreading a slice's strings as arguments overflows the stack on big binaries.
      for (const found of extraction.strings) strings.push(found);
      notices.push(...extraction.notices);
      decodedSlices++;
    } catch (error) {
      if (!(error instanceof FormatError)) throw error;
      notices.push(`Mach-O ${slice.arch} slice: ${error.message}; not scanned`);
    }
  }
  if (decodedSlices === 0) throw new FormatError(`no readable Mach-O slice (${notices.join('; ')})`);
  return { strings, notices };
}
