import { describe, expect, it } from 'vitest';
import { jsStringSegments, unescapeJs } from '../../src/detect/js-strings.js';
import { hitsIn, rulesetFrom } from '../helpers/rules.js';

const SECRET = 'sk_live_yjhbuSIVwvXzMXvt1GfcNNamPMaWZ98EDQCHlpKI';
const RULE = `
[[rules]]
id = "stripe-like"
regex = '''\\b(sk_live_[A-Za-z0-9]{24,99})\\b'''
keywords = ["sk_live_"]
`;

const hex = (text: string) => [...text].map((char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
const unicode = (text: string) => [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const octal = (text: string) => [...text].map((char) => `\\${char.charCodeAt(0).toString(8)}`).join('');

describe('unescapeJs', () => {
  it('cooks hex, unicode, braced unicode, octal, simple escapes, escaped quotes and line continuations', () => {
    expect(unescapeJs('\\x73\\u006b\\u{5f}\\154ive')).toBe('sk_live');
    expect(unescapeJs('a\\"b\\\'c\\\\d\\/e\\tf')).toBe('a"b\'c\\d/e\tf');
    expect(unescapeJs('one\\\ntwo')).toBe('onetwo');
    expect(unescapeJs('nul\\0end')).toBe('nul\0end');
  });
});

describe('JavaScript string shapes', () => {
  const ruleset = rulesetFrom(RULE);
  const found = (text: string) => hitsIn(ruleset, text, 'app.js').map((hit) => `${hit.secret} ${hit.encoding.join('+')} ${hit.region.startColumn}-${hit.region.endColumn}`);

  it.each([
    ['hex escapes', `var k="${hex(SECRET)}";`],
    ['unicode escapes', `var k='${unicode(SECRET)}';`],
    ['octal escapes', `var k="${octal(SECRET)}";`],
    ['mixed escapes in a template literal', `var k=\`sk_${hex('live_')}${SECRET.slice(8)}\`;`],
  ])('finds a secret hidden by %s and points at the escaped text', (_name, text) => {
    const start = text.search(/["'`]/) + 2;
    const end = text.lastIndexOf(';');
    expect(found(text)).toEqual([`${SECRET} js-escape ${start}-${end}`]);
  });

  it('finds a secret split across a constant concatenation', () => {
    const text = `const key = "sk_live_" + 'yjhbuSIVwvXzMXvt1G' +\n  "fcNNamPMaWZ98EDQCHlpKI";`;
    expect(hitsIn(ruleset, text, 'src/keys.ts').map((hit) => [hit.secret, hit.encoding, hit.region.startLine, hit.region.endLine])).toEqual([[SECRET, ['js-concat'], 1, 2]]);
    expect(hitsIn(ruleset, text, 'notes.md')).toEqual([]);
  });

  it('finds a secret spelled with String.fromCharCode', () => {
    const text = `x=String.fromCharCode(${[...SECRET].map((char) => char.charCodeAt(0)).join(',')})`;
    expect(found(text)).toEqual([`${SECRET} char-codes 3-${text.length + 1}`]);
  });

  it('leaves ordinary code alone', () => {
    expect(jsStringSegments('const a = "plain string"; const b = `tpl ${x}`; foo("a", "b");')).toEqual([]);
    expect(found(`var k="${SECRET}";`)).toEqual([`${SECRET}  8-${8 + SECRET.length}`]);
  });
});
