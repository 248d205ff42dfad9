import { describe, expect, it } from 'vitest';
import { keywordIndex, keywordIndex as keywordIndexOf } from '../../src/detect/keywords.js';

describe.each([
  ['keyword by keyword', undefined],
  ['with the automaton', 0],
])('keywordIndex, %s', (_, searchWithoutAutomaton) => {
  const keywordIndex = (rules: readonly (readonly string[])[]) => keywordIndexOf(rules, [], searchWithoutAutomaton);
  const index = keywordIndex([['sk_live_'], ['ghp_', 'gho_'], [], ['secret'], ['client_secret']]);

  it('selects only rules whose keywords occur, plus rules without keywords', () => {
    expect(index.candidates('token = ghp_abc')).toEqual([1, 2]);
    expect(index.candidates('nothing here')).toEqual([2]);
  });

  it('matches case-insensitively', () => {
    expect(index.candidates('STRIPE=SK_LIVE_abc')).toEqual([0, 2]);
  });

  it('finds keywords contained in a longer keyword that matched', () => {
    expect(index.candidates('CLIENT_SECRET=1')).toEqual([2, 3, 4]);
  });

  it('finds a keyword that overlaps the end of another match', () => {
    const overlapping = keywordIndex([['abcd'], ['cdef']]);
    expect(overlapping.candidates('xxabcdefxx')).toEqual([0, 1]);
  });
});

/** What the prefilter must agree with: for each keyword, does a case-insensitive regex find it. */
function byRegex(rulesKeywords: readonly (readonly string[])[], text: string): number[] {
  const escape = (keyword: string) => keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return rulesKeywords.flatMap((keywords, rule) => (keywords.length === 0 || keywords.some((keyword) => new RegExp(escape(keyword), 'i').test(text)) ? [rule] : []));
}

/** A small deterministic generator, so a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

// Both ways of searching: keyword by keyword (short runs), and the automaton (from the first text on).
describe.each([
  ['keyword by keyword', undefined],
  ['with the automaton', 0],
])('keywordIndex against a case-insensitive regex per keyword, %s', (_, searchWithoutAutomaton) => {
  const keywordIndex = (rules: readonly (readonly string[])[]) => keywordIndexOf(rules, [], searchWithoutAutomaton);
  it('agrees on keywords that are prefixes, suffixes and infixes of each other', () => {
    const rules = [['he'], ['she'], ['his'], ['hers'], ['ushers'], ['key'], ['api_key'], ['-----begin'], ['$1$'], ['a.b'], ['x\\"y']];
    for (const text of ['ushers', 'USHERS', 'sHe', 'hi his', 'private api_KEY=', '-----BEGIN RSA', 'pw $1$salt', 'aXb', 'a.B', 'x\\"Y', 'hehehe', '']) {
      expect(keywordIndex(rules).candidates(text), text).toEqual(byRegex(rules, text));
    }
  });

  it('does not let a non-ASCII character stand for an ASCII letter, as the i flag without u does not', () => {
    const rules = [['sk'], ['ki'], ['secret']];
    // U+017F (long s), U+212A (Kelvin sign) and U+0131 (dotless i) upper-case to ASCII letters.
    for (const text of ['\u017fk', 's\u212a', 'k\u0131', 'SECRET', 'secr\u00e9t']) {
      expect(keywordIndex(rules).candidates(text), text).toEqual(byRegex(rules, text));
    }
  });

  it('finds keywords holding non-ASCII characters case-insensitively, next to ASCII ones', () => {
    const rules = [['clé_api'], ['пароль'], ['token'], ['ключ', 'key']];
    for (const text of ['CLÉ_API=1', 'ПАРОЛЬ: x', 'Пароль token', 'КЛЮЧ', 'nothing', 'cle_api']) {
      expect(keywordIndex(rules).candidates(text), text).toEqual(byRegex(rules, text));
    }
  });

  it('agrees on random texts over a small alphabet, where keywords overlap often', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const word = (length: number) => Array.from({ length }, () => 'abAB-\u017f'[Math.floor(next() * 6)]).join('');
      const rules = Array.from({ length: 1 + Math.floor(next() * 6) }, () => (next() < 0.1 ? [] : Array.from({ length: 1 + Math.floor(next() * 2) }, () => word(1 + Math.floor(next() * 4)).toLowerCase())));
      const text = word(Math.floor(next() * 40));
      expect(keywordIndex(rules).candidates(text), `seed ${seed}: ${JSON.stringify(rules)} in ${JSON.stringify(text)}`).toEqual(byRegex(rules, text));
    }
  });
});

describe('keywordIndex with more keywords than its table holds', () => {
  it('still finds them (with a regex)', () => {
    const rules = Array.from({ length: 20_000 }, (_, rule) => [`kw${rule.toString(36).padStart(6, '0')}`]);
    expect(keywordIndex(rules).candidates('x = KW0000A1 and kw000ezz')).toEqual([361, 19439]);
  });
});

describe('keywordIndex switching to the automaton', () => {
  it('answers the same before and after it is built', () => {
    const index = keywordIndex([['secret'], ['token'], ['-----begin']], [], 100);
    const texts = ['my SECRET', 'a token', 'x'.repeat(90), '-----BEGIN', 'token and secret', 'nothing'];
    expect(texts.map((text) => index.candidates(text))).toEqual([[0], [1], [], [2], [0, 1], []]);
  });
});

/** Every start of each keyword (case-insensitive, overlapping), merged per rule: what `starts` must give. */
function startsByRegex(keywords: readonly string[], text: string): number[] {
  const escape = (keyword: string) => keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const starts = new Set<number>();
  for (const keyword of keywords) {
    const here = new RegExp(escape(keyword), 'iy');
    for (let at = 0; at < text.length; at++) {
      here.lastIndex = at;
      if (here.test(text)) starts.add(at);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

describe.each([
  ['keyword by keyword', undefined],
  ['with the automaton', 0],
])('keywordIndex telling where anchored rules\' keywords start, %s', (_, searchWithoutAutomaton) => {
  it('gives every start, overlapping ones too, merged across a rule\'s keywords', () => {
    const rules = [['key', 'secret'], ['token'], ['aa', 'aaa']];
    const index = keywordIndexOf(rules, [true, false, true], searchWithoutAutomaton);
    const scan = index.scan('API_KEY=1 secretkey tokenaaaa');
    expect(scan.rules).toEqual([0, 1, 2]);
    expect(scan.starts(0)).toEqual([4, 10, 16]);
    expect(scan.starts(1)).toBeUndefined();
    expect(scan.starts(2)).toEqual([25, 26, 27]);
    expect(index.scan('nothing').starts(0)).toEqual([]);
  });

  it('gives the starts of any of several located rules, each keyword once however many rules share it', () => {
    const rules = [['key', 'secret'], ['key'], ['token']];
    const scan = keywordIndexOf(rules, [true, true, false], searchWithoutAutomaton).scan('API_KEY=1 secretkey token');
    expect([...scan.startsOfAny([0, 1])].sort((a, b) => a - b)).toEqual([4, 10, 16]);
    expect(scan.startsOfAny([1])).toEqual([4, 16]);
    // A rule that is not located has no starts to give.
    expect(scan.startsOfAny([2])).toEqual([]);
  });

  it('agrees with a regex on random texts over a small alphabet', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const word = (length: number) => Array.from({ length }, () => 'abAB-\u017f'[Math.floor(next() * 6)]).join('');
      const rules = Array.from({ length: 1 + Math.floor(next() * 5) }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => word(1 + Math.floor(next() * 3)).toLowerCase()));
      const anchored = rules.map(() => next() < 0.7);
      const text = word(Math.floor(next() * 60));
      const scan = keywordIndexOf(rules, anchored, searchWithoutAutomaton).scan(text);
      rules.forEach((keywords, rule) => {
        const expected = anchored[rule] && !keywords.some((keyword) => /[^\x00-\x7f]/.test(keyword)) ? startsByRegex(keywords, text) : undefined;
        expect(scan.starts(rule), `seed ${seed}: ${JSON.stringify(rules)} in ${JSON.stringify(text)}`).toEqual(expected);
      });
    }
  });
});
