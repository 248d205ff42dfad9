/** Compiling rule regexes with the engine's flags, and reading a compile error as one short reason. */

export const ALLOWED_RULE_FLAGS = 'imsu';

/** `g` to iterate matches, `d` for capture-group offsets. */
export function compileRuleRegex(source: string, flags: string): RegExp {
  return new RegExp(source, `${flags}gd`);
}

/** `y` to try the regex at one position only, `d` for capture-group offsets. */
export function compileStickyRuleRegex(source: string, flags: string): RegExp {
  return new RegExp(source, `${flags}yd`);
}

/** "Invalid regular expression: /(?i)x/gd: Invalid group" → "Invalid group". */
export function regexErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
}

/**
 * Capturing groups in a regex source, read from the text so nothing is compiled: every `(` that
 * is not escaped, not inside a class, and not `(?:`, a lookaround or a flag group — named groups count.
 */
export function captureGroupCount(source: string): number {
  let count = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(' && (source[i + 1] !== '?' || (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!'))) count++;
  }
  return count;
}

/** A pattern as quoted in a one-line message: a hostile rule file's 100 KB regex is not echoed whole. */
export function shortened(source: string, limit = 80): string {
  return source.length <= limit ? source : `${source.slice(0, limit)}… (${source.length} characters)`;
}
