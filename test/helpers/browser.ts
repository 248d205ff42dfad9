/**
 * A real headless Chromium (Debian's `chromium` package, driven by playwright-core) for the HTML
 * report's tests: a fresh profile per launch, no network, and every console error, page error,
 * dialog and request of a page recorded.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
// Loaded here so a checkout whose node_modules predates the dev dependency skips with a reason instead of failing to load.
const playwright = await import('playwright-core').catch(() => undefined);
/** Why the browser tests cannot run here, for the skipped suite's name; undefined when they can. */
export const BROWSER_MISSING = !existsSync(CHROMIUM)
  ? `skipped: no browser at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`
  : playwright === undefined
    ? 'skipped: playwright-core is not installed (npm install)'
    : undefined;

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface OpenedPage {
  readonly page: Page;
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  /** Every URL the page asked for, its own included. */
  readonly requests: string[];
  /** Messages of alert, confirm and prompt dialogs (each dismissed). */
  readonly dialogs: string[];
}

export interface Browser {
  open(file: string): Promise<OpenedPage>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'keyleak-chromium-'));
  if (playwright === undefined) throw new Error(BROWSER_MISSING);
  const context: BrowserContext = await playwright.chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1200, height: 900 } });
  return {
    async open(file) {
      const page = await context.newPage();
      const opened: OpenedPage = { page, errors: [], requests: [], dialogs: [] };
      page.on('console', (message) => {
        if (message.type() === 'error') opened.errors.push(message.text());
      });
      page.on('pageerror', (error) => opened.errors.push(error.message));
      page.on('request', (request) => opened.requests.push(request.url()));
      page.on('dialog', (dialog) => {
        opened.dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(pathToFileURL(file).href);
      return opened;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/** axe-core's violations of impact serious or critical, as `rule: help (first element)`; axe is injected from node_modules. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.help} (${violation.nodes[0]?.target.join(' ')})`);
}
