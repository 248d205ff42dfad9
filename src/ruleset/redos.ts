/**
 * A static check for regexes that backtrack catastrophically: a repeated part whose body can match
 * the same text in more than one way. Two shapes are flagged inside any quantifier that repeats
 * more than once: a variable-length piece not fenced off from its own next iteration by a required
 * piece it cannot match (`(a+)+`, `(\w+\s?)*`, `(.*a){20}`), and alternatives that can start the
 * same way (`(a|a)*`, `(a|ab)*`). A bounded repeat of bounded parts (`(?:[^:]|\\:){1,255}`) is
 * bounded work and left to the rule harness's timing. Character sets are compared on ASCII plus "anything beyond", so
 * the check errs towards flagging. Polynomial cases (`a*a*a*c`) are left to the scan's time guard.
 */

/** Bit i: ASCII character i; bit 128: any character beyond ASCII. */
type CharSet = readonly boolean[];

type Node =
  | { readonly kind: 'chars'; readonly set: CharSet }
  | { readonly kind: 'sequence'; readonly items: readonly Node[] }
  | { readonly kind: 'alternation'; readonly options: readonly Node[] }
  | { readonly kind: 'repeat'; readonly min: number; readonly max: number; readonly body: Node }
  /** Assertions and lookarounds: they match no characters. */
  | { readonly kind: 'empty' }
  /** A backreference: any text of any length. */
  | { readonly kind: 'backreference' };

const SIZE = 129;
const setOf = (test: (code: number) => boolean, beyond: boolean): CharSet => Array.from({ length: SIZE }, (_, code) => (code === 128 ? beyond : test(code)));
const ANY = setOf(() => true, true);
const isWord = (code: number) => /\w/.test(String.fromCharCode(code));
const isDigit = (code: number) => code >= 48 && code <= 57;
const isSpace = (code: number) => /\s/.test(String.fromCharCode(code));
const union = (a: CharSet, b: CharSet): CharSet => a.map((bit, index) => bit || b[index]!);
const intersects = (a: CharSet, b: CharSet): boolean => a.some((bit, index) => bit && b[index]!);
const invert = (a: CharSet): CharSet => a.map((bit, index) => (index === 128 ? true : !bit));

const CLASS_ESCAPES: Readonly<Record<string, CharSet>> = {
  d: setOf(isDigit, false),
  D: setOf((code) => !isDigit(code), true),
  w: setOf(isWord, false),
  W: setOf((code) => !isWord(code), true),
  s: setOf(isSpace, true),
  S: setOf((code) => !isSpace(code), true),
};

function single(char: string, caseless: boolean): CharSet {
  const codes = caseless ? [char.toLowerCase(), char.toUpperCase()] : [char];
  return setOf((code) => codes.some((c) => c.charCodeAt(0) === code), codes.some((c) => c.charCodeAt(0) > 127));
}

class Parser {
  private at = 0;
  constructor(
    private readonly source: string,
    private readonly caseless: boolean,
  ) {}

  parse(): Node {
    const node = this.alternation();
    return node;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.source[this.at] === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alternation', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.at < this.source.length && this.source[this.at] !== '|' && this.source[this.at] !== ')') items.push(this.quantified(this.atom()));
    return items.length === 1 ? items[0]! : { kind: 'sequence', items };
  }

  private quantified(atom: Node): Node {
    const rest = this.source.slice(this.at);
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(rest);
    let bounds: [number, number] | undefined;
    if (rest[0] === '*') bounds = [0, Infinity];
    else if (rest[0] === '+') bounds = [1, Infinity];
    else if (rest[0] === '?') bounds = [0, 1];
    else if (braces) bounds = [Number(braces[1]), braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3])];
    if (bounds === undefined) return atom;
    this.at += braces ? braces[0].length : 1;
    if (this.source[this.at] === '?') this.at++;
    return this.quantified({ kind: 'repeat', min: bounds[0], max: bounds[1], body: atom });
  }

  private atom(): Node {
    const char = this.source[this.at++]!;
    if (char === '^' || char === '$') return { kind: 'empty' };
    if (char === '.') return { kind: 'chars', set: ANY };
    if (char === '[') return { kind: 'chars', set: this.characterClass() };
    if (char === '\\') return this.escape();
    if (char !== '(') return { kind: 'chars', set: single(char, this.caseless) };
    const look = /^\?<?[=!]/.exec(this.source.slice(this.at));
    const prefix = look?.[0] ?? /^\?(?::|<[^>]*>|[a-z-]*:)/.exec(this.source.slice(this.at))?.[0] ?? '';
    this.at += prefix.length;
    const body = this.alternation();
    this.at++;
    // A lookaround matches no text, but a search can still backtrack inside it.
    return look ? { kind: 'sequence', items: [{ kind: 'repeat', min: 0, max: 0, body }, { kind: 'empty' }] } : body;
  }

  private escape(): Node {
    const char = this.source[this.at++] ?? '\\';
    if (char in CLASS_ESCAPES) return { kind: 'chars', set: CLASS_ESCAPES[char]! };
    if (char === 'b' || char === 'B') return { kind: 'empty' };
    if (/[1-9]/.test(char) || char === 'k') {
      if (char === 'k') this.at = this.source.indexOf('>', this.at) + 1;
      return { kind: 'backreference' };
    }
    if (char === 'p' || char === 'P') {
      this.at = this.source.indexOf('}', this.at) + 1;
      return { kind: 'chars', set: ANY };
    }
    return { kind: 'chars', set: this.escapedChar(char) };
  }

  private escapedChar(char: string): CharSet {
    const hex = /^(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4}))/.exec(`${char}${this.source.slice(this.at)}`);
    if (hex) {
      this.at += hex[0].length - 1;
      return single(String.fromCharCode(parseInt(hex[1] ?? hex[2]!, 16)), this.caseless);
    }
    const controls: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v', '0': '\0' };
    return single(controls[char] ?? char, this.caseless);
  }

  private characterClass(): CharSet {
    const negated = this.source[this.at] === '^';
    if (negated) this.at++;
    let set = setOf(() => false, false);
    let first = true;
    while (this.at < this.source.length && (this.source[this.at] !== ']' || first)) {
      first = false;
      const start = this.classAtom();
      if (this.source[this.at] === '-' && this.source[this.at + 1] !== ']' && start.code !== undefined) {
        this.at++;
        const end = this.classAtom();
        const [low, high] = [start.code, end.code ?? start.code];
        set = union(set, setOf((code) => code >= low && code <= high, high > 127));
        if (this.caseless) set = union(set, setOf((code) => { const c = String.fromCharCode(code); const other = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(); return other.charCodeAt(0) >= low && other.charCodeAt(0) <= high; }, false));
      } else set = union(set, start.set);
    }
    this.at++;
    return negated ? invert(set) : set;
  }

  /** One class member: its set, and its code when it can bound a range. */
  private classAtom(): { readonly set: CharSet; readonly code?: number } {
    const char = this.source[this.at++]!;
    if (char !== '\\') return { set: single(char, this.caseless), code: char.charCodeAt(0) };
    const escaped = this.source[this.at++] ?? '\\';
    if (escaped in CLASS_ESCAPES) return { set: CLASS_ESCAPES[escaped]! };
    if (escaped === 'p' || escaped === 'P') {
      this.at = this.source.indexOf('}', this.at) + 1;
      return { set: ANY };
    }
    const set = this.escapedChar(escaped === 'b' ? '\b' : escaped);
    const code = set.findIndex((bit) => bit);
    return { set, ...(code >= 0 && code < 128 ? { code } : {}) };
  }
}

function minLength(node: Node): number {
  switch (node.kind) {
    case 'chars': return 1;
    case 'sequence': return node.items.reduce((sum, item) => sum + minLength(item), 0);
    case 'alternation': return Math.min(...node.options.map(minLength));
    case 'repeat': return node.min * minLength(node.body);
    default: return 0;
  }
}

function maxLength(node: Node): number {
  switch (node.kind) {
    case 'chars': return 1;
    case 'sequence': return node.items.reduce((sum, item) => sum + maxLength(item), 0);
    case 'alternation': return Math.max(...node.options.map(maxLength));
    case 'repeat': return node.max === 0 ? 0 : node.max * maxLength(node.body);
    case 'backreference': return Infinity;
    case 'empty': return 0;
  }
}

/** Every character the node can match. */
function charsOf(node: Node): CharSet {
  switch (node.kind) {
    case 'chars': return node.set;
    case 'sequence': return node.items.reduce((set, item) => union(set, charsOf(item)), setOf(() => false, false));
    case 'alternation': return node.options.reduce((set, option) => union(set, charsOf(option)), setOf(() => false, false));
    case 'repeat': return node.max === 0 ? setOf(() => false, false) : charsOf(node.body);
    case 'backreference': return ANY;
    case 'empty': return setOf(() => false, false);
  }
}

/** The characters a non-empty match can start with. */
function firstChars(node: Node): CharSet {
  if (node.kind === 'sequence') {
    let set = setOf(() => false, false);
    for (const item of node.items) {
      set = union(set, firstChars(item));
      if (minLength(item) > 0) break;
    }
    return set;
  }
  if (node.kind === 'alternation') return node.options.reduce((set, option) => union(set, firstChars(option)), setOf(() => false, false));
  if (node.kind === 'repeat') return node.max === 0 ? setOf(() => false, false) : firstChars(node.body);
  return charsOf(node);
}

const itemsOf = (node: Node): readonly Node[] => (node.kind === 'sequence' ? node.items : [node]);

/** Alternatives of fixed lengths told apart by their first character (`\\.|[^"\\]`): only one can match at a place. */
function deterministicChoice(node: Node): boolean {
  return node.kind === 'alternation' && !overlappingAlternatives(node) && node.options.every((option) => minLength(option) === maxLength(option));
}

/** A variable-length piece of a repeated body, with no required piece between it and its next iteration that it cannot match. */
function unfencedPiece(body: Node): Node | undefined {
  const items = itemsOf(body);
  return items.find((item, index) => {
    if (maxLength(item) === minLength(item) || deterministicChoice(item)) return false;
    const chars = charsOf(item);
    const between = [...items.slice(index + 1), ...items.slice(0, index)];
    return !between.some((other) => minLength(other) > 0 && !intersects(charsOf(other), chars));
  });
}

/** Two alternatives that can start with the same character. */
function overlappingAlternatives(node: Node): boolean {
  if (node.kind !== 'alternation') return false;
  const firsts = node.options.map(firstChars);
  return firsts.some((set, index) => firsts.slice(index + 1).some((other) => intersects(set, other)));
}

function* nodes(node: Node): Generator<Node> {
  yield node;
  if (node.kind === 'sequence') for (const item of node.items) yield* nodes(item);
  if (node.kind === 'alternation') for (const option of node.options) yield* nodes(option);
  if (node.kind === 'repeat') yield* nodes(node.body);
}

/** Why `source` can backtrack catastrophically, or undefined when the check finds nothing. */
export function catastrophicBacktracking(source: string, flags = ''): string | undefined {
  let tree: Node;
  try {
    tree = new Parser(source, flags.includes('i')).parse();
  } catch {
    return undefined;
  }
  for (const node of nodes(tree)) {
    if (node.kind !== 'repeat' || node.max <= 1) continue;
    // Bounded pieces under a bounded repeat are bounded work: the rule harness times those.
    const piece = unfencedPiece(node.body);
    if (piece !== undefined && (node.max === Infinity || maxLength(piece) === Infinity)) return 'a repeated group holds a variable-length part that can also match where its next repetition starts (nested quantifiers)';
    for (const inner of nodes(node.body)) {
      if (node.max === Infinity && overlappingAlternatives(inner)) return 'a repeated group holds alternatives that can match the same text';
    }
  }
  return undefined;
}
