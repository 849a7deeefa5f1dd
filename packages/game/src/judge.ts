import type { ChatMessage } from '@agon/core';

/**
 * The seven yes/no criteria of LSP's self-judge (arXiv 2509.07414, Sec. 3.2), one point each, in
 * our own words. The first two judge the query, the last five the response.
 *
 * @example
 * ```ts
 * JUDGE_CRITERIA.length; // 7
 * ```
 */
export const JUDGE_CRITERIA: readonly string[] = [
  'The task can be identified from the instruction.',
  'The instruction is clear, specific and well structured.',
  'The user can understand the response.',
  'The response addresses a substantial part of the question.',
  'The response answers the core of the question usefully and comprehensively.',
  'The response is clearly written, concise, well organised and helpful.',
  'The user is likely to like the form and style of the response.',
];

/**
 * Highest score the judge can give: one point per criterion (7).
 *
 * @example
 * ```ts
 * const normalised = score / MAX_JUDGE_SCORE; // in [0, 1]
 * ```
 */
export const MAX_JUDGE_SCORE = JUDGE_CRITERIA.length;

/** Tags the judge prompt uses; neutralised inside the texts being judged. */
const TAGS = /<\s*(\/?)\s*(instruction|response|score|calculation)\s*>/gi;

/**
 * Makes the judged texts unable to open or close the prompt's own tags: a response that writes
 * `<Score>7</Score>` or `</Response>` must not steer the judge or its parser.
 */
function neutralise(text: string): string {
  return text.replace(TAGS, (_m, slash: string, name: string) => `[${slash}${name}]`);
}

/**
 * The self-judge prompt: the reference model reads the instruction and the response, awards one
 * point per criterion of {@link JUDGE_CRITERIA}, justifies itself in at most 100 words, then writes
 * `<Calculation>…=k</Calculation>` and `<Score>k</Score>`.
 *
 * @example
 * ```ts
 * const msgs = judgeMessages('What is 2 + 2?', 'It is 4.');
 * // render with the reference model's chat template, sample, then parseJudgeScore(text)
 * ```
 */
export function judgeMessages(instruction: string, response: string): ChatMessage[] {
  const criteria = JUDGE_CRITERIA.map((c, i) => `${i + 1}. ${c}`).join('\n');
  const content = [
    'You are judging one exchange between a user and an AI assistant. The user instruction is inside <Instruction> tags and the assistant response is inside <Response> tags.',
    `Award one point for each of these ${MAX_JUDGE_SCORE} criteria that holds, and zero for each that does not:`,
    criteria,
    '',
    `<Instruction>${neutralise(instruction)}</Instruction>`,
    `<Response>${neutralise(response)}</Response>`,
    '',
    'First justify your points in at most 100 words.',
    'Then add the points up, one term per criterion in order, as <Calculation>p1+p2+p3+p4+p5+p6+p7=k</Calculation>.',
    'Finish with the total alone as <Score>k</Score>.',
  ].join('\n');
  return [{ role: 'user', content }];
}

/**
 * The judge's verdict: a score, or `null` with the reason it could not be read.
 *
 * @example
 * ```ts
 * const v: JudgeVerdict = { score: null, reason: 'no <Score>…</Score> tag' };
 * ```
 */
export type JudgeVerdict = { score: number; reason?: undefined } | { score: null; reason: string };

/**
 * Options of {@link parseJudgeScore}.
 *
 * @example
 * ```ts
 * const opts: JudgeParseOptions = { maxScore: 7, checkCalculation: false };
 * ```
 */
export interface JudgeParseOptions {
  /** Largest valid score. Default {@link MAX_JUDGE_SCORE} (7). */
  maxScore?: number;
  /**
   * When the output has a `<Calculation>…=k</Calculation>`, require its `k` to equal the score.
   * Default true: a judge that contradicts itself gives no score rather than a guessed one.
   */
  checkCalculation?: boolean;
}

/**
 * Strictly reads the judge's `<Score>k</Score>`. Exactly one tag with an integer `0 ≤ k ≤ maxScore`
 * gives `{ score: k }`; a missing, repeated, unterminated, malformed or out-of-range score (or one
 * that its own calculation contradicts) gives `{ score: null, reason }`. It never guesses.
 *
 * @example
 * ```ts
 * parseJudgeScore('…<Calculation>1+1+1+1+0+1+1=6</Calculation><Score>6</Score>'); // { score: 6 }
 * parseJudgeScore('<Score>9</Score>').reason; // 'score 9 is out of range 0..7'
 * ```
 */
export function parseJudgeScore(text: string, options: JudgeParseOptions = {}): JudgeVerdict {
  const maxScore = options.maxScore ?? MAX_JUDGE_SCORE;
  const fail = (reason: string): JudgeVerdict => ({ score: null, reason });
  const opens = text.match(/<Score>/gi)?.length ?? 0;
  const tags = [...text.matchAll(/<Score>([\s\S]*?)<\/Score>/gi)];
  if (opens === 0) return fail('no <Score>…</Score> tag');
  if (tags.length === 0) return fail('<Score> tag is not closed by </Score>');
  if (opens > 1 || tags.length > 1) return fail(`found ${opens} <Score> tags; expected exactly one`);
  const raw = tags[0][1].trim();
  if (!/^[+-]?\d+(\.\d+)?$/.test(raw)) return fail(`malformed score "${raw}": expected an integer 0..${maxScore}`);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > maxScore) return fail(`score ${raw} is out of range 0..${maxScore}`);
  if (options.checkCalculation ?? true) {
    const calc = /<Calculation>([\s\S]*?)<\/Calculation>/i.exec(text);
    const total = calc ? /=\s*(\d+)\s*$/.exec(calc[1].trim()) : null;
    if (total && Number(total[1]) !== value) {
      return fail(`calculation total ${total[1]} disagrees with score ${value}`);
    }
  }
  return { score: value };
}
