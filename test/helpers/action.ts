/** The composite GitHub Action as GitHub runs it, read from its action.yml. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The `run:` block of an action step in `actionFolder`'s action.yml. */
export function stepScript(actionFolder: string, name: string): string {
  const lines = readFileSync(path.join(actionFolder, 'action.yml'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === `- name: ${name}`);
  const run = lines.findIndex((line, index) => index > start && line.trim() === 'run: |');
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (!line.startsWith('        ')) break;
    body.push(line.slice(8));
  }
  return body.join('\n');
}
