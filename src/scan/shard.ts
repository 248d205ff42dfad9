/**
 * One part of a scan split N ways: a history by commit, a tree by path. Membership is a hash of the
 * commit id or path, so every machine that runs shard i of N picks the same items without talking to
 * the others, and every item lands in exactly one shard.
 */
export interface Shard {
  /** 1-based: shard 1/4 is the first of four. */
  readonly index: number;
  readonly count: number;
}

/** Enough for any CI matrix or job array; more shards than this would each hold almost nothing. */
export const MAX_SHARDS = 10_000;

/** `i/N` → the shard, or a sentence saying what is wrong with it. */
export function parseShard(value: string): Shard | string {
  const match = /^(\d{1,5})\/(\d{1,5})$/.exec(value);
  if (!match) return 'must be i/N, for example 1/4';
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) return `N must be between 1 and ${MAX_SHARDS}`;
  if (index < 1 || index > count) return `i must be between 1 and N (${count})`;
  return { index, count };
}

/** FNV-1a over the UTF-16 code units: stable across platforms and Node versions, and spread well enough. */
function hash(key: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) value = Math.imul(value ^ key.charCodeAt(i), 0x01000193);
  return value >>> 0;
}

export function inShard(key: string, shard: Shard): boolean {
  return hash(key) % shard.count === shard.index - 1;
}
