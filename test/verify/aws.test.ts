/** AWS access keys: sts:GetCallerIdentity signed with Signature Version 4, against a local STS. */
import { describe, expect, it } from 'vitest';
import { compileRuleset } from '../../src/ruleset/compile.js';
import { detect } from '../../src/detect/detector.js';
import { signatureV4 } from '../../src/verify/aws.js';
import { providerHarness } from '../helpers/verify-server.js';

const KEY_ID = 'AKIAINRA6JZW2HXUTESY';
const SECRET_KEY = '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';

const provider = providerHarness('.aws/credentials', 'aws-secret-access-key');
const secretFinding = provider.finding;

const { verify } = provider;

const CALLER = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/deploy-bot</Arn>
    <UserId>AIDAJQABLZS4A3QDU576Q</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

const ERROR = (code: string) => `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>0</RequestId></ErrorResponse>`;

describe('Signature Version 4', () => {
  it('matches the signature AWS documents for its IAM ListUsers example', () => {
    const authorization = signatureV4({
      method: 'GET',
      url: new URL('https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: 'iam.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
      body: '',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      region: 'us-east-1',
      service: 'iam',
      amzDate: '20150830T123600Z',
    });
    expect(authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });
});

describe('sts:GetCallerIdentity', () => {
  it('signs a GetCallerIdentity call with the paired key id and reports the account and ARN', async () => {
    const finding = secretFinding(`[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET_KEY}\n`);
    const { finding: verified, approved } = await verify(finding, { status: 200, body: CALLER, headers: { 'content-type': 'text/xml' } });
    expect(approved.map((url) => url.href)).toEqual(['https://sts.amazonaws.com/']);
    expect(verified.verification).toMatchObject({ status: 'live', host: 'sts.amazonaws.com', identity: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/deploy-bot' } });
    const request = provider.server.requests[0]!;
    expect([request.method, request.body]).toEqual(['POST', 'Action=GetCallerIdentity&Version=2011-06-15']);
    const date = request.headers['x-amz-date'] as string;
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    // The signature a real STS would check, recomputed from what was sent.
    expect(request.headers.authorization).toBe(
      signatureV4({ method: 'POST', url: new URL('https://sts.amazonaws.com/'), headers: { 'content-type': request.headers['content-type'] as string, host: 'sts.amazonaws.com', 'x-amz-date': date }, body: request.body, accessKeyId: KEY_ID, secretAccessKey: SECRET_KEY, region: 'us-east-1', service: 'sts', amzDate: date }),
    );
    expect(JSON.stringify(verified.verification)).not.toContain(SECRET_KEY);
  });

  it('reads InvalidClientTokenId and SignatureDoesNotMatch as invalid', async () => {
    const finding = secretFinding(`aws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET_KEY}\n`);
    for (const code of ['InvalidClientTokenId', 'SignatureDoesNotMatch']) {
      expect((await verify(finding, { status: 403, body: ERROR(code) })).finding.verification).toMatchObject({ status: 'invalid', detail: `AWS refused the key (${code})` });
    }
    expect((await verify(finding, { status: 400, body: ERROR('Throttling') })).finding.verification?.status).toBe('unknown');
  });

  it('does not check a secret without its key id, nor a temporary key without its session token', async () => {
    const alone = secretFinding(`export AWS_SECRET_ACCESS_KEY="${SECRET_KEY}"\n`);
    expect((await verify(alone, { status: 200, body: CALLER })).finding.verification).toMatchObject({ status: 'unknown', detail: 'not checked: no access key id found next to the secret' });
    const temporary = secretFinding(`{"Credentials": {"AccessKeyId": "ASIAWULOOZ5FEJGQCWS7", "SecretAccessKey": "${SECRET_KEY}"}}`);
    expect((await verify(temporary, { status: 200, body: CALLER })).finding.verification?.detail).toContain('session token');
    expect(provider.server.requests).toEqual([]);
  });

  it('still reports the key id as its own finding', async () => {
    const hits = detect({ text: `aws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET_KEY}\n`, provenance: { kind: 'file', path: 'creds' } }, compileRuleset(provider.spec));
    expect(hits.map((hit) => hit.ruleId).sort()).toEqual(['aws-access-key-id', 'aws-secret-access-key']);
  });
});
