import { describe, expect, it } from 'vitest';
import { captureGroupCount, compileRuleRegex, compileSearchRegex, withoutUnrolling } from '../../src/ruleset/regex.js';
import { seeded } from '../helpers/seeded.js';

describe('captureGroupCount', () => {
  it('counts plain and named groups, not non-capturing groups, lookarounds, escapes or classes', () => {
    const cases: [string, number][] = [
      ['(a)(b)', 2],
      ['(?:a)(?<name>b)', 1],
      ['(?=a)(?!b)(?<=c)(?<!d)(e)', 1],
      ['\\(a\\)[(](b)', 1],
      ['[\\](](x)', 1],
      ['no groups', 0],
    ];
    for (const [source, expected] of cases) {
      expect(captureGroupCount(source), source).toBe(expected);
      expect(new RegExp(`${source}|`).exec('')!.length - 1, source).toBe(expected);
    }
  });
});

describe('withoutUnrolling', () => {
  it('puts an always-true look-ahead after each brace quantifier of at most three, and nowhere else', () => {
    expect(withoutUnrolling('a[ \\t]{0,3}b{1,3}?c{2}d{0,4}e{3,}f?')).toBe('a[ \\t]{0,3}(?=)b{1,3}?(?=)c{2}(?=)d{0,4}e{3,}f?');
    expect(withoutUnrolling('[{0,3}]\\{0,3}x{,3}')).toBe('[{0,3}]\\{0,3}x{,3}');
  });

  it('leaves every match as it was, groups and their offsets included, on random regexes and texts', () => {
    const next = seeded(11);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const atoms = ['a', 'b', '[ab]', '(a|b)', '(?:ab)', '\\{', '[{}]', '.', '(?<=a)', '\\b'];
    const quantifiers = ['', '', '?', '*', '{0,3}', '{1,3}', '{2}', '{0,3}?', '{1,2}?', '{0,5}', '{3,}'];
    for (let round = 0; round < 2000; round++) {
      const source = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
        const atom = pick(atoms);
        return atom === '(?<=a)' || atom === '\\b' ? atom : atom + pick(quantifiers);
      }).join('');
      const text = Array.from({ length: 30 }, () => pick(['a', 'b', '{', '}', ' '])).join('');
      const plain = compileRuleRegex(source, '');
      const search = compileSearchRegex(source, '', 'global');
      const matches = (regex: RegExp) => [...text.matchAll(regex)].map((match) => JSON.stringify([match.index, [...match], match.indices]));
      expect(matches(search), `${source} on ${JSON.stringify(text)}`).toEqual(matches(plain));
    }
  });
});
