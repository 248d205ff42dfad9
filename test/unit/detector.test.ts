import { describe, expect, it } from 'vitest';
import { escapeAwareView, WINDOW } from '../../src/detect/detector.js';
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

  it('scans text longer than a window in overlapping windows, exact and without duplicates, even on an edge', () => {
    const filler = (length: number) => '.'.repeat(length);
    const head = `${TOKEN} `;
    const onEdge = WINDOW - 10;
    const text = `${head}${filler(onEdge - head.length)}${TOKEN} ${filler(WINDOW)}\nline2 ${TOKEN.replace('Zq8', 'Yq8')}`;
    expect(text.length).toBeGreaterThan(2 * WINDOW);
    expect(keys(hitsIn(rulesetFrom(RULE), text))).toEqual([
      `demo-token 1:1-1:25 ${TOKEN}`,
      `demo-token 1:${onEdge + 1}-1:${onEdge + 25} ${TOKEN}`,
      `demo-token 2:7-2:31 ${TOKEN.replace('Zq8', 'Yq8')}`,
    ]);
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

  it('sees JSON and JS escapes as line ends at the same offsets, doubly escaped ones too', () => {
    expect(escapeAwareView('a\\nb\\tc\\r\\nd')).toBe('a \nb  c \r \nd');
    expect(escapeAwareView('{"k": "a\\\\nb"}')).toBe('{"k": "a\\ \nb"}');
    expect(escapeAwareView('no escapes')).toBe('no escapes');
    const inJson = JSON.stringify({ sourcesContent: [`// config\n${TOKEN}\n`] });
    expect(keys(hitsIn(rulesetFrom(RULE), inJson))).toEqual([`demo-token 1:32-1:56 ${TOKEN}`]);
  });

  describe('companions', () => {
    const PAIR = `
[[rules]]
id = "acme-client-id"
regex = '''\\b(acmeid_[a-z0-9]{12})\\b'''
keywords = ["acmeid_"]
exposure = "publishable"

[[rules]]
id = "acme-client-secret"
regex = '''\\b(acmesecret_[A-Za-z0-9]{16})\\b'''
keywords = ["acmesecret_"]
[[rules.companions]]
id = "acme-client-id"
withinLines = 3

[[rules]]
id = "acme-strict-secret"
regex = '''strict=([A-Za-z0-9]{16})'''
keywords = ["strict="]
[[rules.required]]
id = "acme-client-id"
withinLines = 1
`;
    const ruleset = rulesetFrom(PAIR);

    it('attaches the nearby client id to the secret and does not report it alone', () => {
      const [hit, ...rest] = hitsIn(ruleset, 'id: acmeid_abc123def456\n\nsecret: acmesecret_Q7fK2mZp9XwL4rT8\n');
      expect(rest).toEqual([]);
      expect(hit).toMatchObject({ ruleId: 'acme-client-secret', companions: [{ ruleId: 'acme-client-id', secret: 'acmeid_abc123def456', region: { startLine: 1, startColumn: 5 } }] });
    });

    it('leaves a client id that is too far away as its own finding', () => {
      const hits = hitsIn(ruleset, 'id: acmeid_abc123def456\n\n\n\n\nsecret: acmesecret_Q7fK2mZp9XwL4rT8\n');
      expect(hits.map((hit) => `${hit.ruleId} ${hit.companions.length}`)).toEqual(['acme-client-id 0', 'acme-client-secret 0']);
    });

    it('drops a match whose required companion is missing (gitleaks [[rules.required]])', () => {
      expect(hitsIn(ruleset, 'strict=Q7fK2mZp9XwL4rT8').map((hit) => hit.ruleId)).toEqual([]);
      expect(hitsIn(ruleset, 'acmeid_abc123def456\nstrict=Q7fK2mZp9XwL4rT8').map((hit) => hit.ruleId)).toEqual(['acme-strict-secret']);
    });
  });
});

