/** A seeded random generator (mulberry32): random-looking values that are the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string of `length` characters drawn from `alphabet`. */
export function randomString(next: () => number, alphabet: string, length: number): string {
  let value = '';
  for (let i = 0; i < length; i++) value += alphabet[Math.floor(next() * alphabet.length)];
  return value;
}
