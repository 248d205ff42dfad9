/**
 * Reads one file's bytes within a size limit, or explains in a notice why it was not read. Only
 * regular files are opened for reading: a FIFO would block forever, a device such as /dev/zero
 * never ends, and a path can be swapped for either between listing and reading.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import type { Notice } from '../types.js';

/** A path as fs takes it: raw bytes for a name that is not UTF-8 (its string form cannot open it). */
export type FsPath = string | Uint8Array;

/** A NUL byte in the first 8 KiB marks a binary file, as git and gitleaks decide it. */
const SNIFF_BYTES = 8192;
/** Enough of a file to tell its format by magic number (tar's sits at byte 257). */
const HEAD_BYTES = 512;
/** How much of a file tells UTF-16 without a byte-order mark by where its NUL bytes sit. */
const UTF16_SNIFF_BYTES = 1024;
/** Share of the sniffed UTF-16 code units that must be printable ASCII with a NUL other half. */
const UTF16_ASCII_SHARE = 0.9;
/** Fewer code units than this say nothing about an encoding. */
const UTF16_LEAST_UNITS = 4;
/** Reads past the size fstat gave (a growing file, a /proc entry reporting 0) go this much at a time. */
const READ_CHUNK_BYTES = 1 << 20;
/**
 * The longest text one JavaScript string holds: decoding more throws ERR_STRING_TOO_LONG. UTF-8
 * and UTF-16 never give more code units than bytes, so a file within it always decodes.
 */
export const MAX_TEXT_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** Configuration, ignore and baseline files are small; a larger one is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

/** O_NONBLOCK: if a regular file is swapped for a FIFO after the check, opening it still returns at once. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export type ReadOutcome =
  | { readonly kind: 'read'; readonly bytes: Buffer }
  | { readonly kind: 'skipped'; readonly bytes: number; readonly notice: Notice };

/** What stat and readdir entries can say about a file's type. */
interface FileTypeTests {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSymbolicLink(): boolean;
}

/** `a FIFO`, `a socket`..., for messages about what a path is instead of a regular file. */
export function fileKind(type: FileTypeTests): string {
  if (type.isFile()) return 'a regular file';
  if (type.isDirectory()) return 'a directory';
  if (type.isFIFO()) return 'a FIFO (named pipe)';
  if (type.isSocket()) return 'a socket';
  if (type.isCharacterDevice()) return 'a character device';
  if (type.isBlockDevice()) return 'a block device';
  if (type.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

/** Why a file system call failed, in words for a notice. */
export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'disappeared before it could be read';
    case 'EISDIR':
      return 'is a directory';
    case 'ENAMETOOLONG':
      return 'the path is too long for the operating system';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EIO':
      return 'input/output error';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

/** UTF-8 with the byte-order mark removed: editors and SARIF viewers do not count it as a column. */
export function decodeText(bytes: Uint8Array): { readonly text: string; readonly valid: boolean } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const valid = isUtf8(buffer);
  const text = buffer.toString('utf8');
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, valid };
}

function isPrintableAscii(byte: number | undefined): boolean {
  return byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte !== undefined && byte >= 0x20 && byte <= 0x7e);
}

/**
 * UTF-16 text: a byte-order mark says so (PowerShell profiles, .reg exports, Visual Studio files),
 * or, without one, mostly ASCII text whose every other byte is NUL. FF FE 00 00 is UTF-32's mark.
 */
export function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes[2] === 0 && bytes[3] === 0 ? undefined : 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes.length % 2 !== 0) return undefined;
  const units = Math.min(bytes.length, UTF16_SNIFF_BYTES) / 2;
  if (units < UTF16_LEAST_UNITS) return undefined;
  let little = 0;
  let big = 0;
  for (let unit = 0; unit < units; unit++) {
    const first = bytes[2 * unit];
    const second = bytes[2 * unit + 1];
    if (second === 0 && isPrintableAscii(first)) little++;
    if (first === 0 && isPrintableAscii(second)) big++;
  }
  if (little >= units * UTF16_ASCII_SHARE) return 'utf-16le';
  if (big >= units * UTF16_ASCII_SHARE) return 'utf-16be';
  return undefined;
}

/** UTF-16 text without its byte-order mark; invalid code units (a lone surrogate, an odd last byte) read as U+FFFD. */
export function decodeUtf16(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be'): { readonly text: string; readonly valid: boolean } {
  try {
    return { text: new TextDecoder(encoding, { fatal: true }).decode(bytes), valid: true };
  } catch {
    return { text: new TextDecoder(encoding).decode(bytes), valid: false };
  }
}

/** Raw path bytes arrive from a worker thread as a plain Uint8Array; fs's types want a Buffer. */
function pathLike(file: FsPath): string | Buffer {
  return typeof file === 'string' ? file : Buffer.from(file.buffer, file.byteOffset, file.byteLength);
}

/** What a non-regular file is, or undefined for a regular file; stat first, because opening a device can act on it. */
function notRegular(file: FsPath): string | undefined {
  const stats = statSync(pathLike(file));
  return stats.isFile() ? undefined : fileKind(stats);
}

/** Opens a regular file without blocking and checks it is still one; the caller closes it. */
function openRegular(file: FsPath): { readonly descriptor: number; readonly size: number } | { readonly notRegular: string } {
  const before = notRegular(file);
  if (before !== undefined) return { notRegular: before };
  const descriptor = openSync(pathLike(file), OPEN_FLAGS);
  const stats = fstatSync(descriptor);
  if (!stats.isFile()) {
    closeSync(descriptor);
    return { notRegular: fileKind(stats) };
  }
  return { descriptor, size: stats.size };
}

function readHead(descriptor: number): Uint8Array {
  const head = Buffer.alloc(HEAD_BYTES);
  return head.subarray(0, readSync(descriptor, head, 0, HEAD_BYTES, 0));
}

/**
 * Reads to the end, never more than `limit` bytes: undefined when the file holds more. A file can
 * grow after fstat, and /proc entries report a size of 0, so `expected` is only the first guess.
 */
function readToEnd(descriptor: number, expected: number, limit: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  let total = 0;
  for (let size = Math.min(expected, limit) + 1; ; size = READ_CHUNK_BYTES) {
    const chunk = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(descriptor, chunk, filled, size - filled, null);
      if (read === 0) break;
      filled += read;
    }
    chunks.push(chunk.subarray(0, filled));
    total += filled;
    if (total > limit) return undefined;
    if (filled < size) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  }
}

export type RegularRead = { readonly kind: 'read'; readonly bytes: Buffer } | { readonly kind: 'refused'; readonly reason: string };

/**
 * A regular file's bytes, at most `limit` of them; a FIFO, socket, device or directory, or a larger
 * file, is refused without being read. File system errors (missing, permission) are thrown.
 */
export function readRegularFile(file: FsPath, limit: number): RegularRead {
  const opened = openRegular(file);
  if ('notRegular' in opened) return { kind: 'refused', reason: `is ${opened.notRegular}, not a regular file` };
  try {
    const bytes = opened.size > limit ? undefined : readToEnd(opened.descriptor, opened.size, limit);
    return bytes === undefined ? { kind: 'refused', reason: `is over the ${limit}-byte limit` } : { kind: 'read', bytes };
  } finally {
    closeSync(opened.descriptor);
  }
}

/**
 * A configuration, rule, ignore or baseline file's text, as `fs.promises.readFile(file, 'utf8')`
 * gives it, but refusing (rejecting with the reason) what is not a regular file or is too large.
 */
export async function readRegularText(file: string, limit = MAX_CONFIG_BYTES): Promise<string> {
  const read = readRegularFile(file, limit);
  if (read.kind === 'refused') throw new Error(`${file} ${read.reason}`);
  return read.bytes.toString('utf8');
}

function tooLarge(display: string, size: number, bound: number, flag: string): ReadOutcome {
  return { kind: 'skipped', bytes: 0, notice: { level: 'note', code: 'file-too-large', message: `${size} bytes is over the ${bound}-byte limit (${flag}); not scanned`, path: display } };
}

/**
 * `maxFileSize` bounds ordinary files, and no text can be longer than MAX_TEXT_BYTES whatever the
 * flag says; a file over it is read anyway when `largerLimit` allows its head (an app package may
 * be hundreds of megabytes and is bounded by the archive limits instead).
 */
export function readFileWithin(file: FsPath, display: string, maxFileSize: number, largerLimit: (head: Uint8Array) => number | undefined): ReadOutcome {
  try {
    const opened = openRegular(file);
    if ('notRegular' in opened) {
      return { kind: 'skipped', bytes: 0, notice: { level: 'warning', code: 'not-a-file', message: `is ${opened.notRegular}, not a regular file; not read`, path: display } };
    }
    try {
      const { descriptor, size } = opened;
      const textLimit = Math.min(maxFileSize, MAX_TEXT_BYTES);
      let limit = textLimit;
      if (size > textLimit) {
        const larger = largerLimit(readHead(descriptor));
        if (larger === undefined || size > larger) {
          if (larger !== undefined) return tooLarge(display, size, larger, '--max-archive-size');
          if (textLimit === maxFileSize) return tooLarge(display, size, maxFileSize, '--max-file-size');
          return { kind: 'skipped', bytes: 0, notice: { level: 'warning', code: 'file-too-large', message: `${size} bytes is more text than one JavaScript string can hold (${MAX_TEXT_BYTES} bytes); not scanned`, path: display } };
        }
        limit = Math.min(larger, bufferConstants.MAX_LENGTH);
      }
      const bytes = readToEnd(descriptor, size, limit);
      return bytes === undefined ? tooLarge(display, size, limit, 'it grew while it was read') : { kind: 'read', bytes };
    } finally {
      closeSync(opened.descriptor);
    }
  } catch (error) {
    return { kind: 'skipped', bytes: 0, notice: { level: 'warning', code: 'unreadable', message: `cannot be read: ${describeError(error)}`, path: display } };
  }
}

export type TextOutcome = { readonly kind: 'text'; readonly text: string; readonly notices: readonly Notice[] } | { readonly kind: 'binary'; readonly notice: Notice };

export function textOf(bytes: Uint8Array, display: string): TextOutcome {
  const utf16 = utf16Encoding(bytes);
  if (utf16 !== undefined) {
    const { text, valid } = decodeUtf16(bytes, utf16);
    const notices: Notice[] = valid ? [] : [{ level: 'note', code: 'invalid-utf16', message: `not valid ${utf16.toUpperCase()}; invalid code units read as U+FFFD`, path: display }];
    return { kind: 'text', text, notices };
  }
  if (isBinary(bytes)) return { kind: 'binary', notice: { level: 'note', code: 'binary-skipped', message: 'binary file; not scanned', path: display } };
  const { text, valid } = decodeText(bytes);
  const notices: Notice[] = valid ? [] : [{ level: 'note', code: 'invalid-utf8', message: 'not valid UTF-8; invalid bytes read as U+FFFD', path: display }];
  return { kind: 'text', text, notices };
}
