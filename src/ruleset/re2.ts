/**
 * Translates Go RE2 regex syntax (gitleaks configurations) into JavaScript regex syntax: inline flags
 * `(?i)` and `(?i:...)`, `\A` and `\z`, POSIX classes, `\Q...\E`, `(?P<name>...)` and `\x{...}`.
 * What has no JavaScript equivalent is refused with a reason, so the caller can skip that rule.
 */

export type Re2Translation = { readonly ok: true; readonly source: string; readonly flags: string } | { readonly ok: false; readonly reason: string };

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: 'A-Za-z0-9',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '\\x21-\\x7E',
  lower: 'a-z',
  print: '\\x20-\\x7E',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: 'A-Za-z0-9_',
  xdigit: '0-9A-Fa-f',
};

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

function escapeLiteral(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

/** `a` → `[aA]`; inside a class, `a-z` also gains `A-Z`. Used to apply a scoped `(?i:...)`. */
function caseFoldLetter(char: string): string {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  return lower === upper ? char : `[${lower}${upper}]`;
}

/** Flags in force at a point of the pattern: RE2 lets `(?i)`, `(?s)`, `(?m)` start anywhere. */
interface Mode {
  readonly fold: boolean;
  readonly dotAll: boolean;
  readonly multiline: boolean;
}

function applyFlags(mode: Mode, flags: string): Mode {
  const [on, off = ''] = flags.split('-') as [string, string?];
  if (flags.includes('U')) throw new Error('the ungreedy flag (?U) has no JavaScript equivalent');
  const set = (flag: string, current: boolean) => (off.includes(flag) ? false : on.includes(flag) ? true : current);
  return { fold: set('i', mode.fold), dotAll: set('s', mode.dotAll), multiline: set('m', mode.multiline) };
}

class Translator {
  private position = 0;
  private readonly flags = new Set<string>();

  constructor(private readonly input: string) {}

  run(): Re2Translation {
    try {
      this.readLeadingFlags();
      const source = this.sequence(false, { fold: false, dotAll: false, multiline: false });
      if (this.position < this.input.length) throw new Error(`unbalanced ")" at ${this.position}`);
      return { ok: true, source, flags: [...this.flags].sort().join('') };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Leading `(?i)`, `(?s)`, `(?m)`, `(?is)`... become JavaScript flags for the whole regex. */
  private readLeadingFlags(): void {
    for (let match = /^\(\?([imsU]+)\)/.exec(this.input.slice(this.position)); match; match = /^\(\?([imsU]+)\)/.exec(this.input.slice(this.position))) {
      for (const flag of match[1]!) {
        if (flag === 'U') throw new Error('the ungreedy flag (?U) has no JavaScript equivalent');
        this.flags.add(flag);
      }
      this.position += match[0].length;
    }
  }

  private peek(offset = 0): string | undefined {
    return this.input[this.position + offset];
  }

  /** A sequence up to `)` (inside a group) or the end, translated under `mode`. */
  private sequence(inGroup: boolean, initial: Mode): string {
    let mode = initial;
    let out = '';
    while (this.position < this.input.length) {
      const char = this.peek()!;
      if (char === ')') {
        if (!inGroup) throw new Error(`unbalanced ")" at ${this.position}`);
        return out;
      }
      const inlineFlags = /^\(\?([imsU-]+)\)/.exec(this.input.slice(this.position));
      if (inlineFlags) {
        // Flags set mid-pattern hold to the end of the enclosing group.
        mode = applyFlags(mode, inlineFlags[1]!);
        this.position += inlineFlags[0].length;
        continue;
      }
      if (char === '(') out += this.group(mode);
      else if (char === '[') out += this.characterClass(mode.fold);
      else if (char === '\\') out += this.escape(mode.fold, false);
      else {
        this.position++;
        if (char === '.' && mode.dotAll) out += '[\\s\\S]';
        else if (char === '^' && mode.multiline) out += '(?<![^\\n])';
        else if (char === '$' && mode.multiline) out += '(?![^\\n])';
        else out += mode.fold && /[a-z]/i.test(char) ? caseFoldLetter(char) : char === '/' ? '\\/' : char;
      }
    }
    if (inGroup) throw new Error('unterminated group');
    return out;
  }

  private group(mode: Mode): string {
    const rest = this.input.slice(this.position);
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    const scoped = /^\(\?([imsU-]+):/.exec(rest);
    let open = '(';
    let inner = mode;
    if (named) {
      open = `(?<${named[1]}>`;
      this.position += named[0].length;
    } else if (rest.startsWith('(?:')) {
      open = '(?:';
      this.position += 3;
    } else if (scoped) {
      inner = applyFlags(mode, scoped[1]!);
      open = '(?:';
      this.position += scoped[0].length;
    } else if (rest.startsWith('(?')) {
      throw new Error(`unsupported group syntax ${rest.slice(0, 4)}`);
    } else {
      this.position++;
    }
    const body = this.sequence(true, inner);
    this.position++; // the closing ")"
    return `${open}${body})`;
  }

  private characterClass(fold: boolean): string {
    this.position++; // "["
    let out = '[';
    if (this.peek() === '^') {
      out += '^';
      this.position++;
    }
    if (this.peek() === ']') {
      out += '\\]';
      this.position++;
    }
    while (this.position < this.input.length && this.peek() !== ']') {
      const rest = this.input.slice(this.position);
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
      if (posix) {
        const expansion = POSIX_CLASSES[posix[2]!];
        if (expansion === undefined) throw new Error(`unknown POSIX class [:${posix[2]}:]`);
        if (posix[1]) throw new Error(`negated POSIX class [:^${posix[2]}:] inside a class has no JavaScript equivalent`);
        out += expansion;
        this.position += posix[0].length;
        continue;
      }
      const range = /^([a-zA-Z])-([a-zA-Z])/.exec(rest);
      if (fold && range) {
        const [whole, from, to] = range as unknown as [string, string, string];
        out += `${from}-${to}${from.toLowerCase() === from ? `${from.toUpperCase()}-${to.toUpperCase()}` : `${from.toLowerCase()}-${to.toLowerCase()}`}`;
        this.position += whole.length;
        continue;
      }
      const char = this.peek()!;
      if (char === '\\') {
        out += this.escape(false, true);
        continue;
      }
      if (char === '[') {
        out += '\\[';
        this.position++;
        continue;
      }
      this.position++;
      out += fold && /[a-z]/i.test(char) ? `${char.toLowerCase()}${char.toUpperCase()}` : char;
    }
    if (this.peek() !== ']') throw new Error('unterminated character class');
    this.position++;
    return `${out}]`;
  }

  private escape(fold: boolean, inClass: boolean): string {
    const next = this.peek(1);
    if (next === undefined) throw new Error('trailing backslash');
    this.position += 2;
    switch (next) {
      case 'A':
        if (inClass) throw new Error('\\A inside a character class');
        return '(?<![\\s\\S])';
      case 'z':
        if (inClass) throw new Error('\\z inside a character class');
        return '(?![\\s\\S])';
      case 'Q': {
        const end = this.input.indexOf('\\E', this.position);
        const literal = this.input.slice(this.position, end === -1 ? undefined : end);
        this.position = end === -1 ? this.input.length : end + 2;
        return fold ? [...literal].map((char) => (/[a-z]/i.test(char) ? caseFoldLetter(char) : escapeLiteral(char))).join('') : escapeLiteral(literal);
      }
      case 'x': {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.input.slice(this.position));
        if (!braced) return '\\x';
        this.position += braced[0].length;
        const code = parseInt(braced[1]!, 16);
        if (code > 0xffff) throw new Error(`\\x{${braced[1]}} needs Unicode mode`);
        return `\\u${code.toString(16).padStart(4, '0')}`;
      }
      case 'p':
      case 'P':
        throw new Error(`Unicode class \\${next} needs Unicode mode`);
      case 'C':
        throw new Error('\\C (any byte) has no JavaScript equivalent');
      default:
        if (!inClass && fold && /[a-z]/i.test(next) && !/[dDwWsSbBntrfv0-9]/.test(next)) return caseFoldLetter(next);
        return `\\${next}`;
    }
  }
}

export function translateRe2(source: string): Re2Translation {
  return new Translator(source).run();
}
