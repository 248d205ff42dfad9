import { describe, expect, it } from 'vitest';
import { hitsIn, keys, rulesetFrom } from '../helpers/rules.js';

const TOKEN = 'tok_Zq8Wm3Kx7Pv2Lr9Tn4Yb';
const RULE = `
[[rules]]
id = "demo-token"
regex = '''\\b(tok_[A-Za-z0-9]{20})\\b'''
keywords = ["tok_"]
entropy = 3.0
`;

describe('detect', () => {
  it('reports exact 1-based positions of the secret group, end column exclusive', () => {
    const text = `first line\nkey = "${TOKEN}"\n`;
    expect(keys(hitsIn(rulesetFrom(RULE), text))).toEqual([`demo-token 2:8-2:32 ${TOKEN}`]);
  });

  it('keeps positions exact with CRLF line ends', () => {
    const text = `a\r\nb\r\n  ${TOKEN}\r\n`;
    expect(keys(hitsIn(rulesetFrom(RULE), text))).toEqual([`demo-token 3:3-3:27 ${TOKEN}`]);
  });

  it('keeps columns exact on a very long line', () => {
    const text = `${'x;'.repeat(1_000_000)} ${TOKEN}`;
    expect(keys(hitsIn(rulesetFrom(RULE), text))).toEqual([`demo-token 1:2000002-1:2000026 ${TOKEN}`]);
  });

  it('keeps short context on each side, never the whole line', () => {
    const [hit] = hitsIn(rulesetFrom(RULE), `${'a'.repeat(500)}=${TOKEN};${'b'.repeat(500)}`);
    expect(hit!.before).toBe(`${'a'.repeat(39)}=`);
    expect(hit!.after).toBe(`;${'b'.repeat(39)}`);
  });

  it('skips rules whose keyword is absent even if the regex would match', () => {
    const ruleset = rulesetFrom(RULE.replace('["tok_"]', '["nomatch"]'));
    expect(hitsIn(ruleset, TOKEN)).toEqual([]);
  });

  it('uses a named secret group, and group 1 by default', () => {
    const named = rulesetFrom(`
[[rules]]
id = "named"
regex = '''(key)=(?<secret>[a-z0-9]{12})'''
keywords = ["key="]
`);
    expect(hitsIn(named, 'key=ab12cd34ef56').map((hit) => hit.secret)).toEqual(['ab12cd34ef56']);
  });

  it('drops secrets below the entropy gate', () => {
    expect(hitsIn(rulesetFrom(RULE), 'tok_abababababababababab')).toEqual([]);
  });

  it('honours inline keyleak:allow and gitleaks:allow on the line', () => {
    const ruleset = rulesetFrom(RULE);
    expect(hitsIn(ruleset, `k = "${TOKEN}" # keyleak:allow`)).toEqual([]);
    expect(hitsIn(ruleset, `k = "${TOKEN}" // gitleaks:allow`)).toEqual([]);
    expect(hitsIn(ruleset, `k = "${TOKEN}"\n# keyleak:allow`)).toHaveLength(1);
  });

  it('applies rule allowlists: stopwords, regexes on the chosen target, paths, AND conditions', () => {
    const allow = (table: string) => rulesetFrom(`${RULE}\n[[rules.allowlists]]\n${table}`);
    expect(hitsIn(allow('stopwords = ["zq8wm"]'), TOKEN)).toEqual([]);
    expect(hitsIn(allow("regexes = ['''Lr9''']"), TOKEN)).toEqual([]);
    expect(hitsIn(allow("regexTarget = \"line\"\nregexes = ['''^mock''']"), `mock = ${TOKEN}`)).toEqual([]);
    expect(hitsIn(allow("regexTarget = \"line\"\nregexes = ['''^mock''']"), `real = ${TOKEN}`)).toHaveLength(1);
    expect(hitsIn(allow("paths = ['''^test/''']"), TOKEN, 'test/a.txt')).toEqual([]);
    expect(hitsIn(allow("paths = ['''^test/''']"), TOKEN, 'src/a.txt')).toHaveLength(1);
    const both = allow("condition = \"AND\"\npaths = ['''^test/''']\nstopwords = [\"zq8wm\"]");
    expect(hitsIn(both, TOKEN, 'src/a.txt')).toHaveLength(1);
    expect(hitsIn(both, TOKEN, 'test/a.txt')).toEqual([]);
  });

  it('applies global allowlists and documented examples', () => {
    const global = rulesetFrom(`${RULE}\n[[allowlists]]\nregexes = ['''Tn4Yb$''']`);
    expect(hitsIn(global, TOKEN)).toEqual([]);
    expect(hitsIn(rulesetFrom(RULE, [TOKEN]), TOKEN)).toEqual([]);
  });

  it('restricts a rule to matching paths', () => {
    const ruleset = rulesetFrom(RULE.replace('entropy', () => "path = '''\\.env$'''\nentropy"));
    expect(hitsIn(ruleset, TOKEN, 'app/.env')).toHaveLength(1);
    expect(hitsIn(ruleset, TOKEN, 'app/main.js')).toEqual([]);
  });

  it('validates checksums', () => {
    const ruleset = rulesetFrom(`
[[rules]]
id = "crc-token"
regex = '''\\b(ghp_[A-Za-z0-9]{36})\\b'''
keywords = ["ghp_"]
checksum = "crc32-base62"
`);
    expect(hitsIn(ruleset, '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')).toHaveLength(1);
    expect(hitsIn(ruleset, 'ghp_Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4U7O0b')).toEqual([]);
  });

  it('finds secrets inside base64 and points at the encoded text', () => {
    const encoded = Buffer.from(`token: ${TOKEN}\n`).toString('base64');
    const [hit] = hitsIn(rulesetFrom(RULE), `data = "${encoded}"`);
    expect(hit).toMatchObject({ secret: TOKEN, encoding: ['base64'], region: { startLine: 1, startColumn: 9, endColumn: 9 + encoded.length } });
  });

  it("drops a generic hit where a provider rule, or an earlier generic rule, matched the same text", () => {
    const ruleset = rulesetFrom(`${RULE}
[[rules]]
id = "generic-assignment"
regex = '''key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
generic = true
`);
    expect(hitsIn(ruleset, `key = "${TOKEN}"`).map((hit) => hit.ruleId)).toEqual(['demo-token']);
    expect(hitsIn(ruleset, 'key = "Zq8Wm3Kx7Pv2Lr9Tn4Yb"').map((hit) => hit.ruleId)).toEqual(['generic-assignment']);
    const twoGeneric = rulesetFrom(`
[[rules]]
id = "generic-first"
regex = '''key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
generic = true
[[rules]]
id = "generic-second"
regex = '''"([^"]{16,})"'''
keywords = ["key"]
generic = true
`);
    expect(hitsIn(twoGeneric, 'key = "Zq8Wm3Kx7Pv2Lr9Tn4Yb"').map((hit) => hit.ruleId)).toEqual(['generic-first']);
  });

  it('survives a regex whose whole match is empty (secret captured in a lookahead)', () => {
    const ruleset = rulesetFrom(`
[[rules]]
id = "lookahead"
regex = '''(?=(tok_[a-z]{4}))'''
keywords = ["tok_"]
`);
    expect(hitsIn(ruleset, 'x tok_abcd y').map((hit) => hit.secret)).toEqual(['tok_abcd']);
  });
});
