/** keyleak.toml: a project's own rules, allowlists, ignored paths and limits, found automatically. */
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';
import { zip } from './helpers/archives.js';

const SECRET = 'sk_live_D6t70oo4QVmidFPu2558Je4QBf7W4qA047k83Xii';
const PUBLISHABLE = 'pk_live_QoC9H8eyTcRUYMFHQpttakYs1gVmMjgB9lp0Q313XEOG';

let tree: Tree;
afterEach(() => tree?.remove());

const RULE = `provider = "Acme"
[[rules]]
id = "acme-internal-token"
description = "Acme internal token."
remediation = "Revoke it."
regex = '''\\b(acmeint_[a-z0-9]{16})\\b'''
keywords = ["acmeint_"]
examples = ["a acmeint_0123456789abcdef", "b acmeint_fedcba9876543210"]
negative_examples = ["acmeint_short", "acmeint_"]
`;

function scanJson(args: readonly string[], cwd: string) {
  const result = keyleak(['scan', ...args, '--format', 'json'], { cwd });
  return { code: result.code, stderr: result.stderr, keys: result.stdout ? (JSON.parse(result.stdout).findings as { ruleId: string; occurrences: { path: string }[] }[]).map((f) => `${f.ruleId} ${f.occurrences[0]!.path}`).sort() : [] };
}

describe('keyleak.toml', () => {
  it('adds rules, disables rules, ignores paths, adds allowlists, and sets limits and fail-on', () => {
    tree = makeTree({
      'keyleak.toml': `rules = ["security/rules"]\ndisable = ["stripe-publishable-key"]\nignore = ["fixtures/**", "security/**"]\nfail-on = "note"\nmax-file-size = "1KB"\n\n[[allowlists]]\npaths = ['''^app/test/''']\n`,
      'security/rules/acme.toml': RULE,
      'app/config.env': `STRIPE=${SECRET}\nACME=acmeint_0a1b2c3d4e5f6a7b\n`,
      'app/web.js': `Stripe("${PUBLISHABLE}")\n`,
      'app/test/fake.env': `STRIPE=${SECRET}\n`,
      'fixtures/sample.env': `STRIPE=${SECRET}\n`,
      'app/big.env': `STRIPE=${SECRET}\n${'#'.repeat(2048)}\n`,
    });
    const { code, keys } = scanJson(['app'], tree.root);
    expect(keys).toEqual(['acme-internal-token app/config.env', 'stripe-secret-key app/config.env']);
    expect(code).toBe(1);
    expect(scanJson(['.'], tree.root).keys).toEqual(['acme-internal-token app/config.env', 'stripe-secret-key app/config.env']);
  });

  it('is found from a sub-folder, and flags on the command line win over it', () => {
    tree = makeTree({ 'keyleak.toml': 'max-file-size = "10"\n', 'app/config.env': `STRIPE=${SECRET}\n` });
    expect(scanJson(['config.env'], `${tree.root}/app`).keys).toEqual([]);
    expect(scanJson(['config.env', '--max-file-size', '1MB'], `${tree.root}/app`).keys).toEqual(['stripe-secret-key config.env']);
  });

  it('rejects a mistake with one line naming the file and the field', () => {
    tree = makeTree({ 'keyleak.toml': 'max-file-size = "big"\n', 'a.env': '' });
    expect(scanJson(['.'], tree.root)).toMatchObject({ code: 2, stderr: 'keyleak: keyleak.toml: max-file-size: must be a size such as "10MB", "512KB" or a number of bytes\n' });
    tree.write('keyleak.toml', 'treshold = 3\n');
    expect(scanJson(['.'], tree.root).stderr).toBe(
      'keyleak: keyleak.toml: treshold: unknown field (known: rules, disable, ignore, allowlists, baseline, fail-on, max-file-size, verify, max-archive-depth, max-archive-entries, max-entry-size, max-archive-size, max-compression-ratio)\n',
    );
    tree.write('keyleak.toml', 'max-archive-depth = -1\n');
    expect(scanJson(['.'], tree.root).stderr).toBe('keyleak: keyleak.toml: max-archive-depth: must be a whole number of at least 0\n');
  });

  it('sets archive limits, and the flags win over them', () => {
    tree = makeTree({ 'keyleak.toml': 'max-archive-depth = 0\nmax-entry-size = "1MB"\n', 'release.zip': zip([{ name: 'config.env', content: `STRIPE=${SECRET}\n` }]) });
    expect(scanJson(['.'], tree.root).keys).toEqual([]);
    expect(scanJson(['.', '--max-archive-depth', '1'], tree.root).keys).toEqual(['stripe-secret-key release.zip!config.env']);
  });
});
