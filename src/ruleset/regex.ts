/** Compiling rule regexes with the engine's flags, and reading a compile error as one short reason. */

export const ALLOWED_RULE_FLAGS = 'imsu';

/** The rule's regex as written, with `g` to iterate matches and `d` for capture-group offsets. */
export function compileRuleRegex(source: string, flags: string): RegExp {
  return new RegExp(source, `${flags}gd`);
}

/**
 * The regex the detector searches with: `global` to search along a text, `sticky` to try one
 * position. It matches what the rule's regex matches, and is cheaper for V8 to compile.
 */
export function compileSearchRegex(source: string, flags: string, mode: 'global' | 'sticky'): RegExp {
  return new RegExp(withoutUnrolling(source), `${flags}${mode === 'global' ? 'g' : 'y'}d`);
}

/**
 * What `withoutUnrolling` reads a source as, one match at a time: an escape, a class (both copied
 * as they are), a brace quantifier (with its lazy `?`), or a run of anything else.
 */
const QUANTIFIER_PIECES = /\\[\s\S]|\[(?:\\[\s\S]|[^\]\\])*\]?|\{(\d+)(,(\d*))?\}\??|[^\\[{]+|\{/g;

/**
 * `source` with an empty look-ahead `(?=)`, which always holds, after each `{n,m}` quantifier of at
 * most three (`{0,3}`, `{1,3}`). V8 unrolls such a quantifier into optional copies of its atom, and
 * its compiler then weighs every way through a run of them: ten `[ \t]{0,3}` in a row take 0.66 ms
 * to compile, and 0.06 ms with the look-ahead between them, which ends that analysis. The shared
 * assignment grammar, compiled into 265 rules, goes from 2.1 to 1.35 ms. Not after `?`: there the
 * look-ahead would also end the analysis that makes searching fast (rule searches on the npm corpus
 * took 20% longer). A lazy quantifier keeps its `?`; classes and escapes are copied as they are.
 */
export function withoutUnrolling(source: string): string {
  return source.replace(QUANTIFIER_PIECES, (piece: string, least: string | undefined, comma: string | undefined, most: string | undefined) => {
    if (least === undefined) return piece;
    const max = comma === undefined ? Number(least) : most === '' ? Number.POSITIVE_INFINITY : Number(most);
    return max <= 3 ? `${piece}(?=)` : piece;
  });
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
