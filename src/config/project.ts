/**
 * `keyleak.toml` at the root of a project: its rules, allowlists, ignored paths and limits, found
 * automatically so every developer and CI job scans the same way. Every field is validated; a
 * mistake stops the scan with one line naming the file and the field.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { AllowlistSpec, Level } from '../types.js';
import { formatRuleProblem } from '../ruleset/errors.js';
import { parseSize } from './size.js';
import type { ArchiveLimits } from '../artifacts/limits.js';
import { describeError, MAX_CONFIG_BYTES, readRegularFile, type RegularRead } from '../sources/read.js';

export const PROJECT_CONFIG_FILE = 'keyleak.toml';

export interface ProjectConfig {
  readonly file: string;
  /** Extra rule files or folders, resolved against the config's folder. */
  readonly rules: readonly string[];
  readonly disable: readonly string[];
  /** gitignore-syntax patterns, relative to `folder`. */
  readonly ignore: readonly string[];
  /** The folder holding the file. */
  readonly folder: string;
  readonly allowlists: readonly AllowlistSpec[];
  readonly baseline?: string;
  readonly failOn?: Level | 'live';
  readonly maxFileSize?: number;
  /** `verify = true`: run `--verify` on every scan. Hosts outside keyleak's own rules still need `--verify-allow-host`, which only the command line gives. */
  readonly verify?: boolean;
  /** `max-archive-depth`, `max-archive-entries`, `max-entry-size`, `max-archive-size`, `max-compression-ratio`. */
  readonly archiveLimits: Partial<ArchiveLimits>;
}

export class ConfigError extends Error {
  /** `field` is absent when the problem is the file itself (not a regular file, unreadable). */
  constructor(file: string, field: string | undefined, reason: string) {
    super(field === undefined ? `${file}: ${reason}` : `${file}: ${field}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Archive limits by field: whether the value is a size (`"256MB"`) or a count, and the smallest count allowed. */
const ARCHIVE_FIELDS = {
  'max-archive-depth': { limit: 'maxDepth', size: false, least: 0 },
  'max-archive-entries': { limit: 'maxEntries', size: false, least: 1 },
  'max-entry-size': { limit: 'maxEntryBytes', size: true, least: 1 },
  'max-archive-size': { limit: 'maxTotalBytes', size: true, least: 1 },
  'max-compression-ratio': { limit: 'maxRatio', size: false, least: 1 },
} as const satisfies Record<string, { limit: keyof ArchiveLimits; size: boolean; least: number }>;

const FIELDS = new Set(['rules', 'disable', 'ignore', 'allowlists', 'baseline', 'fail-on', 'max-file-size', 'verify', ...Object.keys(ARCHIVE_FIELDS)]);

function strings(file: string, document: Record<string, unknown>, field: string): string[] {
  const value = document[field];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new ConfigError(file, field, 'must be an array of strings');
  return value as string[];
}

function size(file: string, field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const bytes = typeof value === 'string' ? parseSize(value) : undefined;
  if (bytes === undefined) throw new ConfigError(file, field, 'must be a size such as "10MB", "512KB" or a number of bytes');
  return bytes;
}

function count(file: string, field: string, value: unknown, least: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= least) return value;
  throw new ConfigError(file, field, `must be a whole number of at least ${least}`);
}

function archiveLimits(file: string, document: Record<string, unknown>): Partial<ArchiveLimits> {
  const limits: Partial<Record<keyof ArchiveLimits, number>> = {};
  for (const [field, { limit, size: isSize, least }] of Object.entries(ARCHIVE_FIELDS)) {
    const value = isSize ? size(file, field, document[field]) : count(file, field, document[field], least);
    if (value !== undefined) limits[limit] = value;
  }
  return limits;
}

function configDisplayName(folder: string, cwd: string): string {
  return path.relative(cwd, path.join(folder, PROJECT_CONFIG_FILE)) || PROJECT_CONFIG_FILE;
}

/**
 * The text of the `keyleak.toml` in `folder`. One that is there but cannot be used (a FIFO, a
 * device, unreadable, huge) stops the scan: going on would silently scan with other settings.
 */
function readConfigText(folder: string, cwd: string): string {
  let read: RegularRead;
  try {
    read = readRegularFile(path.join(folder, PROJECT_CONFIG_FILE), MAX_CONFIG_BYTES);
  } catch (error) {
    throw new ConfigError(configDisplayName(folder, cwd), undefined, `cannot be read: ${describeError(error)}`);
  }
  if (read.kind === 'refused') throw new ConfigError(configDisplayName(folder, cwd), undefined, read.reason);
  return read.bytes.toString('utf8');
}

/** The nearest `keyleak.toml` in `start` or a folder above it, parsed; undefined when there is none. */
export async function findProjectConfig(start: string, cwd: string): Promise<ProjectConfig | undefined> {
  for (let folder = start; ; folder = path.dirname(folder)) {
    // A folder that cannot even be searched (above the project) holds no configuration of ours.
    const present = await lstat(path.join(folder, PROJECT_CONFIG_FILE)).catch(() => undefined);
    if (present !== undefined) return parseProjectConfig(readConfigText(folder, cwd), folder, cwd);
    if (path.dirname(folder) === folder) return undefined;
  }
}

/** The TOML reader and the allowlist parser are loaded only when there is a keyleak.toml: most runs have none. */
export async function parseProjectConfig(text: string, folder: string, cwd: string): Promise<ProjectConfig> {
  const [{ parse: parseToml }, { parseRuleFile }] = await Promise.all([import('smol-toml'), import('../ruleset/parse.js')]);
  const file = configDisplayName(folder, cwd);
  let document: Record<string, unknown>;
  try {
    document = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(file, 'TOML', error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
  const unknown = Object.keys(document).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) throw new ConfigError(file, unknown, `unknown field (known: ${[...FIELDS].join(', ')})`);
  const allowlists = parseRuleFile(file, { allowlists: document['allowlists'] ?? [] });
  if (allowlists.problems.length > 0) throw new ConfigError(file, 'allowlists', formatRuleProblem(allowlists.problems[0]!).replace(`${file}: `, ''));
  const failOn = document['fail-on'];
  if (failOn !== undefined && failOn !== 'error' && failOn !== 'warning' && failOn !== 'note' && failOn !== 'live') throw new ConfigError(file, 'fail-on', 'must be "error", "warning", "note" or "live"');
  const verify = document['verify'];
  if (verify !== undefined && typeof verify !== 'boolean') throw new ConfigError(file, 'verify', 'must be true or false');
  const baseline = document['baseline'];
  if (baseline !== undefined && typeof baseline !== 'string') throw new ConfigError(file, 'baseline', 'must be a path');
  const maxFileSize = size(file, 'max-file-size', document['max-file-size']);
  return {
    file,
    rules: strings(file, document, 'rules').map((rule) => path.resolve(folder, rule)),
    disable: strings(file, document, 'disable'),
    ignore: strings(file, document, 'ignore'),
    folder,
    allowlists: allowlists.allowlists,
    ...(baseline === undefined ? {} : { baseline: path.resolve(folder, baseline) }),
    ...(failOn === undefined ? {} : { failOn }),
    ...(verify === undefined ? {} : { verify }),
    ...(maxFileSize === undefined ? {} : { maxFileSize }),
    archiveLimits: archiveLimits(file, document),
  };
}
