import { describe, expect, it } from 'vitest';
import { startsAtKeyword } from '../../src/ruleset/anchor.js';
import { compileRuleset } from '../../src/ruleset/compile.js';
import { loadRuleset } from '../../src/ruleset/load.js';
import { detect } from '../../src/detect/detector.js';
import { seeded } from '../helpers/seeded.js';

describe('startsAtKeyword', () => {
  it.each([
    ['key(?<=api_key)x', 'i', ['key']],
    ['(?:key|secret)[ =]+(\\w+)', 'i', ['key', 'secret']],
    ['\\b(ghp_[A-Za-z0-9]{36})\\b', '', ['ghp_']],
    ['\\.login\\(([^)]+)\\)', '', ['.login(']],
    ['(?=\\w)(?<!a)^KEY=', 'm', ['key']],
    ['(?<secret>sk_live_\\w+)|rk_live_\\w+', '', ['sk_live_', 'rk_live_']],
    ['(?:(?:api|app)_key|token)=', 'i', ['api_key', 'app_key', 'token']],
    ['apikeys?=', '', ['apikey']],
    ['\\.(?:login|logIn|auth)\\([ \\t]*"', '', ['.login(', '.auth(']],
    ['(?:|x)key', '', ['key', 'xkey']],
    ['ab\\bcd', '', ['abcd']],
  ] as const)('%s (flags %j, keywords %j): every match starts at a keyword', (source, flags, keywords) => {
    expect(startsAtKeyword(source, flags, keywords)).toBe(true);
  });

  it.each([
    ['[a-z]key=', 'i', ['key'], 'a class comes first'],
    ['(?:key)?secret', 'i', ['key', 'secret'], 'an optional group'],
    ['keys?=', '', ['keys'], 'the s may be absent'],
    ['a|key', '', ['key'], 'one alternative starts elsewhere'],
    ['(?:key|\\dx)', '', ['key'], 'an alternative starts with a class escape'],
    ['x(?=key)', '', ['key'], 'the keyword is only looked at'],
    ['(?=a)?key', '', ['key'], 'a quantified assertion'],
    ['key', 'iu', ['key'], 'with u, i folds the Kelvin sign onto k'],
    ['clé=', 'i', ['clé'], 'the prefilter finds non-ASCII keywords with a regex, not the automaton'],
    ['key', '', [], 'no keywords'],
    ['(key', '', ['key'], 'an unclosed group'],
    ['api_key', 'i', ['key'], 'the keyword is inside the literal, not at its start'],
    ['(?:(?:api|app)s?_key|token)=', 'i', ['api_key', 'app_key', 'token'], 'the s may be absent'],
    ['\\.(?:login|auth\\w*)\\(', '', ['.login(', '.auth('], 'a class escape ends the prefix .auth'],
  ] as const)('%s (flags %j, keywords %j): no, %s', (source, flags, keywords) => {
    expect(startsAtKeyword(source, flags, keywords)).toBe(false);
  });

  it('is sound on random regexes: where it says yes, every match starts at a keyword', () => {
    const next = seeded(7);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const pieces = ['ab', 'b', 'a?', '[ab]', '\\b', '(?=a)', '(?<!b)', '(?:a|ba)', '(?:ab)?', 'a|b', '(b)', '\\.', '.', 'a*', '^', '(?:|b)', 'a+', '(?:a(?:b|))'];
    let sayYes = 0;
    for (let round = 0; round < 3000; round++) {
      const source = Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(pieces)).join('');
      const keywords = [pick(['a', 'ab', 'b', 'ba', '.'])];
      if (!startsAtKeyword(source, 'i', keywords)) continue;
      sayYes++;
      const text = Array.from({ length: 40 }, () => pick(['a', 'b', 'A', 'B', '.', ' '])).join('');
      const regex = new RegExp(source, 'gi');
      for (const match of text.matchAll(regex)) {
        expect(keywords.some((keyword) => text.slice(match.index).toLowerCase().startsWith(keyword)), `${source} ${JSON.stringify(keywords)} at ${match.index} of ${JSON.stringify(text)}`).toBe(true);
      }
    }
    expect(sayYes).toBeGreaterThan(100);
  });
});

describe('anchored rules in the detector', () => {
  it('find what a search along the whole text finds, for every built-in rule that starts at its keywords', async () => {
    const spec = await loadRuleset({});
    const anchored = compileRuleset(spec);
    const wholeText = { ...anchored, rules: anchored.rules.map((rule) => ({ ...rule, sticky: undefined })) };
    const examples = spec.rules.flatMap((rule) => [...rule.examples.map((example) => example.text), ...rule.negativeExamples.map((example) => example.text)]);
    expect(anchored.rules.filter((rule) => rule.sticky !== undefined).length).toBeGreaterThan(300);
    // Examples run together, so matches meet each other's text, and again after a one-character shift.
    for (const text of [examples.join('\n'), examples.join(' x'), `${examples.join('')}`]) {
      const target = { text, provenance: { kind: 'file' as const, path: 'config/settings.env' } };
      expect(detect(target, anchored)).toEqual(detect(target, wholeText));
    }
  });
});

describe('startsAtKeyword on hostile sources', () => {
  it('answers no, without running out of stack, for groups nested thousands deep', () => {
    expect(startsAtKeyword(`${'(?:'.repeat(50_000)}key${')'.repeat(50_000)}`, '', ['key'])).toBe(false);
    expect(startsAtKeyword(`${'(?:'.repeat(8)}key${')'.repeat(8)}`, '', ['key'])).toBe(true);
  });
});

describe('startsAtKeyword on wide alternations', () => {
  it('ends its prefixes before a group that would multiply them past its bound (shorter prefixes, never wrong ones)', () => {
    const group = (letter: string, count: number) => `(?:${Array.from({ length: count }, (_, index) => `${letter}${index}`).join('|')})`;
    // 250 ways, then 300,000: read through, the two groups would make 75 million prefixes.
    const wide = `${group('a', 250)}${group('b', 300_000)}=x`;
    expect(startsAtKeyword(wide, '', ['a', 'a_longer_keyword'])).toBe(true);
    expect(startsAtKeyword(wide, '', ['a1', 'a_longer_keyword'])).toBe(false);
  });
});
