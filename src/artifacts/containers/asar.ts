/**
 * Electron asar: a Chromium pickle holding a JSON header, then the files' bytes back to back.
 * Files marked `unpacked` live beside the archive in `app.asar.unpacked/` and are scanned there.
 */
import { FormatError } from '../strings.js';
import { EntryError, tooManyEntries, type ContainerEntry, type ContainerListing, type ContainerNotice } from './container.js';

/** Larger JSON headers are refused before parsing: a real app's header is a few megabytes. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 64;

export function isAsar(bytes: Uint8Array): boolean {
  if (bytes.length < 17) return false;
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return data.getUint32(0, true) === 4 && Buffer.from(bytes.buffer, bytes.byteOffset + 16, 9).toString('latin1').startsWith('{"files"');
}

interface AsarNode {
  readonly files?: Record<string, AsarNode>;
  readonly size?: number;
  readonly offset?: string;
  readonly unpacked?: boolean;
  readonly link?: string;
}

export function listAsar(bytes: Uint8Array, maxEntries: number): ContainerListing {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pickleSize = data.getUint32(4, true);
  const jsonLength = data.getUint32(12, true);
  if (jsonLength > MAX_HEADER_BYTES || 16 + jsonLength > bytes.length) throw new FormatError(`asar header of ${jsonLength} bytes does not fit the file`);
  let root: AsarNode;
  try {
    root = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 16, jsonLength).toString('utf8')) as AsarNode;
  } catch {
    throw new FormatError('asar header is not valid JSON');
  }
  const base = 8 + pickleSize;
  const entries: ContainerEntry[] = [];
  const notices: ContainerNotice[] = [];
  let unpacked = 0;
  const visit = (node: AsarNode, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new FormatError(`asar folders nest deeper than ${MAX_DEPTH}`);
    for (const [name, child] of Object.entries(node.files ?? {})) {
      const childPath = path === '' ? name : `${path}/${name}`;
      if (child.files !== undefined) visit(child, childPath, depth + 1);
      else if (child.unpacked) unpacked++;
      else if (child.link === undefined && entries.length < maxEntries) entries.push(asarEntry(bytes, base, childPath, child));
    }
  };
  visit(root, '', 0);
  if (entries.length >= maxEntries) notices.push(tooManyEntries(maxEntries));
  if (unpacked > 0) notices.push({ code: 'archive-unpacked', message: `${unpacked} files are unpacked beside the archive (app.asar.unpacked/); scan that folder too` });
  return { entries, notices };
}

function asarEntry(bytes: Uint8Array, base: number, name: string, node: AsarNode): ContainerEntry {
  const size = Number(node.size ?? 0);
  const start = base + Number(node.offset ?? Number.NaN);
  return {
    name,
    storedSize: size,
    read: (limit) => {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || size < 0 || start + size > bytes.length) throw new EntryError('damaged', 'offset or size lies outside the archive');
      if (size > limit) throw new EntryError('too-large', `${size} bytes is over the ${limit}-byte limit`);
      return bytes.subarray(start, start + size);
    },
  };
}
