import { describe, expect, it } from 'vitest';
import { base64Runs } from '../../src/detect/base64.js';

/** The definition the loop implements, as a regex. */
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,4096}={0,2}(?![A-Za-z0-9+/_=-])/g;

function byRegex(text: string): number[] {
  return [...text.matchAll(BASE64_RUN)].flatMap((match) => [match.index, match.index + match[0].length]);
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

describe('base64Runs', () => {
  it('finds whole runs of 20 to 4096 characters with at most two = of padding', () => {
    const run = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldY';
    const cases = [
      `key: "${run}"`, `${run}=`, `${run}==`, `${run}===`, `${run}=x`, `${run}==A`, `${run}=;next`, 'a'.repeat(19), 'a'.repeat(20),
      'b'.repeat(4096), 'b'.repeat(4097), `${'c'.repeat(4096)}==`, `x=${run}=y`, `${run}\u00e9${run}`, `-_+/${run}`, `${run}=${run}`, '',
    ];
    for (const text of cases) expect(base64Runs(text), text.slice(0, 60)).toEqual(byRegex(text));
  });

  it('agrees with the regex on random texts mixing the alphabet, padding and separators', () => {
    // Long texts of many pieces too: the loop reads only every 20th character until it meets the alphabet.
    for (let seed = 1; seed <= 3000; seed++) {
      const next = random(seed);
      const pieces = Array.from({ length: Math.floor(next() * (seed % 2 === 0 ? 8 : 60)) }, () => {
        const roll = next();
        if (roll < 0.5) return 'aZ09+/_-'.repeat(8).slice(0, Math.floor(next() * 40));
        if (roll < 0.7) return '='.repeat(1 + Math.floor(next() * 3));
        return ' ."\u00e9\n'[Math.floor(next() * 5)]!;
      });
      const text = pieces.join('');
      expect(base64Runs(text), `seed ${seed}: ${JSON.stringify(text)}`).toEqual(byRegex(text));
    }
  });
});
