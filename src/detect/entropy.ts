/** Shannon entropy of a string in bits per character (per UTF-16 code unit). */

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
