import { describe, expect, it } from 'vitest';
import { joinSpokenNames } from '../../src/detect/spaced-names.js';

describe('joinSpokenNames', () => {
  it('joins the words of a credential name followed by an assignment, from where the name starts', () => {
    expect(joinSpokenNames('- Datadog API key: 0f', [2])).toBe('- Datadog-API-key: 0f');
    expect(joinSpokenNames('# Stripe secret key = x', [2])).toBe('# Stripe-secret-key = x');
    expect(joinSpokenNames('Twilio Account SID - AC1', [0])).toBe('Twilio-Account-SID - AC1');
    expect(joinSpokenNames('| Datadog API key | 0f |', [2])).toBe('| Datadog-API-key | 0f |');
    // A keyword inside the first word (`datadog` in `MyDatadog`) reads the rest of that word.
    expect(joinSpokenNames('MyDatadog app key: 0f', [2])).toBe('MyDatadog-app-key: 0f');
  });

  it('leaves prose, other names and other assignments alone', () => {
    const prose = 'The Datadog API key is stored in Vault; the Datadog API key rotates.';
    expect(joinSpokenNames(prose, [4, 47])).toBe(prose);
    // The last word is not a credential's.
    expect(joinSpokenNames('Datadog site: datadoghq.eu', [0])).toBe('Datadog site: datadoghq.eu');
    // `::` and `==` are no assignment; two spaces or a tab do not join words of one name.
    expect(joinSpokenNames('Datadog API key :: 0f', [0])).toBe('Datadog API key :: 0f');
    expect(joinSpokenNames('Datadog API key == 0f', [0])).toBe('Datadog API key == 0f');
    expect(joinSpokenNames('Datadog  API key: 0f', [0])).toBe('Datadog  API key: 0f');
    // More than five words is a sentence, not a name.
    const sentence = 'Datadog is where we send the key: 0f';
    expect(joinSpokenNames(sentence, [0])).toBe(sentence);
  });

  it('keeps every offset and reads no further than a bounded name on crafted input', () => {
    const long = `Datadog ${'a'.repeat(100_000)} key: 0f`;
    expect(joinSpokenNames(long, [0])).toBe(long);
    const many = 'Datadog API key: 1\n'.repeat(10_000);
    const starts = Array.from({ length: 10_000 }, (_, line) => line * 19);
    const joined = joinSpokenNames(many, starts);
    expect(joined.length).toBe(many.length);
    expect(joined).toBe('Datadog-API-key: 1\n'.repeat(10_000));
    // Starts past the end or on a space read nothing.
    expect(joinSpokenNames('Datadog API key: 0f', [50, 7])).toBe('Datadog API key: 0f');
  });
});
