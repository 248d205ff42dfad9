/**
 * Hardcoded keys found by use: the used-keys app (fixtures/apps/src/used-keys, assembled by smali)
 * hands constants with no secret shape to crypto, key-store, HTTP and database calls; the real CLI
 * reports each one with the call and the method in its place, and none of the look-alikes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';

const APP = fileURLToPath(new URL('../../fixtures/apps/out/used-keys.apk', import.meta.url));
const ANSWER_KEYS = new URL('../../fixtures/apps/answer-keys.json', import.meta.url);
const JAR = fileURLToPath(new URL('../../fixtures/apps/out/parts/used-keys.jar', import.meta.url));
const PARTS_DEX = fileURLToPath(new URL('../../fixtures/apps/out/parts/used-keys.dex', import.meta.url));

interface Finding {
  readonly ruleId: string;
  readonly level: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly path: string; readonly where?: string; readonly locator?: { readonly kind: string; readonly sink?: string; readonly method?: string } }[];
}

function scan(args: readonly string[] = []): { readonly code: number | null; readonly findings: readonly Finding[]; readonly stdout: string } {
  const result = keyleak(['scan', APP, '--format', 'json', '--fail-on', 'note', '--threads', '1', ...args]);
  return { code: result.code, stdout: result.stdout, findings: (JSON.parse(result.stdout) as { findings: Finding[] }).findings };
}

const C = 'Lcom/example/usedkeys/Crypto;';
const N = 'Lcom/example/usedkeys/Network;';

/** [rule, secret, sink, method] for every constant the smali sources pass to a sink. */
const EXPECTED: readonly (readonly [string, string, string, string])[] = [
  ['hardcoded-crypto-key', 'This is the super secret key 123', 'javax.crypto.spec.SecretKeySpec.<init>', `${C}->aesEncrypt`],
  ['hardcoded-crypto-iv', 'Q7p2Xz9Lk4Vm1Nb8', 'javax.crypto.spec.IvParameterSpec.<init>', `${C}->aesEncrypt`],
  ['hardcoded-crypto-key', 'vendorsecretkey', 'javax.crypto.spec.DESKeySpec.<init>', `${C}->vendorKeySpec`],
  ['hardcoded-crypto-key', 'q1v8Zk3Rj6Tn0Wd5Ya2Lc4Hx9Ub7Ms1E', 'javax.crypto.spec.SecretKeySpec.<init>', `${C}->gcmKey`],
  ['hardcoded-crypto-iv', 'Jx4Rb8Nq2Wz6', 'javax.crypto.spec.GCMParameterSpec.<init>', `${C}->gcmKey`],
  ['hardcoded-crypto-key', 'hmac-signing-secret-v1', 'javax.crypto.spec.SecretKeySpec.<init>', `${C}->sign`],
  ['hardcoded-password-use', 'verycomplicatedpassword', 'javax.crypto.spec.PBEKeySpec.<init>', `${C}->passwordKey`],
  ['hardcoded-password-use', 'Kst0re-pass', 'java.security.KeyStore.load', `${C}->loadStore`],
  ['hardcoded-authorization-header', 'Basic ZGV2aWNlOlRyNHZlbC1BcHAtMjAyNA==', 'java.net.HttpURLConnection.setRequestProperty', `${N}->open`],
  ['hardcoded-password-use', 'r3st-Api-Passw0rd', 'okhttp3.Credentials.basic', `${N}->request`],
  ['hardcoded-authorization-header', 'Bearer 8fKq2LmZ7xRw4TnY1vBc', 'okhttp3.Request$Builder.addHeader', `${N}->request`],
  ['hardcoded-password-use', 'dbpass-2024', 'net.sqlcipher.database.SQLiteDatabase.openOrCreateDatabase', `${N}->database`],
  ['hardcoded-password-use', 'pr0xy-Secret', 'java.net.PasswordAuthentication.<init>', `${N}->proxyLogin`],
  ['hardcoded-crypto-key', 'Bank vault key, do not share!', 'javax.crypto.spec.SecretKeySpec.<init>', 'Lcom/example/usedkeys/Bank;->encrypt'],
  ['hardcoded-password-use', 'sup3r-admin-pin-42', 'java.lang.String.equals', 'Lcom/example/usedkeys/PinCheck;->check'],
  ['hardcoded-password-use', 'Backdoor-Token-77', 'java.lang.String.equalsIgnoreCase', 'Lcom/example/usedkeys/PinCheck;->checkReversed'],
];

describe('keys and passwords found by how the code uses them', () => {
  it('agrees with the answer key npm run accuracy scores the app by', () => {
    const keys = JSON.parse(readFileSync(ANSWER_KEYS, 'utf8')) as { apps: { path?: string; secrets: { secret: string; rule: string }[] }[] };
    const usedKeys = keys.apps.find((app) => app.path === 'out/used-keys.apk')!;
    expect(usedKeys.secrets.map((entry) => [entry.rule, entry.secret]).sort()).toEqual(EXPECTED.map(([rule, secret]) => [rule, secret]).sort());
  });

  const { code, findings, stdout } = scan(['--no-redact']);

  it('reports every constant that reaches a key, IV, password or authorization sink, with the sink and method', () => {
    const found = findings.map((finding) => {
      const locator = finding.occurrences[0]?.locator;
      return [finding.ruleId, finding.secret, locator?.sink, locator?.method];
    });
    expect(found.sort()).toEqual(EXPECTED.map((entry) => [...entry]).sort());
    expect(code).toBe(1);
  });

  it('places each in the DEX and names the call: dex string #n → sink in method', () => {
    const key = findings.find((finding) => finding.secret === 'This is the super secret key 123')!;
    expect(key.occurrences).toHaveLength(1);
    expect(key.occurrences[0]!.path).toMatch(/fixtures\/apps\/out\/used-keys\.apk!classes\.dex$/);
    expect(key.occurrences[0]!.where).toMatch(/^dex string #\d+ → javax\.crypto\.spec\.SecretKeySpec\.<init> in Lcom\/example\/usedkeys\/Crypto;->aesEncrypt$/);
    expect(key.level).toBe('error');
  });

  it('reports a fixed IV as a warning, raised to error inside an app package like every confidential finding', () => {
    expect(findings.filter((finding) => finding.ruleId === 'hardcoded-crypto-iv').map((finding) => finding.level)).toEqual(['error', 'error']);
    const bare = keyleak(['scan', PARTS_DEX, '--format', 'json', '--fail-on', 'note', '--threads', '1']);
    const levels = (JSON.parse(bare.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.ruleId === 'hardcoded-crypto-iv').map((finding) => finding.level);
    expect(levels).toEqual(['warning', 'warning']);
  });

  it('follows a key from a constructor’s field through an argument to the helper that builds the SecretKeySpec', () => {
    const bank = findings.find((finding) => finding.secret === 'Bank vault key, do not share!')!;
    expect(bank.occurrences.map((occurrence) => occurrence.where)).toEqual([
      expect.stringMatching(/^dex string #\d+ → javax\.crypto\.spec\.SecretKeySpec\.<init> in Lcom\/example\/usedkeys\/Bank;->encrypt \(called from Lcom\/example\/usedkeys\/Bank;->seal\)$/),
    ]);
  });

  it('does not report look-alikes: a key-like string only logged or shown, a key from elsewhere, an overwritten constant, a field set twice, a constant in the plaintext position, other headers', () => {
    for (const value of ['This is the super secret key 456', 'first label', 'Hello from the vault', 'POST-request-mode', 'Show-advanced-label', 'not-the-key-placeholder', 'overwritten-constant-1', 'de-DE,de;q=0.9', 'Basic-looking-but-unnamed', 'UsedKeys/1.0 (Android)', 'AES/CBC/PKCS5Padding', 'proxyuser']) {
      expect(stdout, value).not.toContain(value);
    }
  });

  it('redacts by default', () => {
    const redacted = scan();
    expect(redacted.stdout).not.toContain('This is the super secret key 123');
    expect(redacted.stdout).not.toContain('verycomplicatedpassword');
    expect(redacted.findings).toHaveLength(EXPECTED.length);
  });
});

describe('found by use in class files and JavaScript', () => {
  it('reports what a jar’s methods hand to sinks, as its answer key lists, and not the logged look-alike', () => {
    const keys = JSON.parse(readFileSync(ANSWER_KEYS, 'utf8')) as { apps: { path?: string; secrets: { secret: string; rule: string }[] }[] };
    const expected = keys.apps.find((app) => app.path === 'out/parts/used-keys.jar')!.secrets.map((entry) => [entry.rule, entry.secret]);
    const result = keyleak(['scan', JAR, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
    expect(findings.map((finding) => [finding.ruleId, finding.secret]).sort()).toEqual(expected.sort());
    const hmac = findings.find((finding) => finding.secret === 'jvm-hmac-key-from-constructor')!;
    expect(hmac.occurrences[0]!.path).toMatch(/used-keys\.jar!com\/example\/usedkeys\/JvmVault\.class$/);
    expect(hmac.occurrences[0]!.where).toMatch(/^constant-pool string #\d+ → javax\.crypto\.spec\.SecretKeySpec\.<init> in Lcom\/example\/usedkeys\/JvmVault;->hmac \(called from Lcom\/example\/usedkeys\/JvmVault;->sign\)$/);
    expect(result.stdout).not.toContain('jvm super secret aes key 7654321');
  });

  it('reports a literal key passed to CryptoJS or Node crypto where the call is visible, and not a key from a variable', () => {
    const tree = makeTree({
      'src/session.js': 'import CryptoJS from "crypto-js";\nexport const seal = (session) => CryptoJS.AES.encrypt(JSON.stringify(session), "This is the super secret key 123").toString();\nexport const open = (token, key) => CryptoJS.AES.decrypt(token, key);\n',
      'server/webhook.mjs': 'import { createHmac } from "node:crypto";\nexport const sign = (body) => createHmac("sha256", "webhook-signing-secret-01").update(body).digest("hex");\n',
      'assets/index.android.bundle': '__d(function(g,r,i,a,m,e,d){var o=r(d[0]);e.seal=function(t){return o.AES.encrypt(t,"verycomplicatedpassword").toString()}},0,[1]);\n',
    });
    try {
      const result = keyleak(['scan', '.', '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1'], { cwd: tree.root });
      const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
      expect(findings.map((finding) => [finding.ruleId, finding.secret, finding.occurrences[0]!.path]).sort()).toEqual([
        ['hardcoded-js-crypto-key', 'This is the super secret key 123', 'src/session.js'],
        ['hardcoded-js-crypto-key', 'verycomplicatedpassword', 'assets/index.android.bundle'],
        ['hardcoded-js-crypto-key', 'webhook-signing-secret-01', 'server/webhook.mjs'],
      ]);
    } finally {
      tree.remove();
    }
  });
});
