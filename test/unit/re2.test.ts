import { describe, expect, it } from 'vitest';
import { translateRe2 } from '../../src/ruleset/re2.js';

function js(source: string): { source: string; flags: string } {
  const result = translateRe2(source);
  if (!result.ok) throw new Error(result.reason);
  return { source: result.source, flags: result.flags };
}

describe('translateRe2', () => {
  it('turns leading inline flags into JavaScript flags', () => {
    expect(js('(?i)abc')).toEqual({ source: 'abc', flags: 'i' });
    expect(js('(?is)a.b')).toEqual({ source: 'a.b', flags: 'is' });
  });

  it('applies scoped and mid-pattern case-insensitivity by folding letters', () => {
    expect(js('(?i:ab)c').source).toBe('(?:[aA][bB])c');
    expect(js('\\b(?i)(?:p8e-)[a-z0-9]{4}').source).toBe('\\b(?:[pP]8[eE]-)[a-zA-Z0-9]{4}');
    const regex = new RegExp(js('key_(?i:secret)=').source);
    expect(regex.test('key_SeCrEt=')).toBe(true);
    expect(regex.test('KEY_secret=')).toBe(false);
  });

  it('translates \\A, \\z, POSIX classes, \\Q...\\E, named groups and \\x{...}', () => {
    expect(js('\\A[[:alnum:]]{2}\\z').source).toBe('(?<![\\s\\S])[A-Za-z0-9]{2}(?![\\s\\S])');
    expect(js('[[:xdigit:]_]').source).toBe('[0-9A-Fa-f_]');
    expect(js('\\Qa.b*\\E').source).toBe('a\\.b\\*');
    expect(js('(?P<secret>x)').source).toBe('(?<secret>x)');
    expect(js('\\x{41}').source).toBe('\\u0041');
  });

  it('scopes dot-all and multi-line set mid-pattern', () => {
    const dotAll = new RegExp(js('a(?s:.)b').source);
    expect(dotAll.test('a\nb')).toBe(true);
    const multiline = new RegExp(js('x\\n(?m:^y$)').source);
    expect(multiline.test('x\ny\nz')).toBe(true);
  });

  it('refuses what JavaScript cannot express, with a reason', () => {
    expect(translateRe2('(?U)a+')).toEqual({ ok: false, reason: 'the ungreedy flag (?U) has no JavaScript equivalent' });
    expect(translateRe2('\\pL+')).toMatchObject({ ok: false, reason: expect.stringContaining('Unicode') });
    expect(translateRe2('(a')).toMatchObject({ ok: false, reason: 'unterminated group' });
  });
});
