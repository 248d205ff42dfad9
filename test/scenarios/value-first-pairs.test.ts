/**
 * Name/value pairs written value first (`{"value": "…", "name": "DD_API_KEY"}`, YAML `- value:` then
 * `name:`) are reported by the rule the name calls for, pointing at the value; a value is never
 * paired with the name of another object or list item.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/types.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

let tree: Tree;
afterEach(() => tree?.remove());

function scanTree(files: Readonly<Record<string, string>>) {
  tree = makeTree(files);
  const run = keyleak(['scan', '.', '--format', 'json', '--no-redact'], { cwd: tree.root });
  const findings = (JSON.parse(run.stdout) as { findings: readonly Finding[] }).findings;
  const found = findings.map((finding) => ({ path: finding.occurrences[0]!.path, line: finding.occurrences[0]!.startLine, column: finding.occurrences[0]!.startColumn, rule: finding.ruleId, secret: finding.secret }));
  return { code: run.code, found: [...found].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

describe('value-first name/value pairs', () => {
  it('reports the rule the name calls for, at the value, in JSON, YAML and CloudFormation parameters', () => {
    const { code, found } = scanTree({
      'ecs/task.json': '{\n  "containerDefinitions": [{\n    "environment": [\n      {"value": "eu-west-1", "name": "AWS_REGION"},\n      {"value": "5e2a9d7c1b4f8e03a6d9c2b5f8e1a4d7", "name": "DD_API_KEY"}\n    ]\n  }]\n}\n',
      'chart/values.yaml': 'env:\n  - value: production\n    name: NODE_ENV\n  - value: "b7e3a1f9c5d2e8b4a6f0c3d9e7b1a5f2"\n    name: MEZMO_INGESTION_KEY\n',
      'cfn/params.json': '[\n  {"ParameterValue": "Qm7vTz2pLx9rWc4k", "ParameterKey": "DbPassword"}\n]\n',
    });
    expect(code).toBe(1);
    expect(found).toEqual([
      { path: 'cfn/params.json', line: 2, column: 23, rule: 'generic-config-password', secret: 'Qm7vTz2pLx9rWc4k' },
      { path: 'chart/values.yaml', line: 4, column: 13, rule: 'mezmo-ingestion-key', secret: 'b7e3a1f9c5d2e8b4a6f0c3d9e7b1a5f2' },
      { path: 'ecs/task.json', line: 5, column: 18, rule: 'datadog-api-key', secret: '5e2a9d7c1b4f8e03a6d9c2b5f8e1a4d7' },
    ]);
  });

  it("never pairs a value with another item's name, nor an HTML form field", () => {
    const { code, found } = scanTree({
      'k8s/deploy.yaml': 'env:\n  - name: BUILD_ID\n    value: "5e2a9d7c1b4f8e03a6d9c2b5f8e1a4d7"\n  - name: DD_API_KEY\n    valueFrom:\n      secretKeyRef: {name: datadog, key: api-key}\n',
      'ecs/task.json': '[{"name": "BUILD_ID", "value": "5e2a9d7c1b4f8e03a6d9c2b5f8e1a4d7"}, {"name": "DD_API_KEY", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/dd"}]\n',
      'web/form.html': '<input type="hidden" value="5e2a9d7c1b4f8e03a6d9c2b5f8e1a4d7" name="dd_api_key">\n',
    });
    expect(found).toEqual([]);
    expect(code).toBe(0);
  });
});
