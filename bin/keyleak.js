#!/usr/bin/env node
// dist/ is the TypeScript build. Release tags and npm packages carry it built; a clone of a branch
// builds it with `npm run build`, and until then this says so instead of a module-resolution trace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`keyleak: ${root}dist/ is not built: run \`npm install && npm run build\` there, or install a release tag or the npm package, which carry it\n`);
  process.exit(2);
}
const { main } = await import(entry.href);
await main();
