#!/usr/bin/env node
// npm run screenshots: the README's pictures of the HTML report (docs/report-demo.png: the demo's
// summary; docs/report-app.png: an APK's container tree), taken in Debian's Chromium.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const work = mkdtempSync(path.join(tmpdir(), 'keyleak-screenshots-'));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function report(name, args, cwd) {
  const file = path.join(work, `${name}.html`);
  const result = spawnSync(process.execPath, [path.join(root, 'bin/keyleak.js'), ...args, '--format', 'html', '--output', file], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 && result.status !== 1) throw new Error(`keyleak ${args.join(' ')} exited ${result.status}`);
  return file;
}

const context = await chromium.launchPersistentContext(path.join(work, 'profile'), { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, viewport: { width: 1100, height: 760 } });
try {
  const demo = await context.newPage();
  await demo.goto(`file://${report('demo', ['scan', 'fixtures/demo'], root)}`);
  await demo.screenshot({ path: path.join(root, 'docs/report-demo.png') });

  const app = await context.newPage();
  await app.goto(`file://${report('app', ['scan', 'out/leaky.apk'], path.join(root, 'fixtures/apps'))}`);
  const tree = await app.locator('#tree-title').boundingBox();
  await app.screenshot({ path: path.join(root, 'docs/report-app.png'), fullPage: true, clip: { x: 0, y: tree.y - 16, width: 1100, height: 760 } });
} finally {
  await context.close();
  rmSync(work, { recursive: true, force: true });
}
console.log('wrote docs/report-demo.png and docs/report-app.png');
