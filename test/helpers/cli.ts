/** Runs the built CLI (bin/keyleak.js → dist/) as a real process, as users do. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/keyleak.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  /** Drop root's permission to read any file, so chmod 000 means unreadable even for root. */
  readonly withoutFileCapabilities?: boolean;
}

export function keyleak(args: readonly string[], options: CliOptions = {}): CliResult {
  const dropCapabilities = options.withoutFileCapabilities === true && process.getuid?.() === 0;
  const [command, prefix] = dropCapabilities
    ? ['setpriv', ['--inh-caps=-all', '--bounding-set=-dac_override,-dac_read_search', process.execPath]]
    : [process.execPath, []];
  const result = spawnSync(command, [...prefix, BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', HOME: process.env['HOME'] ?? '/tmp' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
