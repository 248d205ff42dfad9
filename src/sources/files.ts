/**
 * Working-tree source: expands the paths a user gives into the files to scan. Folders are walked
 * here rather than with a glob library, because a glob library drops what it cannot read without a
 * word and names files by their lossily decoded names, which cannot open a file whose name is not
 * UTF-8. `.gitignore` and `.keyleakignore` are honoured (nested ones too; an ignored folder is not
 * entered, as in git), `.git` is never entered, and symlinks are not followed out of the root.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { Notice } from '../types.js';
import { MissingPathError } from './errors.js';
import { describeError, fileKind, MAX_CONFIG_BYTES, readRegularFile } from './read.js';

export const IGNORE_FILES = ['.gitignore', '.keyleakignore'] as const;

export interface FileTarget {
  /** Absolute path; for a name that is not UTF-8, its bytes show as `\xNN` and `rawPath` opens it. */
  readonly absolute: string;
  /** The path's bytes, only when some name on it is not UTF-8. */
  readonly rawPath?: Uint8Array;
  /** How reports name the file: relative to the working directory, POSIX separators. */
  readonly display: string;
  /** The folder the user named, or a named file's folder: source maps are read only from inside it. */
  readonly root: string;
}

export interface EnumerateOptions {
  readonly cwd: string;
  /** Honour .gitignore and .keyleakignore (default true). */
  readonly useIgnoreFiles: boolean;
  /** More gitignore-syntax patterns, relative to `base` (keyleak.toml `ignore`). */
  readonly extraIgnore?: { readonly base: string; readonly patterns: readonly string[] };
}

export interface Enumeration {
  readonly files: readonly FileTarget[];
  readonly notices: readonly Notice[];
}

/** Folders read at once while walking: enough to hide latency, few enough to stay far from the open-files limit. */
const WALK_CONCURRENCY = 16;

/** Never entered, and a submodule's `.git` file is never read. */
const GIT_FOLDER = Buffer.from('.git');

/** Whether a path.relative() result leaves its base; a name such as `...` or `..env` does not. */
export function climbsOut(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

export function toDisplayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative === '' ? path.basename(absolute) : climbsOut(relative) ? absolute : relative;
  return shown.split(path.sep).join('/');
}

function isInside(child: string, parent: string): boolean {
  return !climbsOut(path.relative(parent, child));
}

/** A file name as text: UTF-8 as is, each byte that is not part of valid UTF-8 as `\xNN`. */
export function nameText(name: Uint8Array): string {
  const bytes = Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let text = '';
  for (let index = 0; index < bytes.length; ) {
    const length = [4, 3, 2, 1].find((size) => index + size <= bytes.length && isUtf8(bytes.subarray(index, index + size)));
    if (length === undefined) {
      text += `\\x${bytes[index]!.toString(16).toUpperCase().padStart(2, '0')}`;
      index++;
    } else {
      text += bytes.toString('utf8', index, index + length);
      index += length;
    }
  }
  return text;
}

/** Ignore rules of one folder, applied to paths relative to that folder (git semantics). */
interface IgnoreScope {
  readonly dir: string;
  readonly rules: Ignore;
}

/** Whether gitignore rules exclude `relative`; a name the ignore library cannot take (`...`) is never excluded. */
function ignores(rules: Ignore, relative: string): boolean {
  return ignore.isPathValid(relative) && rules.ignores(relative);
}

/** A folder on the walk: its path relative to the root, and its bytes when a name on it is not UTF-8. */
interface Folder {
  readonly relative: string;
  readonly raw?: Buffer;
}

interface Walk {
  readonly root: string;
  readonly options: EnumerateOptions;
  readonly notices: Notice[];
  readonly scopes: IgnoreScope[];
  readonly extra: { readonly base: string; readonly rules: Ignore } | undefined;
  readonly files: FileTarget[];
  readonly links: { readonly absolute: string; readonly fsPath: string | Buffer }[];
}

function childOf(walk: Walk, folder: Folder, entry: Dirent<Buffer>): Folder & { readonly absolute: string; readonly fsPath: string | Buffer } {
  const name = entry.name;
  const relative = folder.relative === '' ? nameText(name) : `${folder.relative}/${nameText(name)}`;
  const absolute = path.join(walk.root, relative);
  if (folder.raw === undefined && isUtf8(name)) return { relative, absolute, fsPath: absolute };
  const raw = Buffer.concat([folder.raw ?? Buffer.from(walk.root), Buffer.from(path.sep), name]);
  return { relative, absolute, raw, fsPath: raw };
}

function isExcluded(walk: Walk, relative: string, absolute: string, isDirectory: boolean): boolean {
  const asTested = isDirectory ? `${relative}/` : relative;
  if (walk.scopes.some((scope) => asTested.startsWith(scope.dir) && ignores(scope.rules, asTested.slice(scope.dir.length)))) return true;
  const { extra } = walk;
  if (extra === undefined || !isInside(absolute, extra.base)) return false;
  const fromBase = path.relative(extra.base, absolute).split(path.sep).join('/');
  return fromBase !== '' && ignores(extra.rules, isDirectory ? `${fromBase}/` : fromBase);
}

/** Adds a folder's ignore files to the walk before its entries are judged. */
function readIgnoreFiles(walk: Walk, folder: Folder, entries: readonly Dirent<Buffer>[]): void {
  if (!walk.options.useIgnoreFiles) return;
  const rules = ignore();
  let found = false;
  for (const name of IGNORE_FILES) {
    const entry = entries.find((candidate) => candidate.isFile() && candidate.name.toString() === name);
    if (entry === undefined) continue;
    const file = childOf(walk, folder, entry);
    let problem: string;
    try {
      const read = readRegularFile(file.fsPath, MAX_CONFIG_BYTES);
      if (read.kind === 'read') {
        rules.add(read.bytes.toString('utf8'));
        found = true;
        continue;
      }
      problem = read.reason;
    } catch (error) {
      problem = `cannot be read: ${describeError(error)}`;
    }
    walk.notices.push({ level: 'warning', code: 'unreadable', message: `ignore file ${problem}; its rules are not applied`, path: toDisplayPath(file.absolute, walk.options.cwd) });
  }
  if (found) walk.scopes.push({ dir: folder.relative === '' ? '' : `${folder.relative}/`, rules });
}

async function readFolder(walk: Walk, folder: Folder): Promise<Folder[]> {
  const fsPath = folder.raw ?? path.join(walk.root, folder.relative);
  let entries: Dirent<Buffer>[];
  try {
    entries = await readdir(fsPath, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Removed or replaced by a file since it was listed: nothing left to scan there.
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    walk.notices.push({ level: 'warning', code: 'unreadable', message: `folder cannot be read: ${describeError(error)}; not scanned`, path: toDisplayPath(path.join(walk.root, folder.relative), walk.options.cwd) });
    return [];
  }
  readIgnoreFiles(walk, folder, entries);
  const subfolders: Folder[] = [];
  for (const entry of entries) {
    if (entry.name.equals(GIT_FOLDER)) continue;
    const child = childOf(walk, folder, entry);
    if (isExcluded(walk, child.relative, child.absolute, entry.isDirectory())) continue;
    if (entry.isDirectory()) subfolders.push(child.raw === undefined ? { relative: child.relative } : { relative: child.relative, raw: child.raw });
    else if (entry.isSymbolicLink()) walk.links.push({ absolute: child.absolute, fsPath: child.fsPath });
    else if (entry.isFile()) walk.files.push({ absolute: child.absolute, ...(child.raw === undefined ? {} : { rawPath: child.raw }), display: toDisplayPath(child.absolute, walk.options.cwd), root: walk.root });
    else walk.notices.push({ level: 'note', code: 'not-a-file', message: `is ${fileKind(entry)}, not a regular file; not read`, path: toDisplayPath(child.absolute, walk.options.cwd) });
  }
  return subfolders;
}

/** Symlinks are never followed: one inside the root reaches a file the walk lists at its real path. */
async function noteLinks(walk: Walk): Promise<void> {
  const realRoot = await realpath(walk.root).catch(() => walk.root);
  for (const link of walk.links) {
    const target = await realpath(link.fsPath).catch(() => undefined);
    const display = toDisplayPath(link.absolute, walk.options.cwd);
    if (target === undefined) walk.notices.push({ level: 'note', code: 'broken-symlink', message: 'symbolic link to a missing target; not followed', path: display });
    else if (!isInside(target, realRoot)) walk.notices.push({ level: 'note', code: 'symlink-outside-root', message: 'symbolic link pointing outside the scanned folder; not followed', path: display });
  }
}

async function walkFolder(root: string, options: EnumerateOptions, notices: Notice[]): Promise<FileTarget[]> {
  const extra = options.extraIgnore && options.extraIgnore.patterns.length > 0 ? { base: options.extraIgnore.base, rules: ignore().add([...options.extraIgnore.patterns]) } : undefined;
  const walk: Walk = { root, options, notices, scopes: [], extra, files: [], links: [] };
  // Breadth first: a folder's ignore files are read before anything below it is judged.
  for (let level: Folder[] = [{ relative: '' }]; level.length > 0; ) {
    const next: Folder[] = [];
    for (let start = 0; start < level.length; start += WALK_CONCURRENCY) {
      const batch = await Promise.all(level.slice(start, start + WALK_CONCURRENCY).map((folder) => readFolder(walk, folder)));
      next.push(...batch.flat());
    }
    level = next;
  }
  await noteLinks(walk);
  return walk.files;
}

/**
 * Expands user paths into files. Missing paths throw MissingPathError; unreadable folders and
 * paths become notices. A named path that is not a regular file is refused when it is read.
 */
export async function enumerateFiles(paths: readonly string[], options: EnumerateOptions): Promise<Enumeration> {
  const notices: Notice[] = [];
  const byPath = new Map<string, FileTarget>();
  for (const given of paths) {
    const absolute = path.resolve(options.cwd, given);
    let info;
    try {
      info = await lstat(absolute);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingPathError(given);
      notices.push({ level: 'warning', code: 'unreadable', message: `cannot be read: ${describeError(error)}`, path: toDisplayPath(absolute, options.cwd) });
      continue;
    }
    const resolved = info.isSymbolicLink() ? await stat(absolute).catch(() => undefined) : info;
    if (resolved === undefined) {
      notices.push({ level: 'note', code: 'broken-symlink', message: 'symbolic link to a missing target; not followed', path: toDisplayPath(absolute, options.cwd) });
    } else if (resolved.isDirectory()) {
      for (const file of await walkFolder(absolute, options, notices)) byPath.set(file.absolute, file);
    } else {
      // A file named explicitly is scanned even when an ignore file lists it.
      byPath.set(absolute, { absolute, display: toDisplayPath(absolute, options.cwd), root: path.dirname(absolute) });
    }
  }
  const files = [...byPath.values()].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  return { files, notices };
}
