import { describe, expect, it } from 'vitest';
import { captureGroupCount } from '../../src/ruleset/regex.js';

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
