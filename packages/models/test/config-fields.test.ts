// The one JSON-field reader: each kind of field (integer, number, string, boolean, list, nested
// object), required or optional, with the two error shapes every config reader shares.
import { JsonFields, parseJsonObject } from '@agon/models';

const f = new JsonFields(
  { n: 3, half: 0.5, zero: 0, neg: -2, name: 'silu', flag: true, list: ['a', 'b'], empty: [], nothing: null, rope: { factor: 'x', ok: 2 } },
  'm/config.json',
);

describe('JsonFields', () => {
  it('reads each kind; absent and null are "not given"', () => {
    expect(f.integer('n', { min: 1 })).toBe(3);
    expect(f.number('half', { min: 0, below: 1 })).toBe(0.5);
    expect(f.string('name', ['silu'])).toBe('silu');
    expect(f.boolean('flag')).toBe(true);
    expect(f.array('list', 'a list of strings', (v): v is string => typeof v === 'string')).toEqual(['a', 'b']);
    expect(f.object('rope').integer('ok', { min: 1 })).toBe(2);
    for (const name of ['nothing', 'absent']) {
      expect(f.optInteger(name)).toBeUndefined();
      expect(f.optNumber(name)).toBeUndefined();
      expect(f.optString(name)).toBeUndefined();
      expect(f.optBoolean(name)).toBeUndefined();
      expect(f.optObject(name)).toBeUndefined();
      expect(f.has(name)).toBe(false);
    }
  });

  it('wrong values: "<file>: field \'<name>\' must be <expected> (found <value>)"', () => {
    const cases: [() => unknown, string][] = [
      [() => f.integer('half', { min: 1 }), "m/config.json: field 'half' must be a positive integer (found 0.5)"],
      [() => f.integer('neg', { min: 0 }), "m/config.json: field 'neg' must be a non-negative integer (found -2)"],
      [() => f.integer('n', { min: 0, below: 3 }), "m/config.json: field 'n' must be an integer in [0, 3) (found 3)"],
      [() => f.integer('n', { min: 4, max: 9 }), "m/config.json: field 'n' must be an integer in [4, 9] (found 3)"],
      [() => f.number('zero', { positive: true }), "m/config.json: field 'zero' must be a positive number (found 0)"],
      [() => f.number('name'), 'm/config.json: field \'name\' must be a finite number (found "silu")'],
      [() => f.string('name', ['gelu', 'relu'], 'no other is implemented'), "m/config.json: field 'name' must be one of 'gelu', 'relu' (no other is implemented) (found \"silu\")"],
      [() => f.boolean('n'), "m/config.json: field 'n' must be true or false (found 3)"],
      [() => f.array('empty', 'a non-empty list', (_v): _v is unknown => true, { nonEmpty: true }), "m/config.json: field 'empty' must be a non-empty list (found [])"],
      [() => f.object('list'), 'm/config.json: field \'list\' must be an object (found ["a","b"])'],
      [() => f.object('rope').number('factor'), 'm/config.json: field \'rope.factor\' must be a finite number (found "x")'],
      [() => { throw f.fail('n', 'even'); }, "m/config.json: field 'n' must be even (found 3)"],
    ];
    for (const [read, message] of cases) expect(read).toThrow(message);
  });

  it('missing required fields: "<file>: missing field \'<name>\' (expected <expected>)"', () => {
    expect(() => f.integer('layers', { min: 1 })).toThrow("m/config.json: missing field 'layers' (expected a positive integer)");
    expect(() => f.string('nothing', ['LORA'])).toThrow("m/config.json: missing field 'nothing' (expected 'LORA')");
    expect(() => f.object('rope').number('theta', { positive: true })).toThrow("m/config.json: missing field 'rope.theta' (expected a positive number)");
  });

  it('parseJsonObject names the file for bad JSON and for a value that is not an object', () => {
    expect(parseJsonObject(new TextEncoder().encode('{"a": 1}'), 'x.json')).toEqual({ a: 1 });
    expect(() => parseJsonObject('{"a": ', 'x.json')).toThrow(/^x\.json: not valid JSON/);
    expect(() => parseJsonObject('[1]', 'x.json')).toThrow('x.json: expected a JSON object');
  });
});
