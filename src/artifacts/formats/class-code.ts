/**
 * Java class files, read only as far as "found by use" needs (uses.ts): each method's bytecode is
 * run on an abstract operand stack and locals that know which String constant (`ldc`, or a field of
 * this class that only ever holds one constant) a slot holds, through pass-through calls, to the
 * sink calls. Methods of the same class whose parameter reaches a sink get summaries, as in DEX; a
 * jar's other classes are separate files, so calls between classes are not followed. Branches are
 * not followed: the stack is emptied after a jump, return or throw, where javac leaves it empty.
 *
 * As in DEX, the run also names constants only code names: one a method returns (`areturn` of a
 * constant) by the method's name, and one a field of this class only ever holds by the field's.
 */
import type { ExtractedString } from '../strings.js';
import { Facts, type Held, type ParameterSink, PASS_THROUGH, type Reporting, SINKS, isAuthorizationHeader, markedParameter, parameterMarker, useString } from './uses.js';

/** The constant pool as java-class.ts reads it. */
export interface ClassPool {
  readonly utf8: ReadonlyMap<number, string>;
  /** String entry index → its Utf8 entry index. */
  readonly stringTargets: ReadonlyMap<number, number>;
  /** Entry index → byte offset of its tag. */
  readonly offsets: ReadonlyMap<number, number>;
  /** Where the class body (access_flags, this_class...) starts. */
  readonly end: number;
}

export interface ClassUses {
  readonly strings: readonly ExtractedString[];
  /** Constants named by the method that returns them or the field of this class that holds them. */
  readonly named: readonly ExtractedString[];
  readonly notices: readonly string[];
}

const TAG_CLASS = 7;
const TAG_FIELDREF = 9;
const TAG_METHODREF = 10;
const TAG_INTERFACE_METHODREF = 11;
const TAG_NAME_AND_TYPE = 12;
const FIELD_TAGS: readonly number[] = [TAG_FIELDREF];
const METHOD_TAGS: readonly number[] = [TAG_METHODREF, TAG_INTERFACE_METHODREF];
const ACC_STATIC = 0x0008;
/** Instructions per byte of class file; each method is read FACT_PASSES + 1 times at most. */
const STEPS_PER_FILE_BYTE = 16;
const FACT_PASSES = 3;
const TABLE = 'constant-pool';

/**
 * Bytes, pops and pushes of the opcodes with a fixed stack effect (JVMS §6.5), by opcode (0 bytes
 * for the others); a push of 2 is one long or double. Loads, stores, field access, invokes, stack
 * shuffles and switches are handled apart. Arrays, not a map: the instruction loop reads them for
 * every instruction.
 */
const FIXED_BYTES = new Uint8Array(256);
const FIXED_POPS = new Uint8Array(256);
const FIXED_PUSHES = new Uint8Array(256);
(() => {
  const fix = (op: number, [bytes, pops, pushes]: readonly [number, number, number]) => {
    FIXED_BYTES[op] = bytes;
    FIXED_POPS[op] = pops;
    FIXED_PUSHES[op] = pushes;
  };
  const put = (first: number, last: number, effect: readonly [number, number, number]) => {
    for (let op = first; op <= last; op++) fix(op, effect);
  };
  put(0x00, 0x00, [1, 0, 0]);
  put(0x01, 0x08, [1, 0, 1]);
  put(0x09, 0x0a, [1, 0, 2]);
  put(0x0b, 0x0d, [1, 0, 1]);
  put(0x0e, 0x0f, [1, 0, 2]);
  fix(0x10, [2, 0, 1]);
  fix(0x11, [3, 0, 1]);
  fix(0x14, [3, 0, 2]);
  for (const [op, wide] of [[0x15, 1], [0x16, 2], [0x17, 1], [0x18, 2]] as const) fix(op, [2, 0, wide]);
  put(0x1a, 0x1d, [1, 0, 1]);
  put(0x1e, 0x21, [1, 0, 2]);
  put(0x22, 0x25, [1, 0, 1]);
  put(0x26, 0x29, [1, 0, 2]);
  for (const [op, wide] of [[0x2e, 1], [0x2f, 2], [0x30, 1], [0x31, 2], [0x32, 1], [0x33, 1], [0x34, 1], [0x35, 1]] as const) fix(op, [1, 2, wide]);
  put(0x4f, 0x56, [1, 3, 0]);
  for (let op = 0x60; op <= 0x73; op++) fix(op, [1, 2, (op - 0x60) % 2 === 1 ? 2 : 1]);
  for (let op = 0x74; op <= 0x77; op++) fix(op, [1, 1, (op - 0x74) % 2 === 1 ? 2 : 1]);
  for (let op = 0x78; op <= 0x83; op++) fix(op, [1, 2, (op - 0x78) % 2 === 1 ? 2 : 1]);
  fix(0x84, [3, 0, 0]);
  for (const [op, wide] of [[0x85, 2], [0x86, 1], [0x87, 2], [0x88, 1], [0x89, 1], [0x8a, 2], [0x8b, 1], [0x8c, 2], [0x8d, 2], [0x8e, 1], [0x8f, 2], [0x90, 1], [0x91, 1], [0x92, 1], [0x93, 1]] as const) fix(op, [1, 1, wide]);
  put(0x94, 0x98, [1, 2, 1]);
  put(0x99, 0x9e, [3, 1, 0]);
  put(0x9f, 0xa6, [3, 2, 0]);
  fix(0xa8, [3, 0, 1]);
  fix(0xbb, [3, 0, 1]);
  fix(0xbc, [2, 1, 1]);
  fix(0xbd, [3, 1, 1]);
  fix(0xbe, [1, 1, 1]);
  fix(0xc1, [3, 1, 1]);
  put(0xc2, 0xc3, [1, 1, 0]);
  put(0xc6, 0xc7, [3, 1, 0]);
  fix(0xc9, [5, 0, 1]);
})();

/** Opcodes after which control never falls through: goto, ret, returns, athrow, goto_w. */
const OP_ARETURN = 0xb0;
const ENDS_FLOW: ReadonlySet<number> = new Set([0xa7, 0xa9, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xbf, 0xc8]);

/** One value on the abstract stack: what it holds, and whether it is a long or double. */
interface Slot {
  readonly held: Held | undefined;
  readonly wide: boolean;
}

/** Values nothing is known of, shared: most pushes are of these, and slots are never changed. */
const UNKNOWN: Slot = { held: undefined, wide: false };
const UNKNOWN_WIDE: Slot = { held: undefined, wide: true };

/** Parameter types of a method descriptor: whether each is a long or double. */
function parameterWidths(descriptor: string): boolean[] | undefined {
  const close = descriptor.indexOf(')');
  if (!descriptor.startsWith('(') || close < 0) return undefined;
  const widths: boolean[] = [];
  for (let at = 1; at < close; ) {
    let end = at;
    while (descriptor[end] === '[') end++;
    if (descriptor[end] === 'L') end = descriptor.indexOf(';', end);
    if (end < 0 || end >= close) return undefined;
    widths.push(end === at && (descriptor[at] === 'J' || descriptor[at] === 'D'));
    at = end + 1;
  }
  return widths;
}

function returnSlots(descriptor: string): number {
  const type = descriptor.slice(descriptor.indexOf(')') + 1);
  return type === 'V' ? 0 : type === 'J' || type === 'D' ? 2 : 1;
}

/** A Methodref or Fieldref, with what calls and field accesses ask of it worked out once. */
interface Member {
  /** `Lowner;->name`. */
  readonly target: string;
  readonly descriptor: string;
  /** `target` and `descriptor` together: the key of a method's summary. */
  readonly signature: string;
  /** A method's parameters (whether each is a long or double); undefined for a field or a damaged descriptor. */
  readonly widths: readonly boolean[] | undefined;
  /** Stack slots of a method's result, or of a field's value. */
  readonly slots: number;
  /** Its constant-pool tag: a field, a method or an interface method. */
  readonly tag: number;
}

class ClassReader {
  private readonly view: DataView;
  /**
   * Members by pool index. Each method is run up to four times, and a member is named by the same
   * index at every call: building its strings once also makes them cheap map keys.
   */
  private readonly members = new Map<number, Member | null>();

  constructor(
    readonly bytes: Uint8Array,
    readonly pool: ClassPool,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(at: number): number {
    return at < this.bytes.length ? (this.bytes[at] as number) : 0;
  }

  u16(at: number): number {
    return at + 2 <= this.bytes.length ? this.view.getUint16(at) : 0;
  }

  s32(at: number): number {
    return at + 4 <= this.bytes.length ? this.view.getInt32(at) : 0;
  }

  u32(at: number): number {
    return at + 4 <= this.bytes.length ? this.view.getUint32(at) : 0;
  }

  private entry(index: number, tags: readonly number[]): number | undefined {
    const at = this.pool.offsets.get(index);
    return at !== undefined && tags.includes(this.u8(at)) ? at : undefined;
  }

  className(index: number): string | undefined {
    const at = this.entry(index, [TAG_CLASS]);
    return at === undefined ? undefined : this.pool.utf8.get(this.u16(at + 1));
  }

  /** The Methodref or Fieldref at pool `index` (of one of `tags`). */
  member(index: number, tags: readonly number[]): Member | undefined {
    let member = this.members.get(index);
    if (member === undefined) {
      member = this.readMember(index) ?? null;
      this.members.set(index, member);
    }
    return member !== null && tags.includes(member.tag) ? member : undefined;
  }

  private readMember(index: number): Member | undefined {
    const at = this.entry(index, [TAG_FIELDREF, TAG_METHODREF, TAG_INTERFACE_METHODREF]);
    if (at === undefined) return undefined;
    const owner = this.className(this.u16(at + 1));
    const nameAndType = this.entry(this.u16(at + 3), [TAG_NAME_AND_TYPE]);
    const name = nameAndType === undefined ? undefined : this.pool.utf8.get(this.u16(nameAndType + 1));
    const descriptor = nameAndType === undefined ? undefined : this.pool.utf8.get(this.u16(nameAndType + 3));
    if (owner === undefined || name === undefined || descriptor === undefined) return undefined;
    const target = `L${owner};->${name}`;
    const tag = this.u8(at);
    const isField = tag === TAG_FIELDREF;
    return { target, descriptor, signature: target + descriptor, widths: isField ? undefined : parameterWidths(descriptor), slots: returnSlots(isField ? `()${descriptor}` : descriptor), tag };
  }

  /** The Utf8 index of the String constant at pool `index`, when it is one. */
  stringConstant(index: number): number | undefined {
    return this.pool.stringTargets.get(index);
  }
}

/** A method with code: its name, descriptor, flags and code bytes. */
interface CodeMethod {
  readonly name: string;
  readonly descriptor: string;
  readonly isStatic: boolean;
  readonly start: number;
  readonly end: number;
}

/** The attributes at `at` (count first); calls `visit` with each one's name and body; returns where they end, or undefined. */
function readAttributes(reader: ClassReader, at: number, visit: (name: string | undefined, start: number, end: number) => void): number | undefined {
  const count = reader.u16(at);
  let next = at + 2;
  for (let attribute = 0; attribute < count; attribute++) {
    if (next + 6 > reader.bytes.length) return undefined;
    const end = next + 6 + reader.u32(next + 2);
    if (end > reader.bytes.length) return undefined;
    visit(reader.pool.utf8.get(reader.u16(next)), next + 6, end);
    next = end;
  }
  return next;
}

/** The methods with a Code attribute, and this class's name; `undefined` parts where the file is damaged. */
/**
 * The methods with a Code attribute and this class's name. `damagedMethods`: the method table is cut
 * or damaged (a damaged field table, which java-class.ts already reports, stops the read silently).
 */
function readMethods(reader: ClassReader): { readonly className: string | undefined; readonly methods: readonly CodeMethod[]; readonly damagedMethods: boolean } {
  const body = reader.pool.end;
  const className = reader.className(reader.u16(body + 2));
  let at: number | undefined = body + 8 + 2 * reader.u16(body + 6);
  const methods: CodeMethod[] = [];
  // Fields: access_flags, name, descriptor, then attributes.
  const fields = reader.u16(at);
  at += 2;
  for (let field = 0; field < fields && at !== undefined; field++) at = readAttributes(reader, at + 6, () => undefined);
  if (at === undefined || at + 2 > reader.bytes.length) return { className, methods, damagedMethods: false };
  const count = reader.u16(at);
  at += 2;
  for (let method = 0; method < count; method++) {
    if (at === undefined || at + 8 > reader.bytes.length) return { className, methods, damagedMethods: true };
    const flags = reader.u16(at);
    const name = reader.pool.utf8.get(reader.u16(at + 2));
    const descriptor = reader.pool.utf8.get(reader.u16(at + 4));
    at = readAttributes(reader, at + 6, (attribute, start, end) => {
      // Code: max_stack u2, max_locals u2, code_length u4, code.
      if (attribute !== 'Code' || name === undefined || descriptor === undefined || start + 8 > end) return;
      const codeEnd = start + 8 + reader.u32(start + 4);
      if (codeEnd <= end) methods.push({ name, descriptor, isStatic: (flags & ACC_STATIC) !== 0, start: start + 8, end: codeEnd });
    });
  }
  return { className, methods, damagedMethods: at === undefined };
}

/** What the reporting run gathers beyond uses: the constants each method returns. */
interface ClassReporting extends Reporting {
  readonly returned: Map<string, Set<number>>;
}

/** One method run on the abstract stack. */
class MethodRun {
  private stack: Slot[] = [];
  private readonly locals = new Map<number, Held>();

  constructor(
    private readonly reader: ClassReader,
    private readonly facts: Facts<string, string>,
    private readonly method: CodeMethod,
    private readonly label: string,
    private readonly reporting: ClassReporting | undefined,
  ) {
    const widths = parameterWidths(method.descriptor) ?? [];
    let local = method.isStatic ? 0 : 1;
    widths.forEach((wide, parameter) => {
      this.locals.set(local, parameterMarker(parameter));
      local += wide ? 2 : 1;
    });
  }

  private push(held: Held | undefined, wide = false): void {
    this.stack.push(held === undefined ? (wide ? UNKNOWN_WIDE : UNKNOWN) : { held, wide });
  }

  private pop(): Slot {
    return this.stack.pop() ?? UNKNOWN;
  }

  private pushUnknown(slots: number): void {
    if (slots > 0) this.push(undefined, slots === 2);
  }

  /** Runs the instruction at `at`; returns the next instruction's offset. */
  step(at: number): number {
    const { reader } = this;
    const op = reader.u8(at);
    const length = FIXED_BYTES[op]!;
    if (length > 0) {
      for (let count = FIXED_POPS[op]!; count > 0; count--) this.pop();
      this.pushUnknown(FIXED_PUSHES[op]!);
      return at + length;
    }
    switch (op) {
      case 0x12: // ldc
        this.push(reader.stringConstant(reader.u8(at + 1)));
        return at + 2;
      case 0x13: // ldc_w
        this.push(reader.stringConstant(reader.u16(at + 1)));
        return at + 3;
      case 0x19: // aload
        this.push(this.locals.get(reader.u8(at + 1)));
        return at + 2;
      case 0x3a: // astore
        this.store(reader.u8(at + 1), this.pop().held);
        return at + 2;
      case 0x57: // pop
        this.pop();
        return at + 1;
      case 0x58: // pop2
        if (!this.pop().wide) this.pop();
        return at + 1;
      case 0x59: {
        const top = this.pop();
        this.stack.push(top, top);
        return at + 1;
      }
      case 0x5a: {
        const [a, b] = [this.pop(), this.pop()];
        this.stack.push(a, b, a);
        return at + 1;
      }
      case 0x5f: {
        const [a, b] = [this.pop(), this.pop()];
        this.stack.push(a, b);
        return at + 1;
      }
      case 0x5b:
      case 0x5c:
      case 0x5d:
      case 0x5e:
        // dup_x2, dup2, dup2_x1, dup2_x2 move values this walk never follows into sinks; keep the depth only.
        return this.duplicateUnknown(op, at);
      case 0xb2: // getstatic
      case 0xb4: {
        // getfield
        const field = reader.member(reader.u16(at + 1), FIELD_TAGS);
        if (op === 0xb4) this.pop();
        const slots = field === undefined ? 1 : field.slots;
        this.push(field === undefined || slots === 2 ? undefined : this.facts.constant(field.target), slots === 2);
        return at + 3;
      }
      case 0xb3: // putstatic
      case 0xb5: {
        // putfield
        const field = reader.member(reader.u16(at + 1), FIELD_TAGS);
        const value = this.pop();
        if (op === 0xb5) this.pop();
        if (field !== undefined) this.facts.write(field.target, value.held);
        return at + 3;
      }
      case 0xb6:
      case 0xb7:
      case 0xb8:
      case 0xb9: {
        const method = reader.member(reader.u16(at + 1), METHOD_TAGS);
        this.invoke(method, op === 0xb8);
        return at + (op === 0xb9 ? 5 : 3);
      }
      case 0xba: {
        // invokedynamic (string concatenation, lambdas): its arguments are consumed, its result is new.
        // CONSTANT_InvokeDynamic: bootstrap index, then its NameAndType, whose second half is the descriptor.
        const dynamicAt = reader.pool.offsets.get(reader.u16(at + 1));
        const nameAndTypeAt = dynamicAt === undefined ? undefined : reader.pool.offsets.get(reader.u16(dynamicAt + 3));
        const descriptor = nameAndTypeAt === undefined ? undefined : reader.pool.utf8.get(reader.u16(nameAndTypeAt + 3));
        const widths = descriptor === undefined ? undefined : parameterWidths(descriptor);
        for (let count = 0; count < (widths?.length ?? 0); count++) this.pop();
        this.pushUnknown(descriptor === undefined ? 1 : returnSlots(descriptor));
        return at + 5;
      }
      case 0xc0: // checkcast keeps the value
        return at + 3;
      case 0xc4:
        return this.wide(at);
      case 0xc5: {
        for (let count = 0; count < reader.u8(at + 3); count++) this.pop();
        this.push(undefined);
        return at + 4;
      }
      case 0xaa:
      case 0xab:
        this.stack = [];
        return this.switchEnd(op, at);
      default:
        if (op >= 0x2a && op <= 0x2d) {
          this.push(this.locals.get(op - 0x2a));
          return at + 1;
        }
        if (op >= 0x4b && op <= 0x4e) {
          this.store(op - 0x4b, this.pop().held);
          return at + 1;
        }
        if (op >= 0x36 && op <= 0x39) {
          this.pop();
          this.clearLocal(reader.u8(at + 1), op === 0x37 || op === 0x39);
          return at + 2;
        }
        if (op >= 0x3b && op <= 0x4a) {
          this.pop();
          const kind = Math.floor((op - 0x3b) / 4);
          this.clearLocal((op - 0x3b) % 4, kind === 1 || kind === 3);
          return at + 1;
        }
        if (ENDS_FLOW.has(op)) {
          const returned = op === OP_ARETURN ? this.stack.at(-1)?.held : undefined;
          if (this.reporting !== undefined && returned !== undefined && returned >= 0) {
            this.reporting.returned.set(this.method.name, (this.reporting.returned.get(this.method.name) ?? new Set()).add(returned));
          }
          this.stack = [];
          return at + (op === 0xa7 ? 3 : op === 0xa9 ? 2 : op === 0xc8 ? 5 : 1);
        }
        // Opcodes the JVM does not define: the rest of this method cannot be read.
        return Number.POSITIVE_INFINITY;
    }
  }

  private store(local: number, held: Held | undefined): void {
    if (held === undefined) this.locals.delete(local);
    else this.locals.set(local, held);
  }

  private clearLocal(local: number, wide: boolean): void {
    this.locals.delete(local);
    if (wide) this.locals.delete(local + 1);
  }

  private duplicateUnknown(op: number, at: number): number {
    const extra = op === 0x5b ? 1 : op === 0x5c ? (this.stack.at(-1)?.wide ? 1 : 2) : op === 0x5d ? (this.stack.at(-1)?.wide ? 1 : 2) : this.stack.at(-1)?.wide ? 1 : 2;
    for (let count = 0; count < extra; count++) this.push(undefined);
    return at + 1;
  }

  private wide(at: number): number {
    const op = this.reader.u8(at + 1);
    const local = this.reader.u16(at + 2);
    if (op === 0x84) return at + 6;
    if (op === 0x19) this.push(this.locals.get(local));
    else if (op === 0x3a) this.store(local, this.pop().held);
    else if (op >= 0x15 && op <= 0x18) this.pushUnknown(op === 0x16 || op === 0x18 ? 2 : 1);
    else if (op >= 0x36 && op <= 0x39) {
      this.pop();
      this.clearLocal(local, op === 0x37 || op === 0x39);
    } else if (op === 0xa9) this.stack = [];
    return at + 4;
  }

  /** tableswitch and lookupswitch: padded to a 4-byte boundary from the code start. */
  private switchEnd(op: number, at: number): number {
    const base = at + 1 + ((4 - ((at + 1 - this.method.start) % 4)) % 4);
    if (op === 0xaa) {
      const low = this.reader.s32(base + 4);
      const high = this.reader.s32(base + 8);
      return high >= low ? base + 12 + (high - low + 1) * 4 : Number.POSITIVE_INFINITY;
    }
    const pairs = this.reader.s32(base + 4);
    return pairs >= 0 ? base + 8 + pairs * 8 : Number.POSITIVE_INFINITY;
  }

  private invoke(method: Member | undefined, isStatic: boolean): void {
    const widths = method?.widths;
    if (method === undefined || widths === undefined) {
      this.stack = [];
      return;
    }
    const args = widths.map(() => this.pop()).reverse();
    const receiver = isStatic ? undefined : this.pop();
    const heldAt = (parameter: number) => (parameter < 0 ? receiver?.held : args[parameter]?.held);
    const resultSlots = method.slots;
    const through = PASS_THROUGH.get(method.target);
    if (through !== undefined) {
      this.push(heldAt(through), resultSlots === 2);
      return;
    }
    const sink = SINKS.get(method.target);
    if (sink !== undefined) {
      const name = sink.headerName === undefined ? undefined : heldAt(sink.headerName);
      const named = sink.headerName === undefined || (name !== undefined && name >= 0 && isAuthorizationHeader(this.reader.pool.utf8.get(name)));
      if (named) this.reach(heldAt(sink.parameter), { parameter: sink.parameter, target: method.target, sink, where: this.label }, undefined);
    } else {
      for (const entry of this.facts.summary(method.signature)) this.reach(heldAt(entry.parameter), entry, method.target);
    }
    this.pushUnknown(resultSlots);
  }

  private reach(held: Held | undefined, entry: ParameterSink, callee: string | undefined): void {
    if (held === undefined) return;
    const parameter = markedParameter(held);
    if (parameter !== undefined) {
      this.facts.addSummary(this.label + this.method.descriptor, { ...entry, parameter });
      return;
    }
    const value = this.reader.pool.utf8.get(held);
    if (this.reporting === undefined || value === undefined || value === '') return;
    const id = `${held}\0${entry.target}\0${entry.where}\0${this.label}`;
    if (this.reporting.reported.has(id)) return;
    this.reporting.reported.add(id);
    this.reporting.found.push(useString(value, TABLE, held, entry.target, entry.sink, entry.where, callee === undefined ? undefined : this.label));
  }
}

export function classUses(bytes: Uint8Array, pool: ClassPool): ClassUses {
  const reader = new ClassReader(bytes, pool);
  const { className, methods, damagedMethods } = readMethods(reader);
  const facts = new Facts<string, string>(new Map());
  const reporting: ClassReporting = { found: [], reported: new Set(), returned: new Map() };
  let steps = bytes.length * STEPS_PER_FILE_BYTE;
  const runAll = (report: ClassReporting | undefined): boolean => {
    for (const method of methods) {
      const run = new MethodRun(reader, facts, method, `L${className ?? '?'};->${method.name}`, report);
      for (let at = method.start; at < method.end; at = run.step(at)) if (steps-- <= 0) return false;
    }
    return true;
  };
  let complete = true;
  for (let pass = 0; pass < FACT_PASSES && complete; pass++) {
    facts.changed = false;
    complete = runAll(undefined);
    if (!facts.changed) break;
  }
  complete &&= runAll(reporting);
  const notices = [
    ...(damagedMethods ? ['class file ends inside its method table: later methods not read for keys and passwords'] : []),
    ...(complete ? [] : ['class file code read beyond its step budget: the rest not read for keys and passwords']),
  ];
  return { strings: reporting.found, named: namedConstants(reader, className, facts, reporting.returned), notices };
}

/** Returned constants keyed by their method's name, then constants of this class's one-constant fields by the field's. */
function namedConstants(reader: ClassReader, className: string | undefined, facts: Facts<string, string>, returned: ReadonlyMap<string, ReadonlySet<number>>): ExtractedString[] {
  const owner = `L${className ?? '?'};`;
  const named: ExtractedString[] = [];
  const seen = new Set<number>();
  const add = (index: number, name: string, via: string) => {
    const value = reader.pool.utf8.get(index);
    if (value === undefined || value === '' || seen.has(index)) return;
    seen.add(index);
    // A class file holds one class, read on its own already: no unit needed.
    named.push({ value, key: name, locator: { kind: 'string-table', table: TABLE, index, via } });
  };
  for (const [method, constants] of returned) for (const index of constants) add(index, method, `returned by ${owner}->${method}`);
  for (const [field, index] of facts.constants()) {
    if (field.startsWith(`${owner}->`)) add(index, field.slice(owner.length + 2), `held by ${field}`);
  }
  return named;
}
