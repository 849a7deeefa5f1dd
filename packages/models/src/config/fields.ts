/**
 * The one reader of JSON fields in config files (config.json, generation_config.json,
 * tokenizer_config.json, adapter_config.json, safetensors indexes) and of option objects shaped
 * like them. Every error has one of two shapes, naming the file and the field:
 * `<file>: field '<name>' must be <expected> (found <value>)` and
 * `<file>: missing field '<name>' (expected <expected>)`.
 * Absent and null count as "not given", as in the transformers config classes.
 */
import type { JsonObject } from './types.js';

/**
 * The error for a field holding the wrong value.
 *
 * @example
 * ```ts
 * throw fieldError('model/config.json', 'hidden_act', "'silu'", 'gelu'); // model/config.json: field 'hidden_act' must be 'silu' (found "gelu")
 * ```
 */
export function fieldError(file: string, field: string, expected: string, found: unknown): Error {
  return new Error(`${file}: field '${field}' must be ${expected} (found ${JSON.stringify(found)})`);
}

/**
 * The error for a required field that is absent or null.
 *
 * @example
 * ```ts
 * throw missingField('gpt2/config.json', 'n_embd', 'a positive integer'); // gpt2/config.json: missing field 'n_embd' (expected a positive integer)
 * ```
 */
export function missingField(file: string, field: string, expected: string): Error {
  return new Error(`${file}: missing field '${field}' (expected ${expected})`);
}

/**
 * The JSON object in `text` (bytes are read as UTF-8); anything else is an error naming `file`.
 *
 * @example
 * ```ts
 * const config = parseJsonObject(await readFile('model/config.json'), 'model/config.json');
 * ```
 */
export function parseJsonObject(text: Uint8Array | string, file: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isJsonObject(value)) throw new Error(`${file}: expected a JSON object`);
  return value;
}

/**
 * True for a plain JSON object (not null, not an array).
 *
 * @example
 * ```ts
 * isJsonObject({ a: 1 }); // true
 * ```
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Bounds on a number field; `why` is added to the expectation in parentheses.
 *
 * @example
 * ```ts
 * const dropout: NumberRule = { min: 0, below: 1 }; // 'a number in [0, 1)'
 * ```
 */
export interface NumberRule {
  /** > 0. */
  positive?: boolean;
  /** ≥ min. */
  min?: number;
  /** ≤ max. */
  max?: number;
  /** < below. */
  below?: number;
  why?: string;
}

function withWhy(expected: string, why: string | undefined): string {
  return why ? `${expected} (${why})` : expected;
}

function describeNumber(kind: 'integer' | 'number', r: NumberRule): string {
  const a = kind === 'integer' ? 'an integer' : 'a number';
  if (r.positive || (kind === 'integer' && r.min === 1 && r.max === undefined && r.below === undefined)) {
    return withWhy(`a positive ${kind}`, r.why);
  }
  if (r.min !== undefined && r.max !== undefined) return withWhy(`${a} in [${r.min}, ${r.max}]`, r.why);
  if (r.min !== undefined && r.below !== undefined) return withWhy(`${a} in [${r.min}, ${r.below})`, r.why);
  if (r.min !== undefined) return withWhy(r.min === 0 ? `a non-negative ${kind}` : `${a} >= ${r.min}`, r.why);
  if (r.max !== undefined) return withWhy(`${a} <= ${r.max}`, r.why);
  if (r.below !== undefined) return withWhy(`${a} < ${r.below}`, r.why);
  return withWhy(kind === 'integer' ? 'an integer' : 'a finite number', r.why);
}

function describeString(oneOf: readonly string[] | undefined, why: string | undefined): string {
  if (!oneOf) return withWhy('a string', why);
  return withWhy(oneOf.length === 1 ? `'${oneOf[0]}'` : `one of ${oneOf.map((s) => `'${s}'`).join(', ')}`, why);
}

function fits(v: number, r: NumberRule): boolean {
  return (
    Number.isFinite(v) &&
    !(r.positive && v <= 0) &&
    !(r.min !== undefined && v < r.min) &&
    !(r.max !== undefined && v > r.max) &&
    !(r.below !== undefined && v >= r.below)
  );
}

/**
 * Typed access to the fields of one JSON object read from `file`. Nested objects get a reader
 * whose field names carry the path (`rope_scaling.factor`). `opt*` methods return undefined for an
 * absent or null field; the others throw a missing-field error. Wrong values throw a field error.
 *
 * @example
 * ```ts
 * const f = new JsonFields(config, 'model/config.json');
 * const layers = f.integer('num_hidden_layers', { min: 1 });
 * const kvHeads = f.optInteger('num_key_value_heads', { min: 1 }) ?? f.integer('num_attention_heads', { min: 1 });
 * const eps = f.optNumber('rms_norm_eps', { positive: true }) ?? 1e-6;
 * ```
 */
export class JsonFields {
  readonly json: JsonObject;
  readonly file: string;
  /** Prepended to field names in errors (`rope_scaling.`). */
  readonly prefix: string;

  constructor(json: JsonObject, file: string, prefix = '') {
    this.json = json;
    this.file = file;
    this.prefix = prefix;
  }

  /** The field's name as errors print it. */
  name(field: string): string {
    return `${this.prefix}${field}`;
  }

  /** The raw value (undefined when absent). */
  raw(field: string): unknown {
    return Object.hasOwn(this.json, field) ? this.json[field] : undefined;
  }

  /** True when the field is present and not null. */
  has(field: string): boolean {
    const v = this.raw(field);
    return v !== undefined && v !== null;
  }

  /** The error for `field` not being `expected` (found: its value). */
  fail(field: string, expected: string, found: unknown = this.raw(field)): Error {
    return fieldError(this.file, this.name(field), expected, found);
  }

  private given<T>(field: string, expected: string, ok: (v: unknown) => v is T): T | undefined {
    const v = this.raw(field);
    if (v === undefined || v === null) return undefined;
    if (!ok(v)) throw this.fail(field, expected, v);
    return v;
  }

  private need<T>(v: T | undefined, field: string, expected: string): T {
    if (v === undefined) throw missingField(this.file, this.name(field), expected);
    return v;
  }

  /** An integer within `rule`, or undefined. */
  optInteger(field: string, rule: NumberRule = {}): number | undefined {
    return this.given(field, describeNumber('integer', rule), (v): v is number => typeof v === 'number' && Number.isInteger(v) && fits(v, rule));
  }

  /** A required integer within `rule`. */
  integer(field: string, rule: NumberRule = {}): number {
    return this.need(this.optInteger(field, rule), field, describeNumber('integer', rule));
  }

  /** A finite number within `rule`, or undefined. */
  optNumber(field: string, rule: NumberRule = {}): number | undefined {
    return this.given(field, describeNumber('number', rule), (v): v is number => typeof v === 'number' && fits(v, rule));
  }

  /** A required finite number within `rule`. */
  number(field: string, rule: NumberRule = {}): number {
    return this.need(this.optNumber(field, rule), field, describeNumber('number', rule));
  }

  /** A string (one of `oneOf` when given), or undefined. */
  optString<T extends string = string>(field: string, oneOf?: readonly T[], why?: string): T | undefined {
    return this.given(field, describeString(oneOf, why), (v): v is T => typeof v === 'string' && (!oneOf || (oneOf as readonly string[]).includes(v)));
  }

  /** A required string (one of `oneOf` when given). */
  string<T extends string = string>(field: string, oneOf?: readonly T[], why?: string): T {
    return this.need(this.optString(field, oneOf, why), field, describeString(oneOf, why));
  }

  /** true or false, or undefined. */
  optBoolean(field: string): boolean | undefined {
    return this.given(field, 'true or false', (v): v is boolean => typeof v === 'boolean');
  }

  /** A required true or false. */
  boolean(field: string): boolean {
    return this.need(this.optBoolean(field), field, 'true or false');
  }

  /** A list whose items pass `item` (described by `expected`, e.g. 'a list of strings'), or undefined. */
  optArray<T>(field: string, expected: string, item: (v: unknown) => v is T, opts: { nonEmpty?: boolean } = {}): T[] | undefined {
    return this.given(field, expected, (v): v is T[] => Array.isArray(v) && (!opts.nonEmpty || v.length > 0) && v.every(item));
  }

  /** A required list whose items pass `item`. */
  array<T>(field: string, expected: string, item: (v: unknown) => v is T, opts: { nonEmpty?: boolean } = {}): T[] {
    return this.need(this.optArray(field, expected, item, opts), field, expected);
  }

  /** A nested object's reader (its errors name `field.<name>`), or undefined. */
  optObject(field: string): JsonFields | undefined {
    const v = this.given(field, 'an object', isJsonObject);
    return v && new JsonFields(v, this.file, `${this.name(field)}.`);
  }

  /** A required nested object's reader. */
  object(field: string): JsonFields {
    return this.need(this.optObject(field), field, 'an object');
  }
}

/**
 * True for a string (an item test for {@link JsonFields.array}).
 *
 * @example
 * ```ts
 * f.array('architectures', 'a non-empty list of strings', isString, { nonEmpty: true });
 * ```
 */
export function isString(v: unknown): v is string {
  return typeof v === 'string';
}
