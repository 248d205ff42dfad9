/** Temporary file trees built at test time. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Tree {
  readonly root: string;
  write(relative: string, content: string | Uint8Array): string;
  remove(): void;
}

export function makeTree(files: Readonly<Record<string, string | Uint8Array>> = {}): Tree {
  const root = mkdtempSync(path.join(tmpdir(), 'keyleak-test-'));
  const tree: Tree = {
    root,
    write(relative, content) {
      const target = path.join(root, relative);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
      return target;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (const [relative, content] of Object.entries(files)) tree.write(relative, content);
  return tree;
}
