import type { Invalid } from '@agon/core';
import { END_MARKER, START_MARKER } from './lsp-prompt.js';

/**
 * Rules for reading the Challenger's output.
 *
 * @example
 * ```ts
 * const rules: QueryRules = { maxChars: 500, template: 'Question: {question}' };
 * ```
 */
export interface QueryRules {
  /** Longest query accepted, in characters after trimming. Default 2000. */
  maxChars?: number;
  /** The template the Challenger was given: its `{placeholders}` must not survive in the query. */
  template?: string;
  /** Patterns that mean the query gives its answer away. Default {@link DEFAULT_LEAK_PATTERNS}. */
  leakPatterns?: readonly RegExp[];
}

/**
 * Phrases that show a query carries its own answer or hints ("Answer: …", "Hint: …").
 *
 * @example
 * ```ts
 * DEFAULT_LEAK_PATTERNS.some((p) => p.test('Name a prime. Hint: it is even')); // true
 * ```
 */
export const DEFAULT_LEAK_PATTERNS: readonly RegExp[] = [
  // "Answer: 4", "Hint: …" where a sentence or line starts; "give a short answer: why…" is fine.
  /(?:^|[.?!)]\s*)(?:answer|solution|hint|expected output)s?\s*[:=](?=\s*\S)/im,
  // "The answer is Paris." at the start of a sentence; "explain why the answer is hard" is fine.
  /(?:^|[.?!)]\s*)the (?:correct |right |final )?answer is(?=\s+\S)/im,
];

/**
 * Default {@link QueryRules.maxChars}.
 *
 * @example
 * ```ts
 * extractQuery('x'.repeat(DEFAULT_MAX_QUERY_CHARS + 1)); // Invalid: too long
 * ```
 */
export const DEFAULT_MAX_QUERY_CHARS = 2000;

const invalid = (reason: string): Invalid => ({ invalid: true, reason });

/** The `{name}` placeholders of a template, each once. */
function placeholders(template: string): string[] {
  return [...new Set(template.match(/\{[A-Za-z_][\w -]*\}/g) ?? [])];
}

/**
 * Reads the query out of the Challenger's raw output: keeps the text between
 * `[Start Generation]` and `[End Generation]` (either marker may be missing), trims it, and
 * rejects it as {@link Invalid} with a reason when it is empty, longer than `maxChars`, still holds a
 * template placeholder, or leaks an answer.
 *
 * @example
 * ```ts
 * extractQuery('[Start Generation]\nWhat is 2 + 2?\n[End Generation]'); // 'What is 2 + 2?'
 * extractQuery('[Start Generation][End Generation]'); // { invalid: true, reason: 'empty query' }
 * ```
 */
export function extractQuery(text: string, rules: QueryRules = {}): string | Invalid {
  const maxChars = rules.maxChars ?? DEFAULT_MAX_QUERY_CHARS;
  let body = text;
  const start = body.indexOf(START_MARKER);
  if (start >= 0) body = body.slice(start + START_MARKER.length);
  const end = body.indexOf(END_MARKER);
  if (end >= 0) body = body.slice(0, end);
  // A model that repeats a marker inside its query has not produced a clean single input.
  body = body.split(START_MARKER).join('').trim();
  if (body.length === 0) return invalid('empty query');
  if (body.length > maxChars) return invalid(`query is ${body.length} characters; at most ${maxChars} allowed (maxChars)`);
  for (const p of placeholders(rules.template ?? '')) {
    if (body.includes(p)) return invalid(`template placeholder ${p} was left unfilled`);
  }
  for (const pattern of rules.leakPatterns ?? DEFAULT_LEAK_PATTERNS) {
    const m = pattern.exec(body);
    if (m) return invalid(`query leaks its answer ("${m[0].replace(/^[\s.?!)]+/, '')}")`);
  }
  return body;
}
