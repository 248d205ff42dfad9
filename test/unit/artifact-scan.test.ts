import { describe, expect, it } from 'vitest';
import { isJvmDescriptor, renderStrings } from '../../src/scan/artifact-scan.js';

describe('renderStrings', () => {
  it('puts one string per line, named ones as key = "value", and drops strings too short to be secrets', () => {
    const rendered = renderStrings([
      { value: 'short', locator: { kind: 'offset', offset: 0, encoding: 'utf8' } },
      { value: 'first line\nsecond line', locator: { kind: 'string-table', table: 'dex', index: 1 } },
      { value: 'xoxb-123456789012', key: 'slack_token', locator: { kind: 'resource', name: 'string/slack_token' } },
      { value: 'carriage\rreturn', locator: { kind: 'string-table', table: 'dex', index: 3 } },
    ]);
    expect(rendered.text).toBe('first line\nsecond line\nslack_token = "xoxb-123456789012"\ncarriage return');
    expect(rendered.firstLines).toEqual([1, 3, 4]);
    expect(rendered.prefixes).toEqual([0, 'slack_token = "'.length, 0]);
    expect(rendered.strings.map((string) => string.locator.kind)).toEqual(['string-table', 'resource', 'string-table']);
  });
});

describe('isJvmDescriptor', () => {
  it('recognises type and method descriptors', () => {
    for (const descriptor of ['Ljava/lang/String;', '[[Lcom/acme/Key$Inner;', '(ILjava/util/List;[B)V', '()Ljava/lang/Object;']) expect(isJvmDescriptor(descriptor), descriptor).toBe(true);
  });

  it('keeps everything a secret could be', () => {
    for (const value of ['OJJvAL1QlUQ/d9p9lZxFIFceVoa43spY0s9X+lW3', 'Lx7kQ2/vN9pR4sT1uW3yZ5aB8cD0eF6gH2jK4mP9', '(secret)', 'Lorem ipsum dolor;']) expect(isJvmDescriptor(value), value).toBe(false);
  });
});
