/**
 * Writing a report or baseline to `--output`. A regular file is written whole or not at all: the
 * text goes to a temporary file beside it, renamed into place, so a full disk or a killed run never
 * leaves half a report for CI to upload. Anything else (`/dev/stdout`, a pipe, a symlink) is written
 * through as the shell would.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, lstat, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The report could not be written: one line naming the file and the reason. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  ENXIO: 'nothing can be written there (a socket, or a pipe with no reader)',
};

/** Why a write failed, in words; the system's message for codes without a better one. */
export function describeWriteFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code === undefined ? undefined : REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
}

async function writeWhole(target: string, text: string, mode: number | undefined): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // `wx`: never follow a link someone planted at the temporary name.
    await writeFile(temporary, text, { flag: 'wx' });
    if (mode !== undefined) await chmod(temporary, mode);
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Writes `text` to `target` (resolved already); `shown` is the name the user gave and `what` the document, for messages. */
export async function writeOutput(target: string, text: string, shown: string, what: 'report' | 'baseline'): Promise<void> {
  const fail = (reason: string) => new OutputError(`${shown}: cannot write the ${what}: ${reason}`);
  if (shown === '') throw new OutputError(`--output: the ${what} file name is empty`);
  const link = await lstat(target).catch(() => undefined);
  try {
    if (link === undefined || link.isFile()) {
      // Renaming would replace a read-only file that a plain write may not touch.
      if (link !== undefined) await access(target, constants.W_OK);
      await writeWhole(target, text, link === undefined ? undefined : link.mode & 0o7777);
      return;
    }
    if ((await stat(target).catch(() => undefined))?.isDirectory()) throw fail(REASONS['EISDIR']!);
    await writeFile(target, text);
  } catch (error) {
    throw error instanceof OutputError ? error : fail(describeWriteFailure(error));
  }
}
