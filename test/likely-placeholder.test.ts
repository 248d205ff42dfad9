import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRuleText } from '../src/ruleset/parse-text.js';
import { groupFindings } from '../src/post/findings.js';
import { hitsIn, rulesetFrom } from './helpers/rules.js';
import { keyleak } from './helpers/cli.js';

const TYPED = '1234567890abcdef1234567890abcdef12345678';
const RANDOM = 'c41f5e9a0b7d4e2f8a6c3b1d9e0f7a52d81c6b3e';

const rule = (filterField: string) => `
[[rules]]
id = "named-key"
regex = '''named_key = ([0-9a-f]{40})'''
keywords = ["named_key"]
level = "warning"
${filterField}
`;

describe('likely placeholders', () => {
  it('marks a value a placeholder filter rejects instead of dropping it, and leaves a random value unmarked', () => {
    const ruleset = rulesetFrom(rule('placeholder_filters = ["sequence"]'));
    const [typed] = hitsIn(ruleset, `named_key = ${TYPED}`);
    const [random] = hitsIn(ruleset, `named_key = ${RANDOM}`);
    expect(typed?.likelyPlaceholder).toBe('sequence');
    expect(random).toBeDefined();
    expect(random?.likelyPlaceholder).toBeUndefined();
  });

  it('still drops the value when the same filter is one of the rule filters', () => {
    expect(hitsIn(rulesetFrom(rule('filters = ["sequence"]')), `named_key = ${TYPED}`)).toEqual([]);
  });

  it('reports a likely placeholder at level note, whatever the rule level', () => {
    const ruleset = rulesetFrom(rule('placeholder_filters = ["sequence"]'));
    const hits = [...hitsIn(ruleset, `named_key = ${TYPED}`), ...hitsIn(ruleset, `named_key = ${RANDOM}`)];
    const findings = groupFindings(hits, new Map(ruleset.spec.rules.map((spec) => [spec.id, spec])));
    const levels = new Map(findings.map((finding) => [finding.secret, [finding.level, finding.likelyPlaceholder]]));
    expect(levels.get(TYPED)).toEqual(['note', 'sequence']);
    expect(levels.get(RANDOM)).toEqual(['warning', undefined]);
  });

  it('rejects an unknown placeholder filter with the field named', () => {
    const parsed = parseRuleText('test.toml', rule('placeholder_filters = ["typed"]'));
    expect(parsed.problems.map((problem) => [problem.field, problem.message.split(' (')[0]])).toEqual([['placeholder_filters', 'unknown filter "typed"']]);
  });

  describe('through the CLI with the built-in rules', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'keyleak-placeholder-'));
    writeFileSync(path.join(folder, 'settings.env'), `QUILLMARK_KEY=${TYPED}\n`);

    it('lists it apart from the secrets in the text report, without failing the build', () => {
      const result = keyleak(['scan', folder]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Likely placeholders: typed by hand/);
      expect(result.stdout).toMatch(/note {4}generic-named-credential/);
      expect(result.stdout).toMatch(/no confidential secrets · 1 likely placeholder/);
      expect(result.stdout).not.toContain(TYPED);
    });

    it('fails a build that asks to fail on notes', () => {
      expect(keyleak(['scan', folder, '--fail-on', 'note']).code).toBe(1);
    });

    it('says so in JSON and SARIF', () => {
      const json = JSON.parse(keyleak(['scan', folder, '--format', 'json']).stdout);
      expect(json.findings.map((finding: { ruleId: string; level: string; likelyPlaceholder?: string }) => [finding.ruleId, finding.level, finding.likelyPlaceholder])).toEqual([['generic-named-credential', 'note', 'sequence']]);
      const sarif = JSON.parse(keyleak(['scan', folder, '--format', 'sarif']).stdout);
      const [result] = sarif.runs[0].results;
      expect(result.level).toBe('note');
      expect(result.properties.likelyPlaceholder).toBe('sequence');
      expect(result.message.text).toMatch(/Likely placeholder: typed by hand/);
      const html = keyleak(['scan', folder, '--format', 'html']).stdout;
      expect(html).toContain('<span class="badge publishable">likely placeholder</span> typed by hand');
      expect(html).toContain('<span class="number" data-count="confidential">0</span> confidential');
      expect(html).toContain('<span class="number" data-count="placeholders">1</span> likely placeholder');
      expect(html).not.toContain(TYPED);
    });

    it('keeps the mark through a split scan and its merge, and refuses a shard file with an unknown mark', () => {
      const shards = [1, 2].map((index) => {
        const file = path.join(folder, `shard-${index}.json`);
        expect(keyleak(['scan', path.join(folder, 'settings.env'), '--shard', `${index}/2`, '--format', 'shard', '--output', file]).code).not.toBe(2);
        return file;
      });
      const merged = keyleak(['merge', ...shards, '--format', 'json']);
      expect(merged.stdout).toBe(keyleak(['scan', path.join(folder, 'settings.env'), '--format', 'json']).stdout);
      expect(JSON.parse(merged.stdout).findings[0].likelyPlaceholder).toBe('sequence');
      for (const file of shards) writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"likelyPlaceholder":"sequence"', '"likelyPlaceholder":"anything"'));
      const refused = keyleak(['merge', ...shards, '--format', 'json']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/findings is not as keyleak writes it/);
    });
  });
});
