/**
 * Real apps no one here built, when KEYLEAK_REAL_APPS names a folder holding them (they are not
 * committed; fixtures/apps/answer-keys.json says where each comes from): every documented secret
 * is found and nothing else is. Without the folder, each app's test is skipped and says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';

interface AnswerKey {
  readonly file: string;
  readonly path?: string;
  readonly source: string;
  readonly secrets: readonly { readonly secret: string; readonly rule: string }[];
}

const folder = process.env['KEYLEAK_REAL_APPS'];
const apps = (JSON.parse(readFileSync(new URL('../../fixtures/apps/answer-keys.json', import.meta.url), 'utf8')) as { apps: AnswerKey[] }).apps.filter((app) => app.path === undefined);

describe('real apps from public repositories', () => {
  for (const app of apps) {
    const file = folder === undefined ? undefined : path.join(folder, app.file);
    const present = file !== undefined && existsSync(file);
    it.skipIf(!present)(`${app.file}: the documented secrets and nothing else${present ? '' : ` (skipped: set KEYLEAK_REAL_APPS to a folder holding it, from ${app.source})`}`, () => {
      const result = keyleak(['scan', file!, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
      const findings = (JSON.parse(result.stdout) as { findings: { ruleId: string; secret: string }[] }).findings;
      expect(findings.map((finding) => [finding.ruleId, finding.secret]).sort()).toEqual(app.secrets.map((entry) => [entry.rule, entry.secret]).sort());
    });
  }
});
