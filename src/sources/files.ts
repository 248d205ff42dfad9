/**
 * Working-tree source: expands the paths a user gives into the files to scan. Folders are walked
 * with fast-glob, `.gitignore` and `.keyleakignore` are honoured (nested ones too), `.git` is never
 * entered, and symlinks are not followed out of the scanned root.
 */
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import type { Notice } from '../types.js';
import { MissingPathError } from './errors.js';

export const IGNORE_FILES = ['.gitignore', '.keyleakignore'] as const;

export interface FileTarget {
  /** Absolute path to read. */
  readonly absolute: string;
  /** How reports name the file: relative to the working directory, POSIX separators. */
  readonly display: string;
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

export function toDisplayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative === '' ? path.basename(absolute) : relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  return shown.split(path.sep).join('/');
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Ignore rules of one folder, applied to paths relative to that folder (git semantics). */
interface IgnoreScope {
  readonly dir: string;
  readonly rules: Ignore;
}

async function ignoreScopes(root: string, ignoreFiles: readonly string[]): Promise<IgnoreScope[]> {
  const byDir = new Map<string, Ignore>();
  for (const relative of [...ignoreFiles].sort()) {
    const dir = path.posix.dirname(relative);
    const rules = byDir.get(dir) ?? ignore();
    rules.add(await readFile(path.join(root, relative), 'utf8').catch(() => ''));
    byDir.set(dir, rules);
  }
  return [...byDir].map(([dir, rules]) => ({ dir: dir === '.' ? '' : `${dir}/`, rules }));
}

function isIgnored(relative: string, scopes: readonly IgnoreScope[]): boolean {
  return scopes.some((scope) => relative.startsWith(scope.dir) && scope.rules.ignores(relative.slice(scope.dir.length)));
}

async function walkFolder(root: string, options: EnumerateOptions, notices: Notice[]): Promise<FileTarget[]> {
  const entries = await fg('**', {
    cwd: root,
    dot: true,
    onlyFiles: false,
    markDirectories: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**', '**/.git'],
    suppressErrors: true,
    objectMode: true,
  });
  const ignoreFiles = options.useIgnoreFiles
    ? entries.filter((entry) => entry.dirent.isFile() && (IGNORE_FILES as readonly string[]).includes(entry.name)).map((entry) => entry.path)
    : [];
  const scopes = await ignoreScopes(root, ignoreFiles);
  const extra = options.extraIgnore && options.extraIgnore.patterns.length > 0 ? { base: options.extraIgnore.base, rules: ignore().add([...options.extraIgnore.patterns]) } : undefined;
  const realRoot = await realpath(root);
  const files: FileTarget[] = [];
  for (const entry of entries) {
    if (entry.dirent.isDirectory()) continue;
    if (isIgnored(entry.path, scopes)) continue;
    const absolute = path.join(root, entry.path);
    if (extra && isInside(absolute, extra.base) && extra.rules.ignores(path.relative(extra.base, absolute).split(path.sep).join('/'))) continue;
    if (entry.dirent.isSymbolicLink()) {
      const target = await realpath(absolute).catch(() => undefined);
      const display = toDisplayPath(absolute, options.cwd);
      if (target === undefined) notices.push({ level: 'note', code: 'broken-symlink', message: 'symbolic link to a missing target; not followed', path: display });
      else if (!isInside(target, realRoot)) notices.push({ level: 'note', code: 'symlink-outside-root', message: 'symbolic link pointing outside the scanned folder; not followed', path: display });
      // A link inside the root reaches a file the walk already lists at its real path.
      continue;
    }
    if (!entry.dirent.isFile()) continue;
    files.push({ absolute, display: toDisplayPath(absolute, options.cwd) });
  }
  return files;
}

/** Expands user paths into files. Missing paths throw MissingPathError; unreadable folders become notices. */
export async function enumerateFiles(paths: readonly string[], options: EnumerateOptions): Promise<Enumeration> {
  const notices: Notice[] = [];
  const byPath = new Map<string, FileTarget>();
  for (const given of paths) {
    const absolute = path.resolve(options.cwd, given);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info) throw new MissingPathError(given);
    const resolved = info.isSymbolicLink() ? await stat(absolute).catch(() => undefined) : info;
    if (resolved?.isDirectory()) {
      for (const file of await walkFolder(absolute, options, notices)) byPath.set(file.absolute, file);
    } else {
      // A file named explicitly is scanned even when an ignore file lists it.
      byPath.set(absolute, { absolute, display: toDisplayPath(absolute, options.cwd) });
    }
  }
  const files = [...byPath.values()].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  return { files, notices };
}
