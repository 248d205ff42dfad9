import { describe, expect, it } from 'vitest';
import { valueFirstPairs } from '../../src/detect/value-first.js';

/** The pairs read when every character may be a keyword start (the detector passes only keywords'). */
const pairsIn = (text: string) => valueFirstPairs(text, Array.from({ length: text.length }, (_, at) => at)).map(({ start, end, decoded }) => ({ value: text.slice(start, end), decoded }));

describe('valueFirstPairs', () => {
  it('reads a pair whose value comes before its name, as NAME="value" pointing at the value', () => {
    expect(pairsIn('[{"value": "c0ffee12", "name": "DD_API_KEY"}]')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
    expect(pairsIn('env:\n  - value: "c0ffee12"\n    name: DD_API_KEY\n')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
    expect(pairsIn('env:\n- value: c0ffee12\n  name: DD_API_KEY\n')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
    expect(pairsIn('{"ParameterValue": "c0ffee12", "ParameterKey": "DbPassword"}')).toEqual([{ value: 'c0ffee12', decoded: 'DbPassword="c0ffee12"' }]);
    expect(pairsIn('env = [{ value = "c0ffee12", name = "DD_API_KEY" }]')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
    // Another field between them, and JSON inside a string.
    expect(pairsIn('{"value": "c0ffee12", "type": "secret", "name": "DD_API_KEY"}')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
    expect(pairsIn('"{\\"value\\": \\"c0ffee12\\", \\"name\\": \\"DD_API_KEY\\"}"')).toEqual([{ value: 'c0ffee12', decoded: 'DD_API_KEY="c0ffee12"' }]);
  });

  it('never pairs a value with the name of another object or list item', () => {
    // Name first: the value belongs to the name before it.
    expect(pairsIn('[{"name": "LOG_LEVEL", "value": "c0ffee12"}, {"name": "DD_API_KEY", "valueFrom": "x"}]')).toEqual([]);
    expect(pairsIn('env:\n  - name: LOG_LEVEL\n    value: c0ffee12\n  - name: DD_API_KEY\n    valueFrom:\n')).toEqual([]);
    expect(pairsIn('- value: c0ffee12\n- name: DD_API_KEY\n')).toEqual([]);
    // Different columns: another mapping.
    expect(pairsIn('a:\n    value: c0ffee12\nname: DD_API_KEY\n')).toEqual([]);
    // An HTML form field, and a value too far behind.
    expect(pairsIn('<input value="c0ffee12" name="api_key">')).toEqual([]);
    expect(pairsIn(`{"value": "c0ffee12", "note": "${'n'.repeat(400)}", "name": "DD_API_KEY"}`)).toEqual([]);
  });

  it('stays bounded on crafted input', () => {
    const many = '{"value": "v", '.repeat(20_000) + '"name": "DD_API_KEY"}';
    expect(pairsIn(many.slice(-2000)).length).toBeLessThanOrEqual(1);
    const longName = `{"value": "c0ffee12", "name": "${'A'.repeat(100_000)}"}`;
    expect(valueFirstPairs(longName, [50_000])).toEqual([]);
    expect(valueFirstPairs('"name": "X"', [100, -1])).toEqual([]);
  });
});
