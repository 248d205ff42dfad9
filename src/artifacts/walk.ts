/**
 * Walks a container and the containers inside it, in memory, and hands every leaf (a file that is
 * not itself a container) to `visit` with its chain of names: `app.apk` → `assets/sdk.aar` →
 * `classes.jar` → `com/acme/Keys.class`. Every limit hit and every damaged container is a remark;
 * the walk goes on with the next entry.
 */
import { FormatError } from './strings.js';
import { RATIO_FLOOR, type ArchiveLimits } from './limits.js';
import { EntryError, type ContainerEntry, type ContainerListing, type ContainerNotice } from './containers/container.js';
import { isZip, listZip } from './containers/zip.js';
import { isTar, listTar } from './containers/tar.js';
import { isGzip, listGzip } from './containers/gzip.js';
import { isAsar, listAsar } from './containers/asar.js';

export type ContainerKind = 'zip' | 'crx' | 'tar' | 'gzip' | 'asar';

export interface Leaf {
  /** Entry names from the outermost container in; empty for a file that is not in a container. */
  readonly chain: readonly string[];
  /** Its own name: the last entry name, or the file's name when it is in no container. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The kinds of the containers around it, outermost first. */
  readonly containers: readonly ContainerKind[];
  /** A file beside this one in the same container, read within the same budget. */
  readonly sibling: (name: string) => Uint8Array | undefined;
}

export interface WalkRemark {
  /** Entry names down to the container or entry the remark is about. */
  readonly chain: readonly string[];
  readonly code: ContainerNotice['code'] | 'entry-unreadable' | 'entry-damaged';
  readonly message: string;
}

const CRX_MAGIC = 'Cr24';

export function containerKind(bytes: Uint8Array): ContainerKind | undefined {
  if (isZip(bytes)) return 'zip';
  if (bytes.length > 16 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === CRX_MAGIC) return 'crx';
  if (isGzip(bytes)) return 'gzip';
  if (isAsar(bytes)) return 'asar';
  if (isTar(bytes)) return 'tar';
  return undefined;
}

function list(kind: ContainerKind, bytes: Uint8Array, name: string, limits: ArchiveLimits): ContainerListing {
  switch (kind) {
    case 'zip':
    case 'crx':
      // A CRX is its signature header followed by a zip; the zip reader finds where it starts.
      return listZip(bytes, limits.maxEntries);
    case 'tar':
      return listTar(bytes, limits.maxEntries);
    case 'gzip':
      return listGzip(bytes, name);
    case 'asar':
      return listAsar(bytes, limits.maxEntries);
  }
}

class Budget {
  private used = 0;
  constructor(private readonly limits: ArchiveLimits) {}

  /** The most bytes `entry` may decompress to now; the reason when that is the binding limit. */
  allowance(entry: ContainerEntry): { readonly bytes: number; readonly reason: string } {
    const remaining = this.limits.maxTotalBytes - this.used;
    const byRatio = Math.max(RATIO_FLOOR, entry.storedSize * this.limits.maxRatio);
    const candidates = [
      { bytes: this.limits.maxEntryBytes, reason: `larger than ${this.limits.maxEntryBytes} bytes (--max-entry-size)` },
      { bytes: remaining, reason: `the artifact's ${this.limits.maxTotalBytes} decompressed bytes are used up (--max-archive-size)` },
      { bytes: byRatio, reason: `expands more than ${this.limits.maxRatio}:1 from ${entry.storedSize} stored bytes: a compression bomb (--max-compression-ratio)` },
    ];
    return candidates.reduce((least, candidate) => (candidate.bytes < least.bytes ? candidate : least));
  }

  spend(bytes: number): void {
    this.used += bytes;
  }
}

interface Walk {
  /** The top-level file's name, which names what a top-level gzip holds. */
  readonly name: string;
  readonly limits: ArchiveLimits;
  readonly budget: Budget;
  readonly visit: (leaf: Leaf) => void;
  readonly remarks: WalkRemark[];
}

function readWithin(walk: Walk, entry: ContainerEntry, chain: readonly string[]): Uint8Array | undefined {
  const allowance = walk.budget.allowance(entry);
  try {
    const bytes = entry.read(allowance.bytes);
    walk.budget.spend(bytes.length);
    return bytes;
  } catch (error) {
    if (!(error instanceof EntryError)) throw error;
    const tooLarge = error.problem === 'too-large';
    walk.remarks.push({ chain, code: tooLarge ? 'archive-limit' : 'entry-unreadable', message: tooLarge ? `not scanned: ${allowance.reason}` : `not scanned: ${error.message}` });
    return undefined;
  }
}

function walkContainer(walk: Walk, kind: ContainerKind, bytes: Uint8Array, chain: readonly string[], kinds: readonly ContainerKind[]): void {
  let listing: ContainerListing;
  try {
    listing = list(kind, bytes, chain.at(-1) ?? walk.name, walk.limits);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    walk.remarks.push({ chain, code: 'archive-damaged', message: `damaged ${kind}: ${error.message}; its entries were not scanned` });
    return;
  }
  listing.notices.forEach((notice) => walk.remarks.push({ chain, ...notice }));
  const inside = [...kinds, kind];
  const byName = new Map<string, ContainerEntry>();
  for (const entry of listing.entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  const siblingCache = new Map<string, Uint8Array | undefined>();
  const sibling = (name: string): Uint8Array | undefined => {
    if (!siblingCache.has(name)) {
      const entry = byName.get(name);
      siblingCache.set(name, entry === undefined ? undefined : readWithin(walk, entry, [...chain, name]));
    }
    return siblingCache.get(name);
  };
  for (const entry of listing.entries) {
    const entryChain = [...chain, entry.name];
    const content = readWithin(walk, entry, entryChain);
    if (content === undefined) continue;
    const damage = entry.damage?.(content);
    if (damage !== undefined) walk.remarks.push({ chain: entryChain, code: 'entry-damaged', message: `${damage}; scanned as it is` });
    walkBytes(walk, content, entryChain, inside, sibling);
  }
}

function walkBytes(walk: Walk, bytes: Uint8Array, chain: readonly string[], kinds: readonly ContainerKind[], sibling: Leaf['sibling']): void {
  const kind = containerKind(bytes);
  if (kind === undefined) {
    walk.visit({ chain, name: chain.at(-1) ?? walk.name, bytes, containers: kinds, sibling });
    return;
  }
  if (kinds.length >= walk.limits.maxDepth) {
    walk.remarks.push({ chain, code: 'archive-limit', message: `${kind} nested ${kinds.length + 1} deep is past the depth limit of ${walk.limits.maxDepth} (--max-archive-depth); not opened` });
    return;
  }
  walkContainer(walk, kind, bytes, chain, kinds);
}

/** Visits every leaf of `bytes`, the file `name` (the file itself when it is no container). */
export function walkArtifact(bytes: Uint8Array, name: string, limits: ArchiveLimits, visit: (leaf: Leaf) => void): WalkRemark[] {
  const walk: Walk = { name, limits, budget: new Budget(limits), visit, remarks: [] };
  walkBytes(walk, bytes, [], [], () => undefined);
  return walk.remarks;
}
