/**
 * Objective-C getters of constants in a 64-bit little-endian Mach-O slice: for every class in
 * `__objc_classlist` (and its metaclass, for `+` methods), every method whose implementation only
 * loads an address and returns it (`adrp x0, …; add x0, x0, …; ret` on arm64, `lea rax, [rip+…]`
 * then `ret` on x86_64) names the string at that address by its selector: `- (NSString
 * *)clientSecret { return @"…"; }` gives `clientSecret = "…"`. The string is a C string, a
 * `__const` char array, or a CFString (`@"…"`, `CFSTR`) whose bytes are in `__cstring` or
 * `__ustring`.
 *
 * Layouts from Apple's public objc4 runtime headers (class_t, class_ro_t, method_list_t with its
 * relative-offset form) and the ARM and x86-64 instruction encodings. Pointers are read as the
 * linker wrote them: plain addresses, or chained-fixup rebases (target in the low 36 bits, as an
 * address or as an offset from the image base); binds to other images are not followed. Not read:
 * methods that compute, call or branch before returning, Swift classes' own metadata, and
 * 32-bit or big-endian slices.
 */

export interface MachSection {
  readonly segment: string;
  readonly name: string;
  readonly type: number;
  /** From the start of the slice. */
  readonly offset: number;
  readonly size: number;
  /** Where the section is mapped in memory, which pointers and instructions refer to. */
  readonly address: number;
}

export interface NamedConstant {
  readonly value: string;
  /** The selector that returns it, `+` or `-` left out. */
  readonly selector: string;
  readonly className: string;
  /** The method as Objective-C writes it: `-[LKAuth clientSecret]`, `+[LKConfig consumerKey]`. */
  readonly method: string;
  /** The section holding the string's bytes (`__TEXT,__cstring`), and where from the start of the slice. */
  readonly section: string;
  readonly offset: number;
}

const CPU_TYPE_X86_64 = 0x0100_0007;
const CPU_TYPE_ARM64 = 0x0100_000c;
/** The section type of C string literals (`__cstring`). */
export const S_CSTRING_LITERALS = 0x2;
/** Section types with no bytes in the file: S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL. */
export const ZERO_FILL_TYPES: ReadonlySet<number> = new Set([0x1, 0xc, 0x12]);
/** class_t: isa, superclass, cache, vtable, data (class_rw/ro pointer with flag bits in the low 3). */
const CLASS_ISA = 0;
const CLASS_DATA = 32;
/** class_ro_t (64-bit): flags, instanceStart, instanceSize, reserved, ivarLayout, name, baseMethods. */
const RO_NAME = 24;
const RO_BASE_METHODS = 32;
/** method_list_t: entsizeAndFlags u32, count u32; the relative form sets the top bit. */
const METHOD_LIST_RELATIVE = 0x8000_0000;
const METHOD_LIST_FLAGS = 0xffff_0003;
const MAX_METHODS_PER_LIST = 65536;
/** CFString: isa, flags, pointer to the bytes, length; flags with 0x10 set mean UTF-16 bytes. */
const CFSTRING_SIZE = 32;
const CFSTRING_UTF16 = 0x10;
/** Chained fixups: bit 63 marks a bind; a rebase keeps its target in the low 36 bits and a high byte at 36. */
const CHAINED_TARGET_BITS = 2 ** 36;
const MAX_STRING = 64 * 1024;
/** Instructions read from each implementation: constant getters are three. */
const ARM64_INSTRUCTIONS = 6;
const X86_BYTES = 24;

function readUint64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

class Image {
  private readonly base: number;

  constructor(
    private readonly slice: Uint8Array,
    private readonly view: DataView,
    readonly sections: readonly MachSection[],
  ) {
    // The image base, where __TEXT and the Mach-O header are mapped: 2^32 for executables, 0 for dylibs.
    this.base = Math.floor(Math.min(...sections.map((section) => section.address)) / 2 ** 32) * 2 ** 32;
  }

  sectionAt(address: number): MachSection | undefined {
    return this.sections.find((section) => address >= section.address && address < section.address + section.size && !ZERO_FILL_TYPES.has(section.type));
  }

  /** File offset (in the slice) of `length` bytes at `address`, when they lie in one section with bytes in the file. */
  offsetOf(address: number, length: number): number | undefined {
    const section = this.sectionAt(address);
    if (section === undefined || address + length > section.address + section.size) return undefined;
    const offset = section.offset + (address - section.address);
    return offset + length <= this.slice.length ? offset : undefined;
  }

  /** The address a pointer slot holds: a plain address or a chained-fixup rebase; undefined for binds and nonsense. */
  pointer(address: number): number | undefined {
    const at = this.offsetOf(address, 8);
    if (at === undefined) return undefined;
    const high = this.view.getUint32(at + 4, true);
    if (high & 0x8000_0000) return undefined;
    const raw = readUint64(this.view, at);
    if (this.sectionAt(raw) !== undefined) return raw;
    const target = raw % CHAINED_TARGET_BITS;
    if (this.sectionAt(target) !== undefined) return target;
    return this.sectionAt(this.base + target) !== undefined ? this.base + target : undefined;
  }

  cString(address: number): { readonly value: string; readonly offset: number } | undefined {
    const section = this.sectionAt(address);
    const start = this.offsetOf(address, 1);
    if (section === undefined || start === undefined) return undefined;
    const limit = Math.min(section.offset + section.size, start + MAX_STRING);
    const end = this.slice.indexOf(0, start);
    if (end === -1 || end > limit) return undefined;
    return { value: Buffer.from(this.slice.buffer, this.slice.byteOffset + start, end - start).toString('utf8'), offset: start };
  }

  byteAt(offset: number): number {
    return this.slice[offset]!;
  }

  utf16(start: number, length: number): string {
    return Buffer.from(this.slice.buffer, this.slice.byteOffset + start, length * 2).toString('utf16le');
  }

  u32(address: number): number | undefined {
    const at = this.offsetOf(address, 4);
    return at === undefined ? undefined : this.view.getUint32(at, true);
  }

  i32(address: number): number | undefined {
    const at = this.offsetOf(address, 4);
    return at === undefined ? undefined : this.view.getInt32(at, true);
  }

  /** The section name, as locators write it. */
  static label(section: MachSection): string {
    return `${section.segment},${section.name}`;
  }
}

/** The string at `address`: C string bytes, a `__const` char array, or the bytes a CFString points at. */
function stringAt(image: Image, address: number): { readonly value: string; readonly section: MachSection; readonly offset: number } | undefined {
  const section = image.sectionAt(address);
  if (section === undefined) return undefined;
  if (section.name === '__cfstring') {
    const flags = image.u32(address + 8);
    const bytes = image.pointer(address + 16);
    if (flags === undefined || bytes === undefined || image.offsetOf(address, CFSTRING_SIZE) === undefined) return undefined;
    const target = image.sectionAt(bytes);
    if (target === undefined) return undefined;
    if (flags & CFSTRING_UTF16) {
      const length = image.u32(address + 24) ?? 0;
      const start = image.offsetOf(bytes, length * 2);
      if (start === undefined || length > MAX_STRING) return undefined;
      return { value: image.utf16(start, length), section: target, offset: start };
    }
    const text = image.cString(bytes);
    return text && { ...text, section: target };
  }
  if (section.type !== S_CSTRING_LITERALS && section.name !== '__const') return undefined;
  const text = image.cString(address);
  return text && { ...text, section };
}

/** What an arm64 implementation returns in x0 when it only computes an address (adrp, add, mov, ldr of a pointer) before `ret`. */
function arm64Return(image: Image, address: number): number | undefined {
  const registers = new Map<number, number>();
  for (let index = 0; index < ARM64_INSTRUCTIONS; index++) {
    const pc = address + index * 4;
    const insn = image.u32(pc);
    if (insn === undefined) return undefined;
    if (insn === 0xd65f03c0) return registers.get(0);
    const rd = insn & 0x1f;
    const rn = (insn >>> 5) & 0x1f;
    if ((insn & 0x9f000000) >>> 0 === 0x90000000) {
      // ADRP: a 21-bit signed page offset from the instruction's page.
      const immediate = (((insn >>> 5) & 0x7ffff) << 2) | ((insn >>> 29) & 3);
      const signed = immediate & 0x100000 ? immediate - 0x200000 : immediate;
      registers.set(rd, Math.floor(pc / 4096) * 4096 + signed * 4096);
    } else if ((insn & 0xff800000) >>> 0 === 0x91000000) {
      // ADD (immediate, 64-bit), optionally shifted by 12.
      const base = registers.get(rn);
      if (base === undefined) return undefined;
      const immediate = (insn >>> 10) & 0xfff;
      registers.set(rd, base + (insn & 0x400000 ? immediate * 4096 : immediate));
    } else if ((insn & 0xffc00000) >>> 0 === 0xf9400000) {
      // LDR (unsigned offset, 64-bit): a pointer read from memory, such as a `const char *` global.
      const base = registers.get(rn);
      const loaded = base === undefined ? undefined : image.pointer(base + ((insn >>> 10) & 0xfff) * 8);
      if (loaded === undefined) return undefined;
      registers.set(rd, loaded);
    } else if ((insn & 0xffe0ffe0) >>> 0 === 0xaa0003e0) {
      // MOV (register), an alias of ORR with the zero register.
      const value = registers.get((insn >>> 16) & 0x1f);
      if (value === undefined) return undefined;
      registers.set(rd, value);
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** What an x86_64 implementation returns in rax when it is `lea rax, [rip+disp]` (inside an optional frame) then `ret`. */
function x86Return(image: Image, address: number): number | undefined {
  const bytes: number[] = [];
  for (let index = 0; index < X86_BYTES; index++) {
    const at = image.offsetOf(address + index, 1);
    if (at === undefined) break;
    bytes.push(image.byteAt(at));
  }
  // push rbp; mov rbp, rsp
  const frame = bytes[0] === 0x55 && bytes[1] === 0x48 && bytes[2] === 0x89 && bytes[3] === 0xe5;
  const lea = frame ? 4 : 0;
  if (bytes[lea] !== 0x48 || bytes[lea + 1] !== 0x8d || bytes[lea + 2] !== 0x05 || lea + 7 > bytes.length) return undefined;
  const displacement = (bytes[lea + 3]! | (bytes[lea + 4]! << 8) | (bytes[lea + 5]! << 16) | (bytes[lea + 6]! << 24)) >> 0;
  // The displacement counts from the next instruction; then pop rbp (with the frame) and ret.
  const next = lea + 7;
  const ret = frame ? next + 1 : next;
  if (frame && bytes[next] !== 0x5d) return undefined;
  return bytes[ret] === 0xc3 ? address + next + displacement : undefined;
}

interface Method {
  readonly selector: string;
  readonly implementation: number;
}

/** The methods of a method_list_t, in either form; empty when the list does not read. */
function methodsAt(image: Image, list: number): Method[] {
  const flags = image.u32(list);
  const count = image.u32(list + 4);
  if (flags === undefined || count === undefined || count > MAX_METHODS_PER_LIST) return [];
  const relative = (flags & METHOD_LIST_RELATIVE) !== 0;
  const size = (flags & ~METHOD_LIST_FLAGS) >>> 0;
  if (size < (relative ? 12 : 24)) return [];
  const methods: Method[] = [];
  for (let index = 0; index < count; index++) {
    const entry = list + 8 + index * size;
    let selectorAddress: number | undefined;
    let implementation: number | undefined;
    if (relative) {
      // Offsets from each field: the name to a selector reference (a pointer to the name), the implementation to code.
      const name = image.i32(entry);
      const code = image.i32(entry + 8);
      selectorAddress = name === undefined ? undefined : image.pointer(entry + name);
      implementation = code === undefined ? undefined : entry + 8 + code;
    } else {
      selectorAddress = image.pointer(entry);
      implementation = image.pointer(entry + 16);
    }
    const selector = selectorAddress === undefined ? undefined : image.cString(selectorAddress)?.value;
    if (selector !== undefined && implementation !== undefined && /^[A-Za-z_][\w:]*$/.test(selector)) methods.push({ selector, implementation });
  }
  return methods;
}

/** The name and methods of the class_t at `address`. */
function classAt(image: Image, address: number): { readonly name: string | undefined; readonly methods: readonly Method[] } {
  const data = image.pointer(address + CLASS_DATA);
  if (data === undefined) return { name: undefined, methods: [] };
  // data & FAST_DATA_MASK (bits 3-46), in arithmetic that stays exact past 32 bits.
  const ro = (data % 2 ** 47) - (data % 8);
  const nameAddress = image.pointer(ro + RO_NAME);
  const methodList = image.pointer(ro + RO_BASE_METHODS);
  return { name: nameAddress === undefined ? undefined : image.cString(nameAddress)?.value, methods: methodList === undefined ? [] : methodsAt(image, methodList) };
}

/** Most classes an app declares; a crafted class list larger than this is cut short. */
const MAX_CLASSES = 200_000;

export function objcNamedConstants(slice: Uint8Array, sections: readonly MachSection[], cputype: number): NamedConstant[] {
  if (cputype !== CPU_TYPE_ARM64 && cputype !== CPU_TYPE_X86_64) return [];
  const classList = sections.find((section) => section.name === '__objc_classlist');
  if (classList === undefined) return [];
  const image = new Image(slice, new DataView(slice.buffer, slice.byteOffset, slice.byteLength), sections);
  const returned = cputype === CPU_TYPE_ARM64 ? arm64Return : x86Return;
  const found: NamedConstant[] = [];
  const count = Math.min(Math.floor(classList.size / 8), MAX_CLASSES);
  for (let index = 0; index < count; index++) {
    const address = image.pointer(classList.address + index * 8);
    if (address === undefined) continue;
    const own = classAt(image, address);
    const metaclass = image.pointer(address + CLASS_ISA);
    const className = own.name;
    if (className === undefined) continue;
    const methods = [...own.methods.map((method) => ({ ...method, sign: '-' })), ...(metaclass === undefined ? [] : classAt(image, metaclass).methods.map((method) => ({ ...method, sign: '+' })))];
    for (const method of methods) {
      const target = returned(image, method.implementation);
      const text = target === undefined ? undefined : stringAt(image, target);
      if (text === undefined || text.value === '') continue;
      found.push({ value: text.value, selector: method.selector, className, method: `${method.sign}[${className} ${method.selector}]`, section: Image.label(text.section), offset: text.offset });
    }
  }
  return found;
}
