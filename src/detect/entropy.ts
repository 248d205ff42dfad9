/** Shannon entropy of a string in bits per character (per UTF-16 code unit). */
import { ENTROPY_FLOOR, FLOOR_MIN_LENGTH } from './entropy-floor.js';

const counts = new Map<number, number>();

export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  counts.clear();
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** The key alphabet a value of letters and digits is written in, by its size; undefined for what holds no digit or no letter. */
function keyAlphabet(value: string): 16 | 36 | 62 | 64 | undefined {
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return undefined;
  if (/^(?:[0-9a-f]+|[0-9A-F]+)$/.test(value)) return 16;
  if (/^(?:[0-9a-z]+|[0-9A-Z]+)$/.test(value)) return 36;
  if (/^[0-9A-Za-z]+$/.test(value)) return 62;
  return 64;
}

/**
 * The entropy a value must reach: the rule's gate, lowered to what 99.95% of random keys of the
 * value's own alphabet and length reach. A gate written for mixed-case keys would otherwise drop
 * one random 32-character hex key in five (they average 3.6 bits) and most 20-character ones.
 * Only values of 16 or more characters holding letters and digits are eased: words, numbers
 * and short passwords keep the rule's gate.
 */
export function entropyGate(value: string, ruleGate: number): number {
  if (value.length < FLOOR_MIN_LENGTH) return ruleGate;
  const alphabet = keyAlphabet(value);
  if (alphabet === undefined) return ruleGate;
  const floors = ENTROPY_FLOOR[alphabet];
  return Math.min(ruleGate, floors[Math.min(value.length - FLOOR_MIN_LENGTH, floors.length - 1)]!);
}
