/**
 * ELF executables and shared objects (Android `lib/<abi>/*.so`, Linux binaries). Secrets compiled
 * into native code sit in read-only or initialised data (`.rodata`, `.data`, `.data.rel.ro`), as
 * plain bytes or as UTF-16LE (`u"..."` literals), so those sections are scanned for printable runs.
 * Without usable section headers there is nothing to locate by: FormatError, and the caller raw-scans.
 */
import { findTextRuns } from './printable.js';
import { FormatError, type Extraction, type ExtractedString } from '../strings.js';

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const SHT_PROGBITS = 1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;

/** Where the fields this decoder needs sit, per ELF class. */
interface ElfClassLayout {
  readonly headerSize: number;
  readonly shoff: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
  readonly sectionHeaderSize: number;
  readonly sectionFlags: number;
  readonly sectionOffset: number;
  readonly sectionSize: number;
  readonly wordSize: 4 | 8;
}

const LAYOUT_32: ElfClassLayout = {
  headerSize: 52, shoff: 0x20, shentsize: 0x2e, shnum: 0x30, shstrndx: 0x32,
  sectionHeaderSize: 40, sectionFlags: 0x08, sectionOffset: 0x10, sectionSize: 0x14, wordSize: 4,
};

const LAYOUT_64: ElfClassLayout = {
  headerSize: 64, shoff: 0x28, shentsize: 0x3a, shnum: 0x3c, shstrndx: 0x3e,
  sectionHeaderSize: 64, sectionFlags: 0x08, sectionOffset: 0x18, sectionSize: 0x20, wordSize: 8,
};

interface ElfReader {
  readonly view: DataView;
  readonly layout: ElfClassLayout;
  readonly littleEndian: boolean;
}

interface SectionHeader {
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 16 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** An address-sized field; values past 2^53 lose precision but then fail every range check anyway. */
function readWord(reader: ElfReader, at: number): number {
  const { view, littleEndian } = reader;
  if (reader.layout.wordSize === 4) return view.getUint32(at, littleEndian);
  const low = view.getUint32(littleEndian ? at : at + 4, littleEndian);
  const high = view.getUint32(littleEndian ? at + 4 : at, littleEndian);
  return high * 2 ** 32 + low;
}

function elfReader(bytes: Uint8Array): ElfReader {
  const elfClass = bytes[4];
  const encoding = bytes[5];
  if (elfClass !== ELFCLASS32 && elfClass !== ELFCLASS64) throw new FormatError(`unknown ELF class ${elfClass}`);
  if (encoding !== ELFDATA2LSB && encoding !== ELFDATA2MSB) throw new FormatError(`unknown ELF data encoding ${encoding}`);
  const layout = elfClass === ELFCLASS64 ? LAYOUT_64 : LAYOUT_32;
  if (bytes.length < layout.headerSize) throw new FormatError('truncated ELF header');
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), layout, littleEndian: encoding === ELFDATA2LSB };
}

function sectionHeaders(reader: ElfReader): SectionHeader[] {
  const { view, layout, littleEndian } = reader;
  const tableOffset = readWord(reader, layout.shoff);
  const entrySize = view.getUint16(layout.shentsize, littleEndian);
  const count = view.getUint16(layout.shnum, littleEndian);
  if (tableOffset === 0 || count === 0) throw new FormatError('no section headers (stripped)');
  if (entrySize < layout.sectionHeaderSize) throw new FormatError(`section header size ${entrySize} is too small`);
  if (tableOffset + count * entrySize > view.byteLength) throw new FormatError('section headers extend past the end of the file');
  return Array.from({ length: count }, (_, index) => {
    const at = tableOffset + index * entrySize;
    return {
      nameOffset: view.getUint32(at, littleEndian),
      type: view.getUint32(at + 4, littleEndian),
      flags: readWord(reader, at + layout.sectionFlags),
      offset: readWord(reader, at + layout.sectionOffset),
      size: readWord(reader, at + layout.sectionSize),
    };
  });
}

function isInFile(bytes: Uint8Array, section: SectionHeader): boolean {
  return section.offset + section.size <= bytes.length;
}

function sectionName(bytes: Uint8Array, names: SectionHeader, section: SectionHeader): string {
  if (section.nameOffset >= names.size) throw new FormatError(`section name offset ${section.nameOffset} is outside the name table`);
  const start = names.offset + section.nameOffset;
  const terminator = bytes.subarray(start, names.offset + names.size).indexOf(0);
  if (terminator === -1) throw new FormatError('unterminated section name');
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, terminator).toString('latin1');
}

/** Initialised data the program reads but does not run: where string literals and constant tables live. */
function holdsData(section: SectionHeader): boolean {
  return section.type === SHT_PROGBITS && (section.flags & SHF_ALLOC) !== 0 && (section.flags & SHF_EXECINSTR) === 0 && section.size > 0;
}

/** Printable runs (UTF-8 and UTF-16) of every allocated, non-executable PROGBITS section. */
export function decodeElf(bytes: Uint8Array): Extraction {
  if (!isElf(bytes)) throw new FormatError('not an ELF file');
  const reader = elfReader(bytes);
  const sections = sectionHeaders(reader);
  const nameIndex = reader.view.getUint16(reader.layout.shstrndx, reader.littleEndian);
  const names = sections[nameIndex];
  if (names === undefined || !isInFile(bytes, names)) throw new FormatError('section name table is missing or outside the file');
  const strings: ExtractedString[] = [];
  const notices: string[] = [];
  for (const section of sections.filter(holdsData)) {
    const name = sectionName(bytes, names, section);
    if (!isInFile(bytes, section)) {
      notices.push(`ELF section ${name} extends past the end of the file; not scanned`);
      continue;
    }
    const data = bytes.subarray(section.offset, section.offset + section.size);
    for (const run of findTextRuns(data, { base: section.offset })) {
      strings.push({ value: run.value, locator: { kind: 'section', section: name, offset: run.offset } });
    }
  }
  return { strings, notices };
}
