import type { ChatMessage, Invalid } from '@agon/core';
import { extractQuery } from './extract-query.js';
import { challengerMessages, solverMessages } from './lsp-prompt.js';
import { checkKnob, distinctSet, seededUniform, uniformInt, type VerifiableGame } from './verifiable.js';
import { checkOptionNames } from './options.js';

/**
 * An operator of the arithmetic game.
 *
 * @example
 * ```ts
 * const op: ArithmeticOp = '*';
 * ```
 */
export type ArithmeticOp = '+' | '-' | '*';

/**
 * One arithmetic problem `a op b`; operands are decimal strings so any number of digits is exact.
 *
 * @example
 * ```ts
 * const q: ArithmeticQuery = { a: '347', op: '*', b: '29' };
 * ```
 */
export interface ArithmeticQuery {
  a: string;
  op: ArithmeticOp;
  b: string;
}

/**
 * Options of {@link arithmeticGame}.
 *
 * @example
 * ```ts
 * const opts: ArithmeticGameOptions = { digits: 4, ops: ['+', '*'] };
 * ```
 */
export interface ArithmeticGameOptions {
  /** Difficulty knob: most digits per operand, 1..30. Default 3. */
  digits?: number;
  /** Operators the Challenger may use. Default ['+', '-', '*']. */
  ops?: readonly ArithmeticOp[];
  /** Longest challenger query, in characters. Default 200. */
  maxChars?: number;
}

const PROBLEM = /^(?:what is\s+)?(\d+)\s*([+\-*x×])\s*(\d+)\s*(?:=\s*(\??)\s*)?\??$/i;
const OP_ALIASES: Record<string, ArithmeticOp> = { '+': '+', '-': '-', '*': '*', x: '*', X: '*', '×': '*' };

/** Exact value of a query (BigInt, so 30-digit products stay exact). */
function evaluate(q: ArithmeticQuery): bigint {
  const a = BigInt(q.a);
  const b = BigInt(q.b);
  return q.op === '+' ? a + b : q.op === '-' ? a - b : a * b;
}

/**
 * Multi-digit arithmetic: the Challenger writes `a op b` with whole numbers of at most `digits`
 * digits; the Solver must reply with the exact result. The verifier reads the LAST integer in the
 * answer (so "347 + 29 = 376" counts) and compares it exactly.
 *
 * @example
 * ```ts
 * const game = arithmeticGame({ digits: 3 });
 * const q = game.parseQuery('[Start Generation]347 * 29[End Generation]');
 * if (!isInvalid(q)) game.verify(q, '10063'); // 1
 * ```
 */
export function arithmeticGame(options: ArithmeticGameOptions = {}): VerifiableGame<ArithmeticQuery> {
  const name = 'arithmetic';
  checkOptionNames(name, options, ['digits', 'ops', 'maxChars']);
  const digits = options.digits ?? 3;
  const ops = options.ops ?? ['+', '-', '*'];
  const maxChars = options.maxChars ?? 200;
  checkKnob(name, 'digits', digits, 1, 30);
  if (!Array.isArray(ops) || ops.length === 0 || ops.some((o) => !['+', '-', '*'].includes(o))) {
    throw new Error(`${name}: option ops must be a non-empty list drawn from ['+', '-', '*'] (e.g. ["+"]), got ${JSON.stringify(ops)}`);
  }
  const template = '{a} {op} {b}';
  const task = `Write one arithmetic problem "a op b" where a and b are whole numbers with at most ${digits} digits and op is one of ${ops.join(' ')}. Do not write the result.`;
  const format = (q: ArithmeticQuery) => `${q.a} ${q.op} ${q.b}`;
  const bad = (reason: string): Invalid => ({ invalid: true, reason });

  const parseQuery = (text: string): ArithmeticQuery | Invalid => {
    const body = extractQuery(text, { maxChars, template });
    if (typeof body !== 'string') return body;
    const leak = /=\s*-?\d/.exec(body);
    if (leak) return bad('query contains its own result after "="');
    const m = PROBLEM.exec(body);
    if (!m) return bad(`query "${body}" is not of the form "a op b" with whole numbers a, b`);
    const q: ArithmeticQuery = { a: m[1], op: OP_ALIASES[m[2]], b: m[3] };
    if (!ops.includes(q.op)) return bad(`operator ${q.op} is not allowed in this game (ops: ${ops.join(' ')})`);
    for (const operand of [q.a, q.b]) {
      if (operand.length > 1 && operand.startsWith('0')) return bad(`operand ${operand} has a leading zero`);
      if (operand.length > digits) return bad(`operand ${operand} has ${operand.length} digits; at most ${digits} allowed (digits)`);
    }
    return q;
  };

  const drawOperand = (next: () => number) => {
    const n = uniformInt(next, 1, digits);
    let s = String(uniformInt(next, n === 1 ? 0 : 1, 9));
    for (let i = 1; i < n; i++) s += String(uniformInt(next, 0, 9));
    return s;
  };

  return {
    name,
    challengerPrompt: (): ChatMessage[] => challengerMessages({ task, template }),
    parseQuery,
    solverPrompt: (q: ArithmeticQuery): ChatMessage[] => solverMessages(`What is ${format(q)}?`, 'Reply with the number only.'),
    formatQuery: format,
    referenceAnswer: (q) => evaluate(q).toString(),
    verify: (q, answer) => {
      const ints = answer.match(/-?\d+/g);
      if (!ints) return 0;
      return BigInt(ints[ints.length - 1]) === evaluate(q) ? 1 : 0;
    },
    evalSet: ({ size, seed }) => {
      const next = seededUniform(seed);
      const draw = () => ({ a: drawOperand(next), op: ops[uniformInt(next, 0, ops.length - 1)], b: drawOperand(next) });
      return distinctSet(size, draw, format, name);
    },
  };
}
