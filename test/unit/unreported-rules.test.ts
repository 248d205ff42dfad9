import { describe, expect, it } from 'vitest';
import { rulesetFrom, hitsIn } from '../helpers/rules.js';
import type { Ruleset } from '../../src/ruleset/compile.js';

// A provider secret that takes an issuer as its companion, the issuer (never reported alone), and a
// generic rule the issuer outranks on the same text.
const SECRET_RULE = `
[[rules]]
id = "demo-secret"
regex = '''demo_secret=([A-Za-z0-9]{24})'''
keywords = ["demo_secret"]
[[rules.companions]]
id = "demo-issuer"
withinLines = 3
`;
const ISSUER_RULE = `
[[rules]]
id = "demo-issuer"
regex = '''issuer=([a-z]{3,20}\\.demo\\.io)'''
keywords = ["issuer"]
skipReport = true
`;
const GENERIC_RULE = `
[[rules]]
id = "demo-generic"
regex = '''=([a-z.]{12,40})'''
keywords = ["="]
generic = true
`;

/** The rules (by id) whose regex searched the text. */
function searchedRules(ruleset: Ruleset, text: string): Set<string> {
  const searched = new Set<string>();
  hitsIn({ ...ruleset, searching: (rule) => rule !== undefined && searched.add(ruleset.rules[rule]!.spec.id) }, text);
  return searched;
}

describe('rules that are never reported alone', () => {
  const ruleset = rulesetFrom(SECRET_RULE + ISSUER_RULE + GENERIC_RULE);

  it('do not search a text where nothing found takes them as companions', () => {
    // No candidate at all: the host is too short for the generic rule.
    const text = 'issuer=abc.demo.io\nother=1\n';
    expect(searchedRules(ruleset, text).has('demo-issuer')).toBe(false);
    expect(hitsIn(ruleset, text)).toEqual([]);
  });

  it('still pair with the secret that names them', () => {
    const text = 'issuer=acme.demo.io\ndemo_secret=Qm7tX2vR9kLp4Wz8Nc3Hd6Fy\n';
    expect(searchedRules(ruleset, text).has('demo-issuer')).toBe(true);
    const [hit, ...rest] = hitsIn(ruleset, text);
    expect(rest).toEqual([]);
    expect(hit?.ruleId).toBe('demo-secret');
    expect(hit?.companions.map((companion) => [companion.ruleId, companion.secret])).toEqual([['demo-issuer', 'acme.demo.io']]);
  });

  it('still outrank a generic candidate on the same text', () => {
    // Without the issuer's candidate, the generic rule would report the issuer's host.
    expect(hitsIn(ruleset, 'issuer=acme.demo.io\n').map((hit) => hit.ruleId)).toEqual([]);
    expect(hitsIn(rulesetFrom(SECRET_RULE + GENERIC_RULE), 'issuer=acme.demo.io\n').map((hit) => hit.ruleId)).toEqual(['demo-generic']);
  });
});
