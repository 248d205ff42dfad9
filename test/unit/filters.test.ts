import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isExpiredSas, isHash, isIdentifier, isObviousSequence, isPathOrUrl, isPlaceholder, isReference, isShortLivedJwt, isTemplate, isUnprivilegedJwt, isUuid, jwtClaims, rejectingFilter, sasExpiry } from '../../src/detect/filters.js';
import { randomString, seeded } from '../helpers/seeded.js';

describe('false-positive filters', () => {
  it('placeholder', () => {
    for (const value of ['<your-api-key>', 'xxxxxxxxxxxx', 'changeme', 'YOUR_API_KEY', 'sk_live_EXAMPLEKEY1234', '************']) expect(isPlaceholder(value), value).toBe(true);
    expect(isPlaceholder('q7XfW9TLVYg45pmhUxy5')).toBe(false);
  });

  it('template', () => {
    for (const value of ['${API_KEY}', '{{ .Values.token }}', '<%= secret %>', '$TOKEN', '%(password)s', '#{secret}', '$APP_BASE_URL/classroom/#/forgot_password', '$DB_HOST:5432']) expect(isTemplate(value), value).toBe(true);
    for (const value of ['a$b9Xk2mQ7', '$uperS3cret/9', '$S3CRET/x', '$Ab_Cd/Q7x']) expect(isTemplate(value), value).toBe(false);
  });

  it('reference', () => {
    for (const value of ['process.env.STRIPE_KEY', "os.environ['TOKEN']", 'System.getenv("PWD")', 'secrets.DEPLOY_TOKEN', 'var.db_password', 'local.admin_token', 'data.vault_generic_secret.db.data["password"]']) expect(isReference(value), value).toBe(true);
    for (const value of ['VZZFuhXmoImFa7CGKzFw', 'myvar.Zq8Wm3Kx', 'variable.x7Kq']) expect(isReference(value), value).toBe(false);
  });

  it('hash', () => {
    expect(isHash('2a7a3d91796a16244e1cbab7154a2b09607863b4')).toBe(true);
    expect(isHash('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')).toBe(true);
    expect(isHash('sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR1jyDKGbSSzMe0Mw==')).toBe(true);
    expect(isHash('2a7a3d91796a16244e1cbab7154a2b0960786')).toBe(false);
  });

  it('uuid', () => {
    expect(isUuid('3f2b8c1e-5d4a-4b7e-9c2f-1a6e8d0b7c35')).toBe(true);
    expect(isUuid('3f2b8c1e5d4a4b7e9c2f1a6e8d0b7c35')).toBe(false);
  });

  it('identifier: words, camel case and messages, not random strings', () => {
    for (const value of ['getAccessToken', 'MY_SECRET_NAME', 'auth/invalid-api-key', '__PRIVATE_tokenListener', 'HTTPServer2', 'NgZoneChangeDetectionScheduler', 'request.form', 'base64Encode', 'KAFKA_SASL_GSSAPI_KRB5_CONF', 'org.slf4j.simpleLogger.levelInBrackets', 'log4j.configDebug', 'i18n.fallbackLocale', 'clm79750:AgencyIdentificationCodeContentType', 'xs:anyURI']) {
      expect(isIdentifier(value), value).toBe(true);
    }
    for (const value of ['ciq3es5kSHpPFefIB5iAj7PXnvmnQnOx', 'VZZFuhXmoImFaCGKzFwNPEkdUMIuWwi', 'mhUxy5TjbAb9so', 'abcdefghij1234567', 'bpjsvurh5rbmv2f6gnpq', 'TWANEOFOy8wsbpvpSAf1Qa', 'dkwqsmaobpwlx2k6yv8hj0zqrnfd4e', 'xkcdqrtzpl', 'qz4x.vbn7k.pw2h9t', 'clm79750:Xq7WzPk2Lr9vTn4Yb8Mc']) {
      expect(isIdentifier(value), value).toBe(false);
    }
  });

  it('path or URL without credentials', () => {
    for (const value of ['/etc/ssl/private/key.pem', 'https://example.org/callback', './config/keys/', 'C:\\keys\\prod']) expect(isPathOrUrl(value), value).toBe(true);
    expect(isPathOrUrl('DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo=')).toBe(false);
  });

  it('Android resource file paths and references are paths', () => {
    for (const value of [
      'res/drawable-v21/$avd_hide_password__0.xml',
      'res/layout/design_text_input_password_icon.xml',
      'res/-B.xml',
      '@drawable/ic_password_v2',
      '@+id/password2',
      '@android:string/ok',
      '@com.example.lib:string/api_key_label',
      '?attr/colorAccent',
    ]) {
      expect(isPathOrUrl(value), value).toBe(true);
    }
    for (const value of ['@dm1nPass99', 'resQ7x9Lm2pV', '@drawable/ic eye', 'res/../../etc/x y']) expect(isPathOrUrl(value), value).toBe(false);
  });

  it('rejectingFilter names the first filter that rejects, in the order given', () => {
    const input = { secret: '${TOKEN}', match: 'x=${TOKEN}', documentedExamples: new Set<string>(), text: 'x=${TOKEN}', start: 2, end: 10, now: 0 };
    expect(rejectingFilter(['placeholder', 'template'], input)).toBe('template');
    expect(rejectingFilter(['placeholder'], input)).toBeUndefined();
    expect(rejectingFilter(['documented-example'], { ...input, secret: 'AKIAIOSFODNN7EXAMPLE', documentedExamples: new Set(['AKIAIOSFODNN7EXAMPLE']) })).toBe('documented-example');
  });
});

describe('JWT lifetime and role', () => {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const jwt = (claims: object) => `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1ub3QtY2hlY2tlZA`;

  it('reads the claims of a JWT, and nothing from what is not one', () => {
    expect(jwtClaims(jwt({ sub: 'svc', role: 'service_role' }))).toEqual({ sub: 'svc', role: 'service_role' });
    for (const value of ['eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln', `${header}.eyJub3QganNvbg.c2ln`, `${header}.${Buffer.from('[1,2]').toString('base64url')}.c2ln`, 'not.a.jwt']) {
      expect(jwtClaims(value), value).toBeUndefined();
    }
  });

  it('calls a token issued to live a day or less a session token', () => {
    expect(isShortLivedJwt(jwt({ iat: 1718000000, exp: 1718003600 }))).toBe(true);
    expect(isShortLivedJwt(jwt({ iat: 1718000000, exp: 1718086400 }))).toBe(true);
    expect(isShortLivedJwt(jwt({ iat: 1718000000, exp: 1718086401 }))).toBe(false);
    // No expiry, or nothing to measure it from: possibly a standing credential.
    expect(isShortLivedJwt(jwt({ iat: 1718000000 }))).toBe(false);
    expect(isShortLivedJwt(jwt({ exp: 1718003600 }))).toBe(false);
    expect(isShortLivedJwt(jwt({ iat: '1718000000', exp: '1718003600' }))).toBe(false);
  });

  it('calls every JWT unprivileged but a service-role key', () => {
    expect(isUnprivilegedJwt(jwt({ role: 'service_role' }))).toBe(false);
    expect(isUnprivilegedJwt(jwt({ role: 'supabase_admin' }))).toBe(false);
    for (const claims of [{ role: 'anon' }, { role: 'authenticated' }, { role: ['service_role'] }, {}]) expect(isUnprivilegedJwt(jwt(claims)), JSON.stringify(claims)).toBe(true);
    expect(isUnprivilegedJwt('not-a-jwt')).toBe(true);
  });
});

describe('the identifier, placeholder and sequence filters keep random keys', () => {
  // The alphabets providers document for their keys and secrets.
  const ALPHABETS: Readonly<Record<string, string>> = {
    base62: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
    'lower-case and digits': 'abcdefghijklmnopqrstuvwxyz0123456789',
    'upper-case and digits': 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    'lower-case letters': 'abcdefghijklmnopqrstuvwxyz',
    hex: '0123456789abcdef',
    base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
    base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  };
  const SAMPLES = 20_000;

  for (const [name, alphabet] of Object.entries(ALPHABETS)) {
    it(`passes at least 99.9% of random ${name} values of 16 to 40 characters`, () => {
      const next = seeded(name.length * 7919);
      const dropped = { identifier: [] as string[], placeholder: [] as string[], sequence: [] as string[] };
      for (let i = 0; i < SAMPLES; i++) {
        const value = randomString(next, alphabet, 16 + Math.floor(next() * 25));
        if (isIdentifier(value)) dropped.identifier.push(value);
        if (isPlaceholder(value)) dropped.placeholder.push(value);
        if (isObviousSequence(value)) dropped.sequence.push(value);
      }
      expect(dropped.identifier.length, dropped.identifier.slice(0, 5).join(' ')).toBeLessThanOrEqual(SAMPLES / 1000);
      expect(dropped.placeholder.length, dropped.placeholder.slice(0, 5).join(' ')).toBeLessThanOrEqual(SAMPLES / 1000);
      expect(dropped.sequence.length, dropped.sequence.slice(0, 5).join(' ')).toBeLessThanOrEqual(SAMPLES / 1000);
    });
  }

  // Prefixed formats whose body is of a smaller alphabet than the whole: judged on the whole, one in nine looked typed.
  const PREFIXED: readonly (readonly [string, string, number])[] = [
    ['st.', ALPHABETS['hex']!, 64],
    ['slk_', ALPHABETS['hex']!, 64],
    ['t-', ALPHABETS['hex']!, 48],
    ['waka_', ALPHABETS['hex']!, 32],
    ['tt_', ALPHABETS['hex']!, 32],
    ['key-', '0123456789', 24],
  ];
  for (const [prefix, alphabet, length] of PREFIXED) {
    it(`passes at least 99.9% of random ${prefix} keys (${length} characters after the prefix)`, () => {
      const next = seeded(prefix.length * 104729 + length);
      const typed = Array.from({ length: SAMPLES / 4 }, () => `${prefix}${randomString(next, alphabet, length)}`).filter(isObviousSequence);
      expect(typed.length, typed.slice(0, 5).join(' ')).toBeLessThanOrEqual(SAMPLES / 4 / 1000);
    });
  }

  it('keeps random values that spell a syllable or a short word by chance', () => {
    for (const value of ['vfz9Lnbhujxmzjg0GYFyP305XKKWU54Y', 'ggdafwbvchwjwgxvryxurbcz', 'EEZIOLWW6NOME7E7JMNMSBDMA28MZQ6T', 'T5HPWH1DINPEFX5YXJN', 'lhIVTYJAscgpiCVPex']) {
      expect(isIdentifier(value), value).toBe(false);
    }
    for (const value of ['q7xfw9tlvytodoyg45pmhuxy', 'kQ2rdummyx81LmPq0aR7vT3s', 'Xn5fixmeq8RwL2pZ7vKd0sY1', 'sk_live_51HtodoLmQx82bVn3Ka9P']) {
      expect(isPlaceholder(value), value).toBe(false);
    }
  });

  it('still catches the identifiers it exists for: every one the catch-all rules met on the npm corpus', () => {
    const corpus = readFileSync(new URL('../../fixtures/filters/npm-identifiers.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(corpus.length).toBeGreaterThan(100);
    expect(corpus.filter((value) => !isIdentifier(value))).toEqual([]);
    // Values from the rules' negative examples, the recall corpus's negative cases and Python's cryptography package.
    for (const value of ['oauthClientSecretInput', 'WordPieceTokenizerForMultilingualText', 'bearer_with_refresh_rotation', 'production-database-credentials', '_updateExtraLibsToken', 'AES_256_GCM', 'exchangeRecaptchaV3Token', 'self._lib.NID_aes_256_cbc', 'X25519PrivateKey']) {
      expect(isIdentifier(value), value).toBe(true);
    }
  });

  it('still catches the placeholders it exists for, a short word only where it stands as a word or is most of the value', () => {
    for (const value of [
      '<your-client-secret>',
      'changeme-in-production',
      'AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT',
      'TODO',
      'todo-replace-before-release',
      'dummy-pass',
      'DUMMY_API_KEY',
      'myDummySecretValue',
      'TodoReplaceWithRealToken',
      'fixme_1',
      'dummydummydummy',
      'todo12345',
    ]) {
      expect(isPlaceholder(value), value).toBe(true);
    }
  });
});

describe('sequence: hand-typed fakes', () => {
  it('catches counting runs, repeated runs and interleaved counting', () => {
    for (const value of [
      '1234567890abcdef1234567890abcdef',
      'abcdefghijklmnopqrstuvwx',
      'aaaabbbbccccddddeeeeffffgggghhhh',
      'A1B2C3D4E5F6G7H8I9J0K1L2',
      '1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p',
      'abcd1234abcd5678abcd9012abcd3456',
      'abc123def456ghi789jkl0',
      'ABCD1234-EFGH5678-IJKL9101-MNOP1121',
      '0987654321fedcba0987654321fedcba',
      'ZYXWVUTSRQPONMLKJIHG',
      'Uj5HWTBGRVJFUlVGRlJGUkZSRlJGUkZSRlJGUkZSRlJGUkZSRlJGUkZSRlJGUkZS',
      'q8Zt3Lq8Zt3Lq8Zt3Lq8Zt3L',
      'xK2mP9wQvR7nxK2mP9wQvR7nxK2mP9wQvR7n',
    ]) {
      expect(isObviousSequence(value), value).toBe(true);
    }
  });

  it('leaves short values, random keys and UUIDs alone', () => {
    for (const value of ['abc12345', 'cd2b1d12d01ae2deffecfebafcc3c31d', '6f1c1d0e-8a4b-4e5c-9b27-3d6a2f8e4c19', 'Hq7WcN2pXk4Rz9Tb6Ly3Vd8Mf5Sg1Aj0', '123e4567-e89b-12d3-a456-426614174000']) {
      expect(isObviousSequence(value), value).toBe(false);
    }
  });
});

describe('expired-sas: an Azure SAS past its se expiry', () => {
  const SIG = 'Zr4nQ8wXp2LvT6bM0kYs3dJh9fGc1uEaR7oIw5lVyK2%3D';
  /** The expiry read around the signature in `text`, as an ISO string. */
  const expiryIn = (text: string) => {
    const start = text.indexOf(SIG);
    const time = sasExpiry(text, start, start + SIG.length);
    return time === undefined ? undefined : new Date(time).toISOString();
  };

  it.each([
    ['a date', `?sv=2022-11-02&se=2026-12-31&sig=${SIG}`, '2026-12-31T00:00:00.000Z'],
    ['a date and time in UTC', `?sv=2022-11-02&sr=b&se=2026-12-31T18:00:00Z&sp=r&sig=${SIG}`, '2026-12-31T18:00:00.000Z'],
    ['minutes only, colons URL-encoded', `?sv=2022-11-02&se=2026-12-31T18%3A30Z&sig=${SIG}`, '2026-12-31T18:30:00.000Z'],
    ['seven fraction digits', `sv=2022-11-02&se=2026-12-31T18:00:00.1234567Z&sig=${SIG}`, '2026-12-31T18:00:00.123Z'],
    ['a zone offset', `sv=2022-11-02&se=2026-12-31T18:00:00%2B01:00&sig=${SIG}`, '2026-12-31T17:00:00.000Z'],
    ['no zone, read as UTC', `sv=2022-11-02&se=2026-12-31T18:00:00&sig=${SIG}`, '2026-12-31T18:00:00.000Z'],
    ['after the signature', `?sv=2019-12-12&sr=b&sig=${SIG}&se=2020-01-01T00:00:00Z&sp=r`, '2020-01-01T00:00:00.000Z'],
    ['HTML-escaped ampersands', `sp=r&amp;se=2023-05-02T16:00:00Z&amp;sv=2021-06-08&amp;sig=${SIG}`, '2023-05-02T16:00:00.000Z'],
    ['Unix seconds in a Service Bus token', `SharedAccessSignature sr=bus%2Forders&sig=${SIG}&se=1893456000&skn=send`, '2030-01-01T00:00:00.000Z'],
  ])('reads %s', (_form, text, expected) => {
    expect(expiryIn(text)).toBe(expected);
  });

  it.each([
    ['no se', `?sv=2022-11-02&sp=r&sig=${SIG}`],
    ['an se that is not a date', `?sv=2022-11-02&se=tomorrow&sig=${SIG}`],
    ['an impossible date', `?sv=2022-11-02&se=2026-13-45&sig=${SIG}`],
    ['a broken escape', `?sv=2022-11-02&se=2026-12-31%E0&sig=${SIG}`],
    ['an se of another URL on the line', `see https://a.blob.core.windows.net/x?se=2020-01-01&sig=other and ?sv=2022-11-02&sig=${SIG}`],
    ['a parameter that only ends in se', `?sv=2022-11-02&rse=2020-01-01&sig=${SIG}`],
  ])('finds no expiry in %s', (_form, text) => {
    expect(expiryIn(text)).toBeUndefined();
  });

  it('compares the expiry with the scan date: expired at or after it, kept before', () => {
    const text = `?sv=2022-11-02&se=2026-12-31T18:00:00Z&sig=${SIG}`;
    const input = { secret: SIG, match: `sig=${SIG}`, documentedExamples: new Set<string>(), text, start: text.indexOf(SIG), end: text.length };
    expect(isExpiredSas({ ...input, now: Date.parse('2026-12-06T00:00:00Z') })).toBe(false);
    expect(isExpiredSas({ ...input, now: Date.parse('2026-12-31T18:00:00Z') })).toBe(true);
    expect(isExpiredSas({ ...input, now: Date.parse('2027-01-01T00:00:00Z') })).toBe(true);
    expect(isExpiredSas({ ...input, text: `?sv=2022-11-02&sig=${SIG}`, start: 19, end: 19 + SIG.length, now: Date.parse('2099-01-01T00:00:00Z') })).toBe(false);
  });
});
