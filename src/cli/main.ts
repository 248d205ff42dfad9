/** The process shell around run(): real stdout/stderr, colours from the terminal, exit code. */
import { run } from './run.js';

export async function main(): Promise<void> {
  process.exitCode = await run(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !('NO_COLOR' in process.env),
  });
}
