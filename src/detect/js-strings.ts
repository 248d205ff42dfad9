/**
 * JavaScript string shapes that hide a secret from a plain regex: escaped text
 * (`"\x73\x6b_live_..."`, `\u0073`, `\u{73}`, octal), constant concatenations (`"sk_live_" + "..."`)
 * and `String.fromCharCode(115, 107, ...)`. Each is decoded to the value the program sees, and a
 * secret found in it points at the whole expression in the file. (`atob("...")` is the base64 layer's.)
 */
import type { DecodedSegment } from './base64.js';

export type JsEncoding = 'js-escape' | 'js-concat' | 'char-codes';

export interface JsSegment extends DecodedSegment {
  readonly encoding: JsEncoding;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** The cooked value of a literal body (between the quotes); undefined for what is not a plain literal. */
export function unescapeJs(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) return undefined;
    const rest = body.slice(i + 1);
    let match: RegExpExecArray | null;
    if ((match = /^x([0-9a-fA-F]{2})/.exec(rest))) out += String.fromCharCode(parseInt(match[1]!, 16));
    else if ((match = /^u\{([0-9a-fA-F]{1,6})\}/.exec(rest))) out += String.fromCodePoint(Math.min(parseInt(match[1]!, 16), 0x10ffff));
    else if ((match = /^u([0-9a-fA-F]{4})/.exec(rest))) out += String.fromCharCode(parseInt(match[1]!, 16));
    else if ((match = /^([0-3][0-7]{0,2}|[4-7][0-7]?)/.exec(rest)) && !(match[1] === '0' && !/[0-7]/.test(rest[1] ?? ''))) out += String.fromCharCode(parseInt(match[1]!, 8));
    else if ((match = /^(\r\n|[\n\r\u2028\u2029])/.exec(rest))) out += '';
    else {
      match = /^./s.exec(rest)!;
      out += SIMPLE_ESCAPES[next] ?? next;
    }
    i += match[0].length;
  }
  return out;
}

/** One numeric escape at the start of the text: `\\x73`, `\\u0073`, `\\u{73}`, `\\163`. */
const NUMERIC_ESCAPE_AT = /^\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|[0-3][0-7]{2}|[0-7]{1,2}(?![0-7]))/;
/** Characters secrets are made of, as they stand between escapes. */
const TOKEN_CHAR = /[A-Za-z0-9_\-+/=.:~]/;
/** Decoded runs shorter than this cannot hold a secret worth reporting. */
const MIN_DECODED = 12;

function escapeLength(text: string, at: number): number {
  return text.charCodeAt(at) === 92 ? (NUMERIC_ESCAPE_AT.exec(text.slice(at, at + 10))?.[0].length ?? 0) : 0;
}

/**
 * Runs of secret characters and numeric escapes that hold at least one escape. Anchored on the
 * backslashes themselves (found with indexOf), so text without escapes costs one native search.
 */
function escapedRuns(text: string): JsSegment[] {
  const segments: JsSegment[] = [];
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 1)) {
    if (escapeLength(text, at) === 0) continue;
    let start = at;
    while (start > 0 && TOKEN_CHAR.test(text[start - 1]!)) start--;
    let end = at;
    for (;;) {
      const escape = escapeLength(text, end);
      if (escape > 0) end += escape;
      else if (end < text.length && TOKEN_CHAR.test(text[end]!)) end++;
      else break;
    }
    const decoded = unescapeJs(text.slice(start, end));
    if (decoded !== undefined && decoded.length >= MIN_DECODED) segments.push({ start, end, decoded, encoding: 'js-escape' });
    at = end - 1;
  }
  return segments;
}

/** A quote, `+`, a quote: where two literals are joined. Anchoring here skips the bodies of all other strings. */
const JUNCTION = /(["'])[ \t\r\n]{0,8}\+[ \t\r\n]{0,8}["']/g;
/** A plain literal at the start of the text, and the `+` that may follow it. */
const LITERAL_AHEAD = /^(["'])((?:[^"'\\\r\n]|\\[^\r\n]){0,512}?)\1/;
const PLUS_AHEAD = /^[ \t\r\n]{0,8}\+[ \t\r\n]{0,8}(?=["'])/;
const MAX_LITERAL = 512;

/** Where the literal whose closing quote is at `close` opens, or -1 when it is not a plain literal. */
function literalStart(text: string, close: number): number {
  const quote = text[close];
  for (let at = close - 1; at >= Math.max(0, close - MAX_LITERAL); at--) {
    const char = text[at];
    if (char === '\n' || char === '\r') return -1;
    if (char !== quote) continue;
    let backslashes = 0;
    while (text[at - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/** Two or more plain literals joined with `+`: what a program concatenates at run time. */
function concatenations(text: string): JsSegment[] {
  const segments: JsSegment[] = [];
  JUNCTION.lastIndex = 0;
  for (let junction = JUNCTION.exec(text); junction; junction = JUNCTION.exec(text)) {
    const start = literalStart(text, junction.index);
    if (start === -1) continue;
    const parts: string[] = [];
    let end = start;
    for (let at = start; ; ) {
      const literal = LITERAL_AHEAD.exec(text.slice(at, at + MAX_LITERAL + 2));
      const value = literal ? unescapeJs(literal[2]!) : undefined;
      if (!literal || value === undefined) break;
      parts.push(value);
      end = at + literal[0].length;
      const plus = PLUS_AHEAD.exec(text.slice(end, end + 20));
      if (!plus) break;
      at = end + plus[0].length;
    }
    if (parts.length >= 2) segments.push({ start, end, decoded: parts.join(''), encoding: 'js-concat' });
    JUNCTION.lastIndex = Math.max(JUNCTION.lastIndex, end);
  }
  return segments;
}

const CHAR_CODES = /String\.fromCharCode\([ \t]{0,4}((?:0x[0-9a-fA-F]{1,4}|\d{1,5})(?:[ \t]{0,4},[ \t]{0,4}(?:0x[0-9a-fA-F]{1,4}|\d{1,5})){7,512})[ \t]{0,4}\)/g;

function charCodes(text: string): JsSegment[] {
  if (!text.includes('fromCharCode')) return [];
  const segments: JsSegment[] = [];
  CHAR_CODES.lastIndex = 0;
  for (let match = CHAR_CODES.exec(text); match; match = CHAR_CODES.exec(text)) {
    const codes = match[1]!.split(',').map((code) => Number(code.trim()));
    segments.push({ start: match.index, end: match.index + match[0].length, decoded: String.fromCharCode(...codes), encoding: 'char-codes' });
  }
  return segments;
}

/** Every decodable JavaScript string shape in `text`. */
export function jsStringSegments(text: string): JsSegment[] {
  return [...escapedRuns(text), ...concatenations(text), ...charCodes(text)];
}
