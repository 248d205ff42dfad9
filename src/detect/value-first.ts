/**
 * Name/value pairs written value first: `{"value": "…", "name": "STRIPE_SECRET_KEY"}`, the YAML
 * `- value: …` / `  name: DD_API_KEY`, CloudFormation's `{"ParameterValue": "…", "ParameterKey": "…"}`.
 * Rules read a name and then its value, and the shared grammar reads the name-first order; for the
 * other order each pair is handed to the rules as `NAME="value"`, and a finding points at the value.
 *
 * Only names at a rule's keyword are looked at, so a text costs nothing beyond its keywords; from
 * such a name the value is looked for behind it, in the same object or list item, within a few
 * hundred characters.
 */
import type { DecodedSegment } from './base64.js';

/** The longest name a pair is read for, as the grammar's pair names. */
const MAX_NAME = 100;
/** How far behind the name field its value field may start: a few hundred characters, one object. */
const MAX_BEHIND = 600;
/** What may stand between the value and the name field: other fields of the same object. */
const MAX_BETWEEN = 300;

/**
 * A value field and its value: quoted (JSON, JavaScript, HCL, YAML) or a bare YAML scalar. `value=`
 * without a space before `=` is an HTML or XML attribute, whose `name=` names a form field.
 */
const VALUE_FIELD = /(?:^|[\s{,])(?:-[ \t]{1,3})?(\\?["']?)((?:[Pp]arameter)?[Vv]alue)\1[ \t]{0,3}(?::|[ \t]=)[ \t]{0,3}(?:(\\?["'])((?:(?!\3)[^\r\n]){1,500})\3|([^\s"'#,{}[\]][^\s,{}[\]]{0,499}))/dg;

/** The field that names the pair: `name`, `Name`, `key`, `ParameterKey`, `ParameterName`. */
const NAME_FIELD = /^(?:[Pp]arameter)?(?:[Nn]ame|[Kk]ey)$/;

function isNameChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 46 || code === 45;
}

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9;
}

function isQuote(code: number): boolean {
  return code === 34 || code === 39;
}

/** Steps back over an optional quote and the backslash escaping it (JSON inside a string). */
function behindQuote(text: string, at: number): number {
  if (at > 0 && isQuote(text.charCodeAt(at - 1))) at--;
  if (at > 0 && text.charCodeAt(at - 1) === 92) at--;
  return at;
}

function behindBlanks(text: string, at: number): number {
  for (let blanks = 0; blanks < 3 && at > 0 && isBlank(text.charCodeAt(at - 1)); blanks++) at--;
  return at;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

interface NameField {
  /** Where the field's name (`name`, `"key"`) starts, and where the pair's name (`DD_API_KEY`) does. */
  readonly field: number;
  readonly name: string;
}

/** The pair name around `at` when it is the value of a name field (`"name": "X"`, `key = "X"`). */
function nameFieldAround(text: string, at: number): (NameField & { readonly nameStart: number }) | undefined {
  let start = at;
  while (start > 0 && at - start < MAX_NAME && isNameChar(text.charCodeAt(start - 1))) start--;
  // Most keywords stand in code, not in a name field: the field is checked before the name is read on.
  let cursor = behindBlanks(text, behindQuote(text, start));
  const operator = text.charCodeAt(cursor - 1);
  if (operator !== 58 && operator !== 61) return undefined;
  cursor = behindQuote(text, behindBlanks(text, cursor - 1));
  let wordStart = cursor;
  while (wordStart > 0 && cursor - wordStart < 20 && isLetter(text.charCodeAt(wordStart - 1))) wordStart--;
  if (!NAME_FIELD.test(text.slice(wordStart, cursor))) return undefined;
  const field = behindQuote(text, wordStart);
  const before = field === 0 ? 10 : text.charCodeAt(field - 1);
  if (!(before === 10 || before === 13 || isBlank(before) || before === 123 || before === 44)) return undefined;
  let end = at;
  while (end < text.length && end - start < MAX_NAME && isNameChar(text.charCodeAt(end))) end++;
  if (end === start || end - start >= MAX_NAME) return undefined;
  return { field, name: text.slice(start, end), nameStart: start };
}

/**
 * The value field behind the name field in the same object or list item, if the pair is written
 * value first: no bracket between them, no other list item, and on separate lines the two fields
 * at the same column (one YAML mapping, or pretty-printed JSON).
 */
function valueBehind(text: string, name: NameField): { readonly start: number; readonly end: number; readonly value: string } | undefined {
  const from = Math.max(0, name.field - MAX_BEHIND);
  const window = text.slice(from, name.field);
  let last: RegExpExecArray | undefined;
  VALUE_FIELD.lastIndex = 0;
  for (let match = VALUE_FIELD.exec(window); match !== null; match = VALUE_FIELD.exec(window)) last = match;
  if (last === undefined) return undefined;
  const group = last[4] !== undefined ? 4 : 5;
  const [valueStart, valueEnd] = last.indices![group]!;
  const between = window.slice(last.index + last[0].length);
  if (between.length > MAX_BETWEEN || /[{}[\]]/.test(between)) return undefined;
  if (between.includes('\n')) {
    // A name field that opens a list item (`- name: B`) belongs to the next item, not this value's.
    if (/\n[ \t]*-[ \t]/.test(between) || /^[ \t]*-[ \t]/.test(text.slice(lineStart(text, name.field), name.field))) return undefined;
    const valueField = from + last.indices![2]![0] - (last[1]?.length ?? 0);
    if (valueField - lineStart(text, valueField) !== name.field - lineStart(text, name.field)) return undefined;
  }
  return { start: from + valueStart, end: from + valueEnd, value: last[group]! };
}

/**
 * Each value-first pair whose name holds one of `starts` (keyword positions), as `NAME="value"`
 * for the rules to read, pointing at the value in `text`.
 */
export function valueFirstPairs(text: string, starts: Iterable<number>): DecodedSegment[] {
  const pairs: DecodedSegment[] = [];
  const names = new Set<number>();
  for (const at of starts) {
    const name = nameFieldAround(text, at);
    if (name === undefined || names.has(name.nameStart)) continue;
    names.add(name.nameStart);
    const value = valueBehind(text, name);
    if (value !== undefined) pairs.push({ start: value.start, end: value.end, decoded: `${name.name}="${value.value}"` });
  }
  return pairs;
}
