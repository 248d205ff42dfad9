import { describe, expect, it } from 'vitest';
import { entropyGate, shannonEntropy } from '../../src/detect/entropy.js';
import { randomString, seeded } from '../helpers/seeded.js';

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

describe('entropyGate: a catch-all gate eased to what random keys of the value\'s own alphabet reach', () => {
  const ALPHABETS: Readonly<Record<string, string>> = {
    hex: '0123456789abcdef',
    'upper-case hex': '0123456789ABCDEF',
    'lower-case and digits': 'abcdefghijklmnopqrstuvwxyz0123456789',
    base62: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
    base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  };
  const SAMPLES = 20_000;

  for (const [name, alphabet] of Object.entries(ALPHABETS)) {
    it(`passes at least 99.9% of random ${name} keys of 16 to 40 characters at the generic gates (3.3 and 3.5 bits)`, () => {
      const next = seeded(name.length * 104_729);
      for (const gate of [3.3, 3.5]) {
        const dropped: string[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const value = randomString(next, alphabet, 16 + Math.floor(next() * 25));
          // A key without a digit or a letter is judged like any other value; the alphabet draws few.
          if (shannonEntropy(value) < entropyGate(value, gate) && /[0-9]/.test(value) && /[A-Za-z]/.test(value)) dropped.push(value);
        }
        expect(dropped.length, `${gate}: ${dropped.slice(0, 3).join(' ')}`).toBeLessThanOrEqual(SAMPLES / 1000);
      }
    });
  }

  it('never raises a gate, and keeps it for short values, numbers and words', () => {
    expect(entropyGate('e8104686660392b8e0cc8ad863d0e04d', 3.5)).toBeLessThan(3.3);
    expect(entropyGate('e8104686660392b8e0cc8ad863d0e04d', 2.0)).toBe(2.0);
    for (const value of ['e8104686660392b', '12345678901234567890123456789012', 'abcdefabcdefabcdefabcdefabcdef', 'passwordpasswordpassword']) {
      expect(entropyGate(value, 3.5), value).toBe(3.5);
    }
  });

  it('still refuses repeated patterns of a few symbols', () => {
    for (const value of ['deadbeefdeadbeefdeadbeef00', '1111111122222222333333334444', 'a1a1a1a1b2b2b2b2c3c3c3c3']) {
      expect(shannonEntropy(value) < entropyGate(value, 3.3), value).toBe(true);
    }
  });
});
