/** `keyleak install-hook`: a git pre-commit hook that scans the staged changes. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitOutput } from '../sources/git.js';
import { UsageError } from './errors.js';

/** Marks hooks keyleak wrote, so it may replace them and only them. */
export const HOOK_MARKER = '# installed by keyleak';

const BIN = fileURLToPath(new URL('../../bin/keyleak.js', import.meta.url));

/** Prefers a keyleak on PATH or in the project, falls back to the copy that installed the hook. */
export function hookScript(): string {
  return `#!/bin/sh
${HOOK_MARKER}: scans the staged changes for secrets before each commit.
# Skip once with: git commit --no-verify
if command -v keyleak >/dev/null 2>&1; then
  exec keyleak git --staged
elif [ -x node_modules/.bin/keyleak ]; then
  exec node_modules/.bin/keyleak git --staged
else
  exec node ${JSON.stringify(BIN)} git --staged
fi
`;
}

/** Writes the hook where git looks for it (honouring core.hooksPath); returns its path. */
export async function installHook(repo: string, force: boolean): Promise<string> {
  const hooksDir = await gitOutput(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], repo).catch(() => {
    throw new UsageError(`${repo}: not a git repository`);
  });
  const hook = path.join(hooksDir, 'pre-commit');
  const existing = await readFile(hook, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(HOOK_MARKER) && !force) {
    throw new UsageError(`${hook}: a pre-commit hook keyleak did not write is already there; add \`keyleak git --staged\` to it, or use --force to replace it`);
  }
  await mkdir(hooksDir, { recursive: true });
  await writeFile(hook, hookScript());
  await chmod(hook, 0o755);
  return hook;
}
