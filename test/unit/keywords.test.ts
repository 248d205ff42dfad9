import { describe, expect, it } from 'vitest';
import { keywordIndex } from '../../src/detect/keywords.js';

describe('keywordIndex', () => {
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
