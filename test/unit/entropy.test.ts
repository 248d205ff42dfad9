import { describe, expect, it } from 'vitest';
import { shannonEntropy } from '../../src/detect/entropy.js';

describe('shannonEntropy', () => {
  it('is 0 for empty and constant strings', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
  });

  it('is exactly 1 bit for two equiprobable symbols', () => {
    expect(shannonEntropy('abababab')).toBe(1);
  });

  it('is log2(n) for n distinct symbols', () => {
    expect(shannonEntropy('0123456789abcdef')).toBe(4);
  });

  it('grows when distinct symbols are added', () => {
    const values = ['aabb', 'aabbcc', 'aabbccdd', 'aabbccddeeff'];
    const entropies = values.map(shannonEntropy);
    expect([...entropies].sort((a, b) => a - b)).toEqual(entropies);
    expect(new Set(entropies).size).toBe(values.length);
  });
});
