/**
 * Credential names written as words in notes, READMEs, tickets and YAML comments
 * (`Datadog API key: …`) are reported by the provider's own rule, with its id and level, not as a
 * generic warning; prose that only mentions such a name is not a finding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/types.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

let tree: Tree;
afterEach(() => tree?.remove());

interface Report {
  readonly findings: readonly Finding[];
}

function scanTree(files: Readonly<Record<string, string>>): { readonly code: number | null; readonly found: readonly (readonly [string, string, string])[] } {
  tree = makeTree(files);
  const run = keyleak(['scan', '.', '--format', 'json', '--no-redact'], { cwd: tree.root });
  const report = JSON.parse(run.stdout) as Report;
  const found = report.findings.map((finding) => [finding.occurrences[0]!.path, finding.ruleId, finding.secret] as const);
  return { code: run.code, found: [...found].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
}

describe('credential names written as words', () => {
  it("reports the provider's rule for a spoken name in notes, YAML comments, tickets and tables", () => {
    const { code, found } = scanTree({
      'docs/monitoring.md': '# Monitoring\n\n- Datadog API key: 0c8e5b2f9a41d7e36b5f08c2d9a7e413\n- Datadog site: datadoghq.eu\n',
      'charts/values.yaml': 'search:\n  # Algolia admin API key: 7d1f0b9c3e5a28f4c6b0d9e2a7f3c185\n  index: products\n',
      'tickets/OPS-1412.txt': 'Heroku API key - 3f9c2a7e-5b1d-4e8a-9c6f-2d7b0e4a8c13\n',
      'README.md': '| Setting | Value |\n|---|---|\n| Datadog application key | 9b4e1d7a2c5f8e0b3d6a9c2f5e8b1d4a7c0f3e6b |\n',
    });
    expect(code).toBe(1);
    expect(found).toEqual([
      ['README.md', 'datadog-application-key', '9b4e1d7a2c5f8e0b3d6a9c2f5e8b1d4a7c0f3e6b'],
      ['charts/values.yaml', 'algolia-admin-api-key', '7d1f0b9c3e5a28f4c6b0d9e2a7f3c185'],
      ['docs/monitoring.md', 'datadog-api-key', '0c8e5b2f9a41d7e36b5f08c2d9a7e413'],
      ['tickets/OPS-1412.txt', 'heroku-legacy-api-key', '3f9c2a7e-5b1d-4e8a-9c6f-2d7b0e4a8c13'],
    ]);
  });

  it('finds nothing in prose that names a credential without giving it', () => {
    const { code, found } = scanTree({
      'docs/secrets.md': 'The Datadog API key is stored in Vault under secret/dd; rotate the Datadog API key every 90 days.\nAsk ops for the Algolia admin API key 0c8e5b2f9a41d7e36b5f08c2d9a7e413 reviewers mentioned.\n',
      'docs/setup.md': 'Datadog API key: see the ops vault (DD_API_KEY)\nDatadog API key: <your key>\n',
    });
    expect(found).toEqual([]);
    expect(code).toBe(0);
  });
});
