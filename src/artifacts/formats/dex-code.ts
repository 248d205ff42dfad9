/**
 * DEX bytecode, read only as far as "found by use" needs: in each method, which string constant
 * (`const-string`, or a field that only ever holds one constant: a static field's initial value, a
 * key a constructor stores) each register holds, followed through moves and pass-through calls
 * (`String.getBytes`, Base64 decoding), and reported when it reaches a sink parameter (uses.ts).
 * A method whose own parameter reaches a sink gets a summary, so a constant passed as that argument
 * is reported too, up to FACT_PASSES calls deep. Registers are tracked in code order without
 * following branches: a constant that reaches a sink on one path is hardcoded on that path.
 * Native code is not followed.
 *
 * The same walk names constants that have no name in the string pool: a constant a method returns
 * (`getConsumerSecret() { return "…"; }`) is keyed by the method's name, and a field that only
 * ever holds one constant (`private final String clientSecret = "…"`, set by the constructor) by
 * the field's name, each in the unit of its class, so a secret pairs with the client id its class
 * keeps beside it.
 */
import { readUleb128 } from './leb128.js';
import type { DexHeader } from './dex.js';
import type { ExtractedString } from '../strings.js';
import {
  COMPARISONS,
  Facts,
  type Held,
  INPUT_COMPARISON,
  type ParameterSink,
  PASS_THROUGH,
  type Reporting,
  SINKS,
  USER_INPUT,
  USER_INPUT_SOURCES,
  comparedWithInput,
  isAuthorizationHeader,
  markedParameter,
  parameterMarker,
  useString,
} from './uses.js';

/** Index tables and strings of one DEX container, as dex.ts has read them. */
export interface DexTables extends Pick<DexHeader, 'typeIdsSize' | 'typeIdsOff' | 'protoIdsSize' | 'protoIdsOff' | 'fieldIdsSize' | 'fieldIdsOff' | 'methodIdsSize' | 'methodIdsOff' | 'classDefsSize' | 'classDefsOff'> {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly table: string;
  /** The decoded string at a string_ids index. */
  string(index: number): string | undefined;
  /** field_ids index → string_ids index of the static field's initial value. */
  readonly staticStrings: ReadonlyMap<number, number>;
}

export interface UseScan {
  readonly strings: readonly ExtractedString[];
  /** Constants named by the method that returns them or the field that holds them, in class order. */
  readonly named: readonly ExtractedString[];
  /** Methods whose code runs past the file or was cut short by the budget. */
  readonly damagedMethods: number;
  readonly overBudget: boolean;
}

const CLASS_DEF_SIZE = 32;
const CLASS_DATA_OFF_IN_CLASS_DEF = 24;
const STATIC_VALUES_OFF_IN_CLASS_DEF = 28;
const METHOD_ID_SIZE = 8;
const FIELD_ID_SIZE = 8;
const FIELD_ID_NAME_OFFSET = 4;
const PROTO_ID_SIZE = 12;
const CODE_ITEM_HEADER = 16;
const CODE_REGISTERS_SIZE = 0;
const CODE_INS_SIZE = 2;
const CODE_INSNS_SIZE = 12;
/** Instructions and class_data entries read per byte of file: real files read each once; crafted overlaps stop here. */
const UNITS_PER_FILE_BYTE = 16;

const OP_NOP = 0x00;
const OP_RETURN_OBJECT = 0x11;
const OP_MOVE_OBJECT = 0x07;
const OP_MOVE_OBJECT_FROM16 = 0x08;
const OP_MOVE_OBJECT_16 = 0x09;
const OP_MOVE_RESULT_OBJECT = 0x0c;
const OP_CHECK_CAST = 0x1f;
const OP_CONST_STRING = 0x1a;
const OP_CONST_STRING_JUMBO = 0x1b;
const OP_SGET_OBJECT = 0x62;
const OP_SPUT_OBJECT = 0x69;
const OP_IGET_OBJECT = 0x54;
const OP_IPUT_OBJECT = 0x5b;
const ACC_STATIC = 0x0008;
/** Passes that gather field constants and parameter summaries before the reporting pass; each adds one level of calls. */
const FACT_PASSES = 3;
const OP_INVOKE_FIRST = 0x6e;
const OP_INVOKE_STATIC = 0x71;
const OP_INVOKE_LAST = 0x72;
const OP_INVOKE_RANGE_FIRST = 0x74;
const OP_INVOKE_STATIC_RANGE = 0x77;
const OP_INVOKE_RANGE_LAST = 0x78;
const PAYLOAD_PACKED_SWITCH = 0x0100;
const PAYLOAD_SPARSE_SWITCH = 0x0200;
const PAYLOAD_FILL_ARRAY = 0x0300;

/** Code units of each opcode (Dalvik formats); unused opcodes count as one unit. */
const UNITS = new Uint8Array(256).fill(1);
for (const [first, last, units] of [
  [0x02, 0x02, 2], [0x03, 0x03, 3], [0x05, 0x05, 2], [0x06, 0x06, 3], [0x08, 0x08, 2], [0x09, 0x09, 3],
  [0x13, 0x13, 2], [0x14, 0x14, 3], [0x15, 0x16, 2], [0x17, 0x17, 3], [0x18, 0x18, 5], [0x19, 0x1a, 2],
  [0x1b, 0x1b, 3], [0x1c, 0x1c, 2], [0x1f, 0x20, 2], [0x22, 0x23, 2], [0x24, 0x26, 3], [0x29, 0x29, 2],
  [0x2a, 0x2c, 3], [0x2d, 0x3d, 2], [0x44, 0x6d, 2], [0x6e, 0x72, 3], [0x74, 0x78, 3], [0x90, 0xaf, 2],
  [0xd0, 0xe2, 2], [0xfa, 0xfb, 4], [0xfc, 0xfd, 3], [0xfe, 0xff, 2],
] as const) UNITS.fill(units, first, last + 1);

/** Opcodes that write a wide (two-register) value to vA. */
const WIDE_RESULT = new Set([0x04, 0x05, 0x06, 0x0b, 0x16, 0x17, 0x18, 0x19, 0x45, 0x53, 0x61, 0x7d, 0x80, 0x81, 0x83, 0x86, 0x88, 0x89, 0x8b]);
for (let op = 0x9b; op <= 0xa5; op++) WIDE_RESULT.add(op);
for (let op = 0xab; op <= 0xaf; op++) WIDE_RESULT.add(op);
for (let op = 0xbb; op <= 0xc5; op++) WIDE_RESULT.add(op);
for (let op = 0xcb; op <= 0xcf; op++) WIDE_RESULT.add(op);

/** Formats whose vA is the low nibble of the high byte (12x, 11n, 22c, 22s); the rest of the writers use the whole byte. */
function nibbleDestination(op: number): boolean {
  return (op >= 0x01 && op <= 0x07) || op === 0x12 || op === 0x20 || op === 0x21 || op === 0x23 || (op >= 0x52 && op <= 0x58) || (op >= 0x7b && op <= 0x8f) || (op >= 0xb0 && op <= 0xd7);
}

/** Whether the opcode writes vA (as opposed to reading it: stores, branches, returns, invokes, switches). */
function writesDestination(op: number): boolean {
  return (
    (op >= 0x01 && op <= 0x0d) ||
    (op >= 0x12 && op <= 0x1c) ||
    (op >= 0x20 && op <= 0x23) ||
    (op >= 0x2d && op <= 0x31) ||
    (op >= 0x44 && op <= 0x4a) ||
    (op >= 0x52 && op <= 0x58) ||
    (op >= 0x60 && op <= 0x66) ||
    (op >= 0x7b && op <= 0xe2) ||
    op === 0xfe ||
    op === 0xff
  );
}

/** Instructions and class_data entries left to read in this file. */
interface Budget {
  left: number;
}

/** A method reference resolved to names: `Ljavax/crypto/spec/SecretKeySpec;-><init>` and its shorty. */
interface MethodRef {
  readonly target: string;
  /** Return type then parameters, one letter each (`VLL`); `J` and `D` take two registers. */
  readonly shorty: string;
}

class Resolver {
  private readonly methods = new Map<number, MethodRef | null>();

  constructor(private readonly dex: DexTables) {}

  typeName(typeIndex: number): string | undefined {
    const { dex } = this;
    if (typeIndex >= dex.typeIdsSize || dex.typeIdsOff + typeIndex * 4 + 4 > dex.bytes.length) return undefined;
    return dex.string(dex.view.getUint32(dex.typeIdsOff + typeIndex * 4, true));
  }

  method(methodIndex: number): MethodRef | undefined {
    let ref = this.methods.get(methodIndex);
    if (ref === undefined) {
      ref = this.readMethod(methodIndex) ?? null;
      this.methods.set(methodIndex, ref);
    }
    return ref ?? undefined;
  }

  private readMethod(methodIndex: number): MethodRef | undefined {
    const { dex } = this;
    const at = dex.methodIdsOff + methodIndex * METHOD_ID_SIZE;
    if (methodIndex >= dex.methodIdsSize || at + METHOD_ID_SIZE > dex.bytes.length) return undefined;
    const owner = this.typeName(dex.view.getUint16(at, true));
    const protoIndex = dex.view.getUint16(at + 2, true);
    const name = dex.string(dex.view.getUint32(at + 4, true));
    const protoAt = dex.protoIdsOff + protoIndex * PROTO_ID_SIZE;
    if (owner === undefined || name === undefined || protoIndex >= dex.protoIdsSize || protoAt + 4 > dex.bytes.length) return undefined;
    const shorty = dex.string(dex.view.getUint32(protoAt, true));
    return shorty === undefined ? undefined : { target: `${owner}->${name}`, shorty };
  }
}

/** The register of each declared parameter, given the invoke's argument registers. */
function parameterRegisters(shorty: string, registers: readonly number[], isStatic: boolean): (number | undefined)[] {
  const result: (number | undefined)[] = [];
  let slot = isStatic ? 0 : 1;
  for (const type of shorty.slice(1)) {
    result.push(registers[slot]);
    slot += type === 'J' || type === 'D' ? 2 : 1;
  }
  return result;
}

/** What the reporting pass gathers beyond uses: each method's returned constants, in walk order. */
interface DexReporting extends Reporting {
  readonly returned: Map<number, Set<number>>;
}

/** One method's walk: what each register holds. */
class MethodWalk {
  private readonly held = new Map<number, Held>();
  /** What the previous invoke returned, for a `move-result-object` right after it. */
  private result: Held | undefined;

  constructor(
    private readonly dex: DexTables,
    private readonly resolver: Resolver,
    private readonly facts: Facts<number, number>,
    private readonly method: { readonly index: number; readonly name: string },
    private readonly reporting: DexReporting | undefined,
    parameters: readonly number[],
  ) {
    parameters.forEach((register, parameter) => this.held.set(register, parameterMarker(parameter)));
  }

  private set(register: number, held: Held | undefined): void {
    if (held === undefined) this.held.delete(register);
    else this.held.set(register, held);
  }

  /** Reads the instruction at `at` (a byte offset); returns its size in code units. */
  step(at: number, end: number): number {
    const { view } = this.dex;
    const unit = view.getUint16(at, true);
    const op = unit & 0xff;
    const size = op === OP_NOP ? payloadUnits(view, at, unit, end) : (UNITS[op] as number);
    if (at + size * 2 > end) return size;
    const result = this.result;
    this.result = undefined;
    const high = unit >> 8;
    switch (op) {
      case OP_CONST_STRING:
        this.set(high, view.getUint16(at + 2, true));
        break;
      case OP_CONST_STRING_JUMBO:
        this.set(high, view.getUint32(at + 2, true));
        break;
      case OP_SGET_OBJECT:
        this.set(high, this.facts.constant(view.getUint16(at + 2, true)));
        break;
      case OP_IGET_OBJECT:
        this.set(high & 0xf, this.facts.constant(view.getUint16(at + 2, true)));
        break;
      case OP_SPUT_OBJECT:
        this.facts.write(view.getUint16(at + 2, true), this.held.get(high));
        break;
      case OP_IPUT_OBJECT:
        this.facts.write(view.getUint16(at + 2, true), this.held.get(high & 0xf));
        break;
      case OP_MOVE_OBJECT:
        this.set(high & 0xf, this.held.get(high >> 4));
        break;
      case OP_MOVE_OBJECT_FROM16:
        this.set(high, this.held.get(view.getUint16(at + 2, true)));
        break;
      case OP_MOVE_OBJECT_16:
        this.set(view.getUint16(at + 2, true), this.held.get(view.getUint16(at + 4, true)));
        break;
      case OP_MOVE_RESULT_OBJECT:
        this.set(high, result);
        break;
      case OP_CHECK_CAST:
        break;
      case OP_RETURN_OBJECT: {
        const held = this.held.get(high);
        if (this.reporting !== undefined && held !== undefined && held >= 0) {
          const returned = this.reporting.returned.get(this.method.index) ?? new Set();
          this.reporting.returned.set(this.method.index, returned.add(held));
        }
        break;
      }
      default:
        if (op >= OP_INVOKE_FIRST && op <= OP_INVOKE_LAST) {
          const count = high >> 4;
          const packed = view.getUint16(at + 4, true);
          const registers = [packed & 0xf, (packed >> 4) & 0xf, (packed >> 8) & 0xf, packed >> 12, high & 0xf].slice(0, count);
          this.result = this.invoke(view.getUint16(at + 2, true), registers, op === OP_INVOKE_STATIC);
        } else if (op >= OP_INVOKE_RANGE_FIRST && op <= OP_INVOKE_RANGE_LAST) {
          const first = view.getUint16(at + 4, true);
          this.result = this.invoke(view.getUint16(at + 2, true), Array.from({ length: high }, (_, index) => first + index), op === OP_INVOKE_STATIC_RANGE);
        } else if (writesDestination(op)) {
          const destination = nibbleDestination(op) ? high & 0xf : high;
          this.held.delete(destination);
          if (WIDE_RESULT.has(op)) this.held.delete(destination + 1);
        }
    }
    return size;
  }

  /** Follows a call: reports or summarises what reaches a sink; returns what a pass-through call gives back. */
  private invoke(methodIndex: number, registers: readonly number[], isStatic: boolean): Held | undefined {
    const ref = this.resolver.method(methodIndex);
    if (ref === undefined) return undefined;
    const parameters = parameterRegisters(ref.shorty, registers, isStatic);
    const heldAt = (parameter: number) => {
      const register = parameter < 0 ? (isStatic ? undefined : registers[0]) : parameters[parameter];
      return register === undefined ? undefined : this.held.get(register);
    };
    const through = PASS_THROUGH.get(ref.target);
    if (through !== undefined) return heldAt(through);
    if (USER_INPUT_SOURCES.has(ref.target)) return USER_INPUT;
    if (COMPARISONS.has(ref.target)) {
      const constant = comparedWithInput(heldAt(-1), heldAt(0));
      if (constant !== undefined) this.reach(constant, { parameter: 0, target: ref.target, sink: INPUT_COMPARISON, where: this.method.name }, undefined);
      return undefined;
    }
    const sink = SINKS.get(ref.target);
    if (sink !== undefined) {
      if (sink.headerName !== undefined) {
        const name = heldAt(sink.headerName);
        if (name === undefined || name < 0 || !isAuthorizationHeader(this.dex.string(name))) return undefined;
      }
      this.reach(heldAt(sink.parameter), { parameter: sink.parameter, target: ref.target, sink, where: this.method.name }, undefined);
      return undefined;
    }
    for (const entry of this.facts.summary(methodIndex)) this.reach(heldAt(entry.parameter), entry, ref.target);
    return undefined;
  }

  /** A value reaching `entry`'s sink, directly or (`callee`) through a call to the method that calls it. */
  private reach(held: Held | undefined, entry: ParameterSink, callee: string | undefined): void {
    if (held === undefined) return;
    const parameter = markedParameter(held);
    if (parameter !== undefined) {
      this.facts.addSummary(this.method.index, { ...entry, parameter });
      return;
    }
    const value = this.dex.string(held);
    if (this.reporting === undefined || value === undefined || value === '') return;
    const id = `${held}\0${entry.target}\0${entry.where}\0${this.method.name}`;
    if (this.reporting.reported.has(id)) return;
    this.reporting.reported.add(id);
    this.reporting.found.push(useString(value, this.dex.table, held, entry.target, entry.sink, entry.where, callee === undefined ? undefined : this.method.name));
  }
}

/** Size in code units of the pseudo-instruction (switch or array payload) a nop opens, or 1 for a real nop. */
function payloadUnits(view: DataView, at: number, unit: number, end: number): number {
  if (at + 8 > end) return 1;
  const count = view.getUint16(at + 2, true);
  switch (unit) {
    case PAYLOAD_PACKED_SWITCH:
      return count * 2 + 4;
    case PAYLOAD_SPARSE_SWITCH:
      return count * 4 + 2;
    case PAYLOAD_FILL_ARRAY:
      return Math.ceil((count * view.getUint32(at + 4, true)) / 2) + 4;
    default:
      return 1;
  }
}

/** A method with code, as its class_data_item lists it. */
interface CodeMethod {
  readonly index: number;
  readonly codeOff: number;
  readonly accessFlags: number;
}

/** Every method with code in a class_data_item; false when the item is damaged. */
function* methodsWithCode(bytes: Uint8Array, classDataOff: number, budget: Budget): Generator<CodeMethod, boolean> {
  const counts: number[] = [];
  let at = classDataOff;
  for (let index = 0; index < 4; index++) {
    const count = readUleb128(bytes, at);
    if (!count) return false;
    counts.push(count.value);
    at = count.next;
  }
  const [staticFields = 0, instanceFields = 0, directMethods = 0, virtualMethods = 0] = counts;
  for (let field = 0; field < staticFields + instanceFields; field++) {
    if (budget.left-- <= 0) return true;
    const next = readUleb128(bytes, at);
    const flags = next && readUleb128(bytes, next.next);
    if (!flags) return false;
    at = flags.next;
  }
  for (const total of [directMethods, virtualMethods]) {
    let index = 0;
    for (let method = 0; method < total; method++) {
      if (budget.left-- <= 0) return true;
      const diff = readUleb128(bytes, at);
      const flags = diff && readUleb128(bytes, diff.next);
      const codeOff = flags && readUleb128(bytes, flags.next);
      if (!diff || !flags || !codeOff) return false;
      index += diff.value;
      at = codeOff.next;
      if (codeOff.value !== 0) yield { index, codeOff: codeOff.value, accessFlags: flags.value };
    }
  }
  return true;
}

/** The methods with code of every class; class_data shared by several class_defs (crafted) is read once. */
function codeMethods(dex: DexTables, budget: Budget): { readonly methods: readonly CodeMethod[]; readonly damaged: number } {
  const { bytes, view } = dex;
  const methods: CodeMethod[] = [];
  let damaged = 0;
  if (dex.classDefsOff + dex.classDefsSize * CLASS_DEF_SIZE > bytes.length) return { methods, damaged };
  const visited = new Set<number>();
  for (let classIndex = 0; classIndex < dex.classDefsSize && budget.left > 0; classIndex++) {
    const classDef = dex.classDefsOff + classIndex * CLASS_DEF_SIZE;
    const classDataOff = view.getUint32(classDef + CLASS_DATA_OFF_IN_CLASS_DEF, true);
    if (classDataOff === 0 || visited.has(classDataOff)) continue;
    visited.add(classDataOff);
    const listed = methodsWithCode(bytes, classDataOff, budget);
    for (let next = listed.next(); ; next = listed.next()) {
      if (next.done) {
        // dex.ts already reports damaged class_data of a class with static values.
        if (!next.value && view.getUint32(classDef + STATIC_VALUES_OFF_IN_CLASS_DEF, true) === 0) damaged++;
        break;
      }
      methods.push(next.value);
    }
  }
  return { methods, damaged };
}

/** The registers that hold a method's declared parameters on entry: the last `ins_size`, after `this`. */
function entryParameters(shorty: string | undefined, registersSize: number, insSize: number, isStatic: boolean): number[] {
  if (shorty === undefined || insSize > registersSize) return [];
  const registers: number[] = [];
  let register = registersSize - insSize + (isStatic ? 0 : 1);
  for (const type of shorty.slice(1)) {
    registers.push(register);
    register += type === 'J' || type === 'D' ? 2 : 1;
  }
  return registers.every((at) => at < registersSize) ? registers : [];
}

/** One pass over every method's code; false when the budget ran out. */
function walkAll(dex: DexTables, methods: readonly CodeMethod[], resolver: Resolver, facts: Facts<number, number>, reporting: DexReporting | undefined, budget: Budget): boolean {
  const { bytes, view } = dex;
  for (const method of methods) {
    const { codeOff } = method;
    if (codeOff + CODE_ITEM_HEADER > bytes.length) continue;
    const start = codeOff + CODE_ITEM_HEADER;
    const end = Math.min(bytes.length, start + view.getUint32(codeOff + CODE_INSNS_SIZE, true) * 2);
    const ref = resolver.method(method.index);
    const parameters = entryParameters(ref?.shorty, view.getUint16(codeOff + CODE_REGISTERS_SIZE, true), view.getUint16(codeOff + CODE_INS_SIZE, true), (method.accessFlags & ACC_STATIC) !== 0);
    const walk = new MethodWalk(dex, resolver, facts, { index: method.index, name: ref?.target ?? `method #${method.index}` }, reporting, parameters);
    for (let at = start; at + 2 <= end; ) {
      if (budget.left-- <= 0) return false;
      at += walk.step(at, end) * 2;
    }
  }
  return true;
}

export function dexUses(dex: DexTables): UseScan {
  const { bytes, view } = dex;
  const budget: Budget = { left: bytes.length * UNITS_PER_FILE_BYTE };
  const { methods, damaged } = codeMethods(dex, budget);
  const damagedMethods = damaged + methods.filter(({ codeOff }) => codeOff + CODE_ITEM_HEADER > bytes.length || codeOff + CODE_ITEM_HEADER + view.getUint32(codeOff + CODE_INSNS_SIZE, true) * 2 > bytes.length).length;
  const resolver = new Resolver(dex);
  const facts = new Facts<number, number>(dex.staticStrings);
  const reporting: DexReporting = { found: [], reported: new Set(), returned: new Map() };
  let complete = true;
  for (let pass = 0; pass < FACT_PASSES && complete; pass++) {
    facts.changed = false;
    complete = walkAll(dex, methods, resolver, facts, undefined, budget);
    if (!facts.changed) break;
  }
  complete &&= walkAll(dex, methods, resolver, facts, reporting, budget);
  return { strings: reporting.found, named: namedConstants(dex, resolver, facts, reporting.returned), damagedMethods, overBudget: !complete };
}

/** `Lcom/x/Config;->getConsumerSecret` → its class and its own name. */
function splitMember(target: string): { readonly owner: string; readonly name: string } {
  const arrow = target.indexOf('->');
  return { owner: target.slice(0, arrow), name: target.slice(arrow + 2) };
}

/**
 * Returned constants keyed by their method's name, then constants of fields that only ever hold
 * one (other than static initial values, which dex.ts names already), keyed by the field's name;
 * each in the unit of its class.
 */
function namedConstants(dex: DexTables, resolver: Resolver, facts: Facts<number, number>, returned: ReadonlyMap<number, ReadonlySet<number>>): ExtractedString[] {
  const named: ExtractedString[] = [];
  const seen = new Set<string>();
  // A getter returning its field's constant names it once, by the getter.
  const add = (stringIndex: number, owner: string, name: string, via: string) => {
    const value = dex.string(stringIndex);
    const id = `${owner}\0${stringIndex}`;
    if (value === undefined || value === '' || seen.has(id)) return;
    seen.add(id);
    named.push({ value, key: name, locator: { kind: 'string-table', table: dex.table, index: stringIndex, via }, unit: `${dex.table} ${owner}` });
  };
  for (const [methodIndex, constants] of returned) {
    const ref = resolver.method(methodIndex);
    if (ref === undefined) continue;
    const { owner, name } = splitMember(ref.target);
    for (const stringIndex of constants) add(stringIndex, owner, name, `returned by ${ref.target}`);
  }
  for (const [fieldIndex, stringIndex] of facts.constants()) {
    if (dex.staticStrings.get(fieldIndex) === stringIndex) continue;
    const at = dex.fieldIdsOff + fieldIndex * FIELD_ID_SIZE;
    if (fieldIndex >= dex.fieldIdsSize || at + FIELD_ID_SIZE > dex.bytes.length) continue;
    const owner = resolver.typeName(dex.view.getUint16(at, true));
    const name = dex.string(dex.view.getUint32(at + FIELD_ID_NAME_OFFSET, true));
    if (owner !== undefined && name !== undefined) add(stringIndex, owner, name, `held by ${owner}->${name}`);
  }
  return named;
}
