/** Azure Storage account keys: List Containers signed with Shared Key, against a local Blob endpoint. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { providerHarness } from '../helpers/verify-server.js';

const ACCOUNT = 'acmeprodstore';
const KEY = 'WhYo8nKIkir9jvu6mW4n9dU1dPF9Y3xn15tYppKC7Rex43SgfihxvvbuZDFP9iLUfeRsXcgU2pU/W+BqeUrK8g==';

const provider = providerHarness('appsettings.json', 'azure-storage-account-key');
const keyFinding = provider.finding;

const { verify } = provider;

/** The string to sign as Microsoft documents it for a GET with x-ms-date and x-ms-version. */
function expectedSignature(date: string, version: string): string {
  const stringToSign = ['GET', '', '', '', '', '', '', '', '', '', '', '', `x-ms-date:${date}`, `x-ms-version:${version}`, `/${ACCOUNT}/`, 'comp:list', 'maxresults:1'].join('\n');
  return createHmac('sha256', Buffer.from(KEY, 'base64')).update(stringToSign).digest('base64');
}

const CONNECTION = `DefaultEndpointsProtocol=https;AccountName=${ACCOUNT};AccountKey=${KEY};EndpointSuffix=core.windows.net`;

describe('Azure Storage account keys', () => {
  it('lists one container on the account\'s Blob endpoint, signed with Shared Key', async () => {
    const { finding, approved } = await verify(keyFinding(`{"Storage": "${CONNECTION}"}`), { status: 200, body: '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://acmeprodstore.blob.core.windows.net/"><MaxResults>1</MaxResults><Containers /></EnumerationResults>', headers: { 'content-type': 'application/xml' } });
    expect(approved.map((url) => url.href)).toEqual([`https://${ACCOUNT}.blob.core.windows.net/?comp=list&maxresults=1`]);
    expect(finding.verification).toMatchObject({ status: 'live', host: `${ACCOUNT}.blob.core.windows.net` });
    const request = provider.server.requests[0]!;
    const date = request.headers['x-ms-date'] as string;
    expect(request.headers.authorization).toBe(`SharedKey ${ACCOUNT}:${expectedSignature(date, request.headers['x-ms-version'] as string)}`);
    expect(JSON.stringify(finding.verification)).not.toContain(KEY);
  });

  it('AuthenticationFailed is invalid; a key without its account name is not checked', async () => {
    const denied = await verify(keyFinding(CONNECTION), { status: 403, body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>' });
    expect(denied.finding.verification?.status).toBe('invalid');
    const alone = await verify(keyFinding(`AZURE_STORAGE_KEY=${KEY}`), { status: 200, body: '<EnumerationResults/>' });
    expect(alone.approved).toEqual([]);
    expect(alone.finding.verification?.detail).toBe('not checked: found no storage account name next to the key');
  });
});
