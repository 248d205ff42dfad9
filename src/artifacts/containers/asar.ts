/**
 * Electron asar: a Chromium pickle holding a JSON header, then the files' bytes back to back.
 * Files marked `unpacked` live beside the archive in `app.asar.unpacked/` and are scanned there.
 */
import { FormatError } from '../strings.js';
import { EntryError, overlappingSpans, tooManyEntries, type ContainerEntry, type ContainerListing, type ContainerNotice } from './container.js';

/** Larger JSON headers are refused before parsing: a real app's header is a few megabytes. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 64;

export function isAsar(bytes: Uint8Array): boolean {
  if (bytes.length < 25) return false;
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return data.getUint32(0, true) === 4 && Buffer.from(bytes.buffer, bytes.byteOffset + 16, 9).toString('latin1').startsWith('{"files"');
}

/** A header node as JSON gives it: nothing about its shape is known until checked. */
type RawNode = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is RawNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** asar writes offsets as decimal strings (they can pass 2^32) and sizes as numbers; either is accepted. */
function byteCount(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** A name for a one-line message: escaped, and cut when a hostile header makes it long. */
function quoted(path: string): string {
  return JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}…` : path);
}

function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

type Child =
  | { readonly kind: 'folder'; readonly files: RawNode }
  | { readonly kind: 'file'; readonly size: number; readonly offset: number }
  | { readonly kind: 'unpacked' | 'link' }
  | { readonly kind: 'damaged'; readonly problem: string };

/** What a header node is, or why it is none of the things an asar holds. */
export function classifyAsarNode(node: unknown): Child {
  if (!isObject(node)) return { kind: 'damaged', problem: `is ${shapeOf(node)}, not a file or folder` };
  if (Object.hasOwn(node, 'files')) return isObject(node['files']) ? { kind: 'folder', files: node['files'] } : { kind: 'damaged', problem: `has "files" that is ${shapeOf(node['files'])}` };
  if (node['unpacked'] === true) return { kind: 'unpacked' };
  if (Object.hasOwn(node, 'link')) return { kind: 'link' };
  const size = byteCount(node['size']);
  const offset = byteCount(node['offset']);
  if (size === undefined) return { kind: 'damaged', problem: `has an impossible size (${JSON.stringify(node['size'])?.slice(0, 40)})` };
  if (offset === undefined) return { kind: 'damaged', problem: `has an impossible offset (${JSON.stringify(node['offset'])?.slice(0, 40)})` };
  return { kind: 'file', size, offset };
}

export function listAsar(bytes: Uint8Array, maxEntries: number): ContainerListing {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pickleSize = data.getUint32(4, true);
  const jsonLength = data.getUint32(12, true);
  if (jsonLength > MAX_HEADER_BYTES || 16 + jsonLength > bytes.length) throw new FormatError(`asar header of ${jsonLength} bytes does not fit the file`);
  let root: unknown;
  try {
    root = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 16, jsonLength).toString('utf8'));
  } catch {
    throw new FormatError('asar header is not valid JSON');
  }
  const top = classifyAsarNode(root);
  if (top.kind !== 'folder') throw new FormatError('asar header holds no "files" folder');
  const base = 8 + pickleSize;
  const files: { readonly path: string; readonly start: number; readonly size: number }[] = [];
  const notices: ContainerNotice[] = [];
  const damaged: string[] = [];
  let unpacked = 0;
  let truncated = false;
  // Folders are walked with a stack of frames, not by recursion, so no header can exhaust the call stack.
  const frames: { readonly files: RawNode; readonly names: readonly string[]; next: number; readonly path: string }[] = [{ files: top.files, names: Object.keys(top.files), next: 0, path: '' }];
  while (frames.length > 0) {
    const frame = frames.at(-1)!;
    const name = frame.names[frame.next++];
    if (name === undefined) {
      frames.pop();
      continue;
    }
    const path = frame.path === '' ? name : `${frame.path}/${name}`;
    const child = classifyAsarNode(frame.files[name]);
    if (child.kind === 'folder') {
      if (frames.length > MAX_DEPTH) damaged.push(`${quoted(path)} nests deeper than ${MAX_DEPTH} folders`);
      else frames.push({ files: child.files, names: Object.keys(child.files), next: 0, path });
    } else if (child.kind === 'unpacked') unpacked++;
    else if (child.kind === 'damaged') damaged.push(`${quoted(path)} ${child.problem}`);
    else if (child.kind === 'file') {
      if (files.length < maxEntries) files.push({ path, start: base + child.offset, size: child.size });
      else truncated = true;
    }
  }
  if (truncated) notices.push(tooManyEntries(maxEntries));
  const refused = overlappingSpans(files.map((file) => ({ start: file.start, end: file.start + file.size })));
  if (refused.size > 0) notices.push({ code: 'archive-limit', message: `${refused.size} files share bytes with others (an overlapping-entry bomb); not scanned` });
  const entries = files.filter((_, index) => !refused.has(index)).map((file) => asarEntry(bytes, file.start, file.path, file.size));
  if (damaged.length > 0) notices.push({ code: 'archive-damaged', message: `${damaged.length} damaged header entries, not scanned (first: ${damaged[0]})` });
  if (unpacked > 0) notices.push({ code: 'archive-unpacked', message: `${unpacked} files are unpacked beside the archive (app.asar.unpacked/); scan that folder too` });
  return { entries, notices };
}

function asarEntry(bytes: Uint8Array, start: number, name: string, size: number): ContainerEntry {
  return {
    name,
    storedSize: size,
    read: (limit) => {
      if (start + size > bytes.length) throw new EntryError('damaged', 'offset or size lies outside the archive');
      if (size > limit) throw new EntryError('too-large', `${size} bytes is over the ${limit}-byte limit`);
      return bytes.subarray(start, start + size);
    },
  };
}
