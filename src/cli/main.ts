/** The process shell around run(): real stdout/stderr, colours from the terminal, exit code. */
import { internalErrorMessage } from './errors.js';
import { EXIT, run } from './run.js';
import type { ProgressTerminal } from './progress.js';
import { escapeControlsKeepingLines } from '../report/terminal.js';

/** A closed pipe (`keyleak scan | head`): the reader has what it wanted, so the rest is dropped silently. */
function isClosedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
}

/** CI services set `CI` (GitHub Actions, GitLab, CircleCI, Travis...); their logs are no place for a redrawn line. */
function onCi(env: NodeJS.ProcessEnv): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** stderr as a terminal for the progress line, when it is one worth drawing on. */
function progressTerminal(): ProgressTerminal | undefined {
  if (process.stderr.isTTY !== true || onCi(process.env) || process.env['TERM'] === 'dumb') return undefined;
  // For the pseudo-terminal tests, which cannot wait for a scan to take a second.
  const delay = Number(process.env['KEYLEAK_PROGRESS_DELAY_MS']);
  return {
    write: (text) => process.stderr.write(text),
    columns: process.stderr.columns > 0 ? process.stderr.columns : 80,
    ...(Number.isInteger(delay) && delay >= 0 ? { delayMs: delay } : {}),
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // A bug that escapes run() (a stray rejection, an exception in a callback) still ends in one line and exit 2.
  const crash = (error: unknown) => {
    process.stderr.write(escapeControlsKeepingLines(internalErrorMessage(error, argv.includes('--debug'))));
    process.exit(EXIT.error);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (!isClosedPipe(error)) crash(error);
  });
  const write = (text: string) => {
    if (!process.stdout.destroyed) process.stdout.write(text);
  };
  const terminal = progressTerminal();
  process.exitCode = await run(argv, {
    stdout: write,
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
    ...(terminal === undefined ? {} : { progress: terminal }),
  });
}
