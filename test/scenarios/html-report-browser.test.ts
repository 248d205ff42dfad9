/**
 * The HTML report in a real headless Chromium: it renders without errors or requests, its summary
 * agrees with the JSON report, the filters work from the keyboard, the app tree shows the planted
 * secrets of the committed app fixtures at their places, hostile names stay text, and axe-core
 * finds no serious accessibility problem.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zip } from '../helpers/archives.js';
import { BROWSER_MISSING, launchBrowser, seriousAccessibilityViolations, type Browser, type OpenedPage } from '../helpers/browser.js';
import { keyleak } from '../helpers/cli.js';
import { APPS, plantedSecrets } from '../helpers/planted.js';
import { makeRepo, stripeKey } from '../hostile/git-repo.js';

interface JsonOccurrence {
  readonly path: string;
  readonly artifact?: string;
  readonly where?: string;
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly shipped?: unknown;
}

/** `line 3:7` for a one-line place, `lines 1:1-5:26` for a key block. */
function textPlace(occurrence: JsonOccurrence): string {
  const start = `${occurrence.startLine}:${occurrence.startColumn}`;
  return occurrence.endLine > occurrence.startLine ? `lines ${start}-${occurrence.endLine}:${occurrence.endColumn}` : `line ${start}`;
}

interface JsonFinding {
  readonly ruleId: string;
  readonly provider: string;
  readonly level: string;
  readonly exposure: string;
  readonly suppression?: unknown;
  readonly occurrences: readonly JsonOccurrence[];
}

const output = mkdtempSync(path.join(tmpdir(), 'keyleak-html-'));
afterAll(() => rmSync(output, { recursive: true, force: true }));

/** The same scan as HTML (written to a file) and as JSON. */
function reports(args: readonly string[], name: string, cwd?: string): { file: string; findings: JsonFinding[] } {
  const file = path.join(output, `${name}.html`);
  const html = keyleak([...args, '--format', 'html', '--output', file], cwd === undefined ? {} : { cwd });
  expect(html.stderr).toBe('');
  const json = keyleak([...args, '--format', 'json'], cwd === undefined ? {} : { cwd });
  expect(json.code).toBe(html.code);
  return { file, findings: (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings };
}

/** The summary's numbers are the JSON report's counts: findings outside the baseline by level, exposure and shipping. */
async function expectSummaryOf(opened: OpenedPage, findings: readonly JsonFinding[]): Promise<void> {
  const counted = findings.filter((finding) => finding.suppression === undefined);
  const shown = async (key: string) => Number(await opened.page.locator(`[data-count="${key}"]`).textContent());
  expect(counted.length).toBeGreaterThan(0);
  expect(await shown('findings')).toBe(counted.length);
  for (const level of ['error', 'warning', 'note']) expect(await shown(level), level).toBe(counted.filter((finding) => finding.level === level).length);
  for (const exposure of ['confidential', 'publishable']) expect(await shown(exposure), exposure).toBe(counted.filter((finding) => finding.exposure === exposure).length);
  expect(await shown('exposed')).toBe(counted.filter((finding) => finding.exposure === 'confidential' && finding.occurrences.some((occurrence) => occurrence.shipped !== undefined)).length);
  expect(await opened.page.locator('article.finding').count()).toBe(findings.length);
}

const APP_ARTIFACTS = [...new Set(plantedSecrets().filter((entry) => entry.chain.length > 0).map((entry) => entry.artifact))].sort();

describe.skipIf(BROWSER_MISSING !== undefined)('the HTML report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('the demo', () => {
    let demo: ReturnType<typeof reports>;
    let opened: OpenedPage;
    beforeAll(async () => {
      demo = reports(['scan', 'fixtures/demo'], 'demo');
      opened = await browser.open(demo.file);
    });

    it('renders with no console error and asks for nothing but itself', () => {
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([`file://${demo.file}`]);
      expect(opened.dialogs).toEqual([]);
    });

    it('counts what the JSON report lists', async () => {
      await expectSummaryOf(opened, demo.findings);
    });

    it('opens a finding’s remediation from the keyboard', async () => {
      const fix = opened.page.locator('article.finding details.fix').first();
      expect(await fix.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(false);
      await fix.locator('summary').focus();
      await opened.page.keyboard.press('Enter');
      expect(await fix.evaluate((details) => (details as HTMLDetailsElement).open)).toBe(true);
      expect(await fix.locator('p').first().isVisible()).toBe(true);
    });

    it('prints without the filters, with every finding and its remediation open', async () => {
      const printed = await browser.open(demo.file);
      await printed.page.emulateMedia({ media: 'print' });
      await printed.page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
      expect(await printed.page.locator('#filters').isVisible()).toBe(false);
      expect(await printed.page.locator('article.finding:visible').count()).toBe(demo.findings.length);
      expect(await printed.page.locator('details.fix:not([open])').count()).toBe(0);
      expect(printed.errors).toEqual([]);
      await printed.page.close();
    });

    it('has no serious or critical accessibility violation (axe-core)', async () => {
      expect(await seriousAccessibilityViolations(opened.page)).toEqual([]);
    });
  });

  describe('the committed app fixtures', () => {
    let apps: ReturnType<typeof reports>;
    let opened: OpenedPage;
    beforeAll(async () => {
      apps = reports(['scan', ...APP_ARTIFACTS, '--threads', '1'], 'apps', fileURLToPath(APPS));
      opened = await browser.open(apps.file);
    });
    const visibleFindings = () => opened.page.locator('article.finding:visible').count();

    it('renders with no console error and asks for nothing but itself', () => {
      expect(opened.errors).toEqual([]);
      expect(opened.requests).toEqual([`file://${apps.file}`]);
    });

    it('counts what the JSON report lists, secrets shipped in the apps included', async () => {
      await expectSummaryOf(opened, apps.findings);
      expect(await opened.page.locator('[data-count="exposed"]').textContent()).not.toBe('0');
    });

    it('shows every planted secret on the leaf of the container tree that holds it', async () => {
      const hits = await opened.page.locator('.tree .hit').evaluateAll((elements) =>
        elements.map((hit) => {
          const names: string[] = [];
          for (let node = hit.closest('.node'); node !== null; node = node.parentElement?.closest('.node') ?? null) names.unshift(node.getAttribute('data-name')!);
          return `${names.join('!')} ${hit.querySelector('a')!.textContent} ${hit.querySelector('.where')!.textContent}`;
        }),
      );
      const planted = plantedSecrets().filter((entry) => entry.chain.length > 0);
      const missing = planted.filter((entry) => !hits.some((hit) => hit.startsWith(`${[entry.artifact, ...entry.chain].join('!')} ${entry.rule} `))).map((entry) => `${entry.rule} in ${[entry.artifact, ...entry.chain].join('!')}`);
      expect(missing).toEqual([]);
      // Every place the JSON report gives inside an artifact, and only those, is in the tree.
      const expected = apps.findings.flatMap((finding) =>
        finding.occurrences.filter((occurrence) => occurrence.artifact !== undefined).map((occurrence) => `${occurrence.path} ${finding.ruleId} ${occurrence.where ?? textPlace(occurrence)}`),
      );
      expect([...hits].sort()).toEqual([...expected].sort());
    });

    it('says once per app that its secrets reach everyone who downloads it', async () => {
      const lines = await opened.page.locator('.tree > .node > details > .exposure-line').allTextContents();
      expect(lines).toContain('Exposed to everyone who downloads out/leaky.apk: app packages are public and unpack in seconds.');
    });

    it('filters by level from the keyboard, in the findings and in the tree', async () => {
      const total = apps.findings.length;
      expect(await visibleFindings()).toBe(total);
      await opened.page.locator('input[name="level"][value="note"]').focus();
      await opened.page.keyboard.press('Space');
      expect(await visibleFindings()).toBe(apps.findings.filter((finding) => finding.level !== 'note').length);
      expect(await opened.page.locator('.hit[data-level="note"]:visible').count()).toBe(0);
      expect(await opened.page.locator('#shown').textContent()).toBe(`${apps.findings.filter((finding) => finding.level !== 'note').length} of ${total} findings shown`);
      await opened.page.keyboard.press('Space');
      expect(await visibleFindings()).toBe(total);
    });

    it('filters by provider and by exposure', async () => {
      await opened.page.locator('#filter-provider').selectOption('Stripe');
      const stripe = apps.findings.filter((finding) => finding.provider === 'Stripe');
      expect(stripe.length).toBeGreaterThan(0);
      expect(await visibleFindings()).toBe(stripe.length);
      expect(await opened.page.locator('.hit:visible').evaluateAll((hits) => [...new Set(hits.map((hit) => hit.getAttribute('data-provider')))])).toEqual(['Stripe']);
      await opened.page.locator('#filter-provider').selectOption('');
      await opened.page.locator('input[name="exposure"][value="confidential"]').uncheck();
      expect(await visibleFindings()).toBe(apps.findings.filter((finding) => finding.exposure === 'publishable').length);
      await opened.page.locator('input[name="exposure"][value="confidential"]').check();
    });

    it('filters by path text, hiding the tree’s other apps, and shows all again', async () => {
      await opened.page.locator('#filter-path').fill('LEAKY.IPA');
      const inIpa = apps.findings.filter((finding) => finding.occurrences.some((occurrence) => occurrence.path.toLowerCase().includes('leaky.ipa')));
      expect(inIpa.length).toBeGreaterThan(0);
      // The path box filters once typing pauses.
      await expect.poll(visibleFindings).toBe(inIpa.length);
      expect(await opened.page.locator('.tree > .node:visible').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-name')))).toEqual(['out/Leaky.ipa']);
      await opened.page.locator('#filters button[type="reset"]').focus();
      await opened.page.keyboard.press('Enter');
      await expect.poll(visibleFindings).toBe(apps.findings.length);
    });

    it('agrees with its boxes when the reader comes back to it, whether or not the browser restored them', async () => {
      const fresh = await browser.open(apps.file);
      await fresh.page.locator('input[name="level"][value="error"]').uncheck();
      await fresh.page.goto('about:blank');
      await fresh.page.goBack();
      const errorsShown = await fresh.page.locator('input[name="level"][value="error"]').isChecked();
      const expected = apps.findings.filter((finding) => errorsShown || finding.level !== 'error').length;
      expect(await fresh.page.locator('article.finding:visible').count()).toBe(expected);
      expect(await fresh.page.locator('#shown').textContent()).toBe(`${expected} of ${apps.findings.length} findings shown`);
      await fresh.page.close();
    });

    it('has no serious or critical accessibility violation (axe-core)', async () => {
      expect(await seriousAccessibilityViolations(opened.page)).toEqual([]);
    });
  });

  it('the accessibility check reports what it should (an unlabelled field, a page without a language)', async () => {
    const file = path.join(output, 'inaccessible.html');
    writeFileSync(file, '<!doctype html><html><head><title>x</title></head><body><input type="text"></body></html>');
    const opened = await browser.open(file);
    const violations = await seriousAccessibilityViolations(opened.page);
    expect(violations.map((violation) => violation.split(':')[0]).sort()).toEqual(['html-has-lang', 'label']);
    await opened.page.close();
  });

  describe('hostile names', () => {
    it('shows a <script> in a file name, an archive entry and a commit subject as text, and runs none', async () => {
      const secret = stripeKey();
      const repo = makeRepo({
        '"><script>window.__pwned=1</script>.env': `STRIPE_SECRET_KEY=${stripeKey()}\n`,
        'bundle.zip': zip([{ name: 'assets/<img src=x onerror="window.__pwned=2">.env', content: `STRIPE_SECRET_KEY=${stripeKey()}\n` }]),
      });
      try {
        repo.write('config.env', `STRIPE_SECRET_KEY=${secret}\n`);
        repo.commit('<script>window.__pwned=3</script> add config');
        repo.git('remote', 'add', 'origin', 'https://dev:hunter2@github.com/acme/leaky.git');
        const scanned = reports(['scan', '.'], 'hostile-scan', repo.root);
        const history = reports(['git', '.'], 'hostile-git', repo.root);
        for (const file of [scanned.file, history.file]) {
          const opened = await browser.open(file);
          expect(opened.errors).toEqual([]);
          expect(opened.dialogs).toEqual([]);
          expect(await opened.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
          await opened.page.close();
        }
        const scanPage = await browser.open(scanned.file);
        expect(await scanPage.page.getByText('"><script>window.__pwned=1</script>.env').count()).toBeGreaterThan(0);
        expect(await scanPage.page.locator('.tree .node[data-name^="assets/<img"]').count()).toBe(1);
        const historyPage = await browser.open(history.file);
        const sha = repo.git('rev-parse', 'HEAD').trim();
        expect(await historyPage.page.getByText('<script>window.__pwned=3</script> add config', { exact: false }).count()).toBeGreaterThan(0);
        const links = await historyPage.page.locator('.history a').evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
        expect(links).toContain(`https://github.com/acme/leaky/commit/${sha}`);
        expect(readFileSync(history.file, 'utf8')).not.toContain('hunter2');
      } finally {
        repo.remove();
      }
    });
  });
});

describe.skipIf(BROWSER_MISSING === undefined)('the HTML report in Chromium', () => {
  it.skip(BROWSER_MISSING ?? '', () => undefined);
});
