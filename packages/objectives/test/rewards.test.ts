import type { Interaction, Scorer } from '@agon/core';
import { arithmeticGame, judgeMessages, parseJudgeScore, type ArithmeticQuery } from '@agon/game';
import { clip, scorerReward, selfJudgeReward, verifierReward, weightedSum, withDefault } from '@agon/objectives';
import { charTokenizer, scriptedSampler } from '@agon/objectives/testing';
import { jest } from '@jest/globals';

const pairs = (rows: [string, string][]): Interaction[] =>
  rows.map(([query, answer], k) => ({ query, answer, queryIndex: Math.floor(k / 2), answerIndex: k % 2 }));

describe('verifierReward', () => {
  it('scores with the game’s exact verifier', async () => {
    const game = arithmeticGame({ digits: 3 });
    const q: ArithmeticQuery = { a: '347', op: '*', b: '29' };
    const batch = ['10063', '10064', 'It is 10063.'].map((answer, j) => ({ query: q, answer, queryIndex: 0, answerIndex: j }));
    expect(await verifierReward(game)(batch)).toEqual([1, 0, 1]);
  });
});

describe('scorerReward', () => {
  it('passes (query, answer) text pairs to the scorer and returns its scores', async () => {
    const seen: unknown[] = [];
    const scorer: Scorer = {
      score: async (ps) => {
        seen.push(ps);
        return ps.map((p) => p.answer.length - p.query.length);
      },
    };
    expect(await scorerReward(scorer)(pairs([['ab', 'abcd'], ['abc', 'a']]))).toEqual([2, -2]);
    expect(seen).toEqual([[{ query: 'ab', answer: 'abcd' }, { query: 'abc', answer: 'a' }]]);
    const q: ArithmeticQuery = { a: '1', op: '+', b: '2' };
    const fmt = arithmeticGame().formatQuery;
    await scorerReward<ArithmeticQuery>(scorer, { queryText: fmt })([{ query: q, answer: '3', queryIndex: 0, answerIndex: 0 }]);
    expect(seen[1]).toEqual([{ query: '1 + 2', answer: '3' }]);
  });

  it('fails clearly when the scorer returns the wrong count or a non-number', async () => {
    await expect(scorerReward({ score: async () => [1] })(pairs([['a', 'b'], ['c', 'd']]))).rejects.toThrow(
      'scorerReward: the scorer returned 1 scores for 2 pairs',
    );
    await expect(scorerReward({ score: async () => [Number.NaN] })(pairs([['a', 'b']]))).rejects.toThrow('scorerReward: score 0 is NaN');
  });
});

describe('selfJudgeReward', () => {
  const tok = charTokenizer();
  const chat = { render: (msgs: readonly { role: string; content: string }[], o: { addGenerationPrompt: boolean }) => msgs.map((m) => `<${m.role}>${m.content}`).join('') + (o.addGenerationPrompt ? '<assistant>' : '') };

  it('asks the reference model the judge prompt and reads <Score> strictly; unreadable → null', async () => {
    // The scripted judge reads the response out of the prompt, as a real judge would see it.
    const sampler = scriptedSampler(tok, (prompt) => {
      const response = /<Response>([\s\S]*?)<\/Response>/.exec(prompt)?.[1] ?? '';
      if (response.includes('great')) return 'Clear and useful.<Calculation>1+1+1+1+1+1+1=7</Calculation><Score>7</Score>';
      if (response.includes('meh')) return 'Partly.<Calculation>1+1+1+0+0+0+0=3</Calculation><Score>3</Score>';
      if (response.includes('liar')) return '<Calculation>1+0+0+0+0+0+0=1</Calculation><Score>6</Score>';
      return 'I cannot decide.';
    });
    const unreadable: string[] = [];
    const judge = selfJudgeReward({ sampler, chatFormat: chat, tokenizer: tok, prompt: judgeMessages, parse: parseJudgeScore, onUnreadable: (i, reason) => unreadable.push(`${i}: ${reason}`) });
    const scores = await judge(pairs([['Q1', 'a great answer'], ['Q1', 'meh'], ['Q2', 'hmm'], ['Q2', 'liar']]));
    expect(scores).toEqual([7, 3, null, null]);
    expect(unreadable).toEqual(['2: no <Score>…</Score> tag', '3: calculation total 1 disagrees with score 6']);
    // One batched, greedy call with the rendered judge prompt (BOS + chat template + judge text).
    expect(sampler.calls).toHaveLength(1);
    expect(sampler.calls[0].opts).toEqual({ maxNewTokens: 256, temperature: 0 });
    expect(sampler.calls[0].prompts[0]).toBe(chat.render(judgeMessages('Q1', 'a great answer'), { addGenerationPrompt: true }));
  });

  it('treats a verdict cut off at the token limit as unreadable, never as a guess', async () => {
    const sampler = scriptedSampler(tok, () => 'Reasoning… <Score>5</Score>');
    const judge = selfJudgeReward({ sampler, chatFormat: chat, tokenizer: tok, prompt: judgeMessages, parse: parseJudgeScore, sampling: { maxNewTokens: 20 } });
    expect(await judge(pairs([['Q', 'A']]))).toEqual([null]); // '…<Score>5' without its closing tag
  });

  it('prepends BOS unless told the chat template writes it', async () => {
    const ids: number[][] = [];
    const sampler = { generate: async (prompts: readonly (readonly number[])[]) => (ids.push(...prompts.map((p) => [...p])), prompts.map(() => ({ ids: [], text: '<Score>1</Score>', finishReason: 'stop' as const, logprobs: [], samplingLogprobs: [] }))) };
    const base = { sampler, chatFormat: chat, tokenizer: tok, prompt: judgeMessages, parse: parseJudgeScore };
    expect(await selfJudgeReward(base)(pairs([['Q', 'A']]))).toEqual([1]);
    expect(await selfJudgeReward({ ...base, bos: false })(pairs([['Q', 'A']]))).toEqual([1]);
    expect(ids[0][0]).toBe(tok.bosId);
    expect(ids[1][0]).not.toBe(tok.bosId);
    expect(ids[1]).toEqual(ids[0].slice(1));
  });
});

describe('combinators', () => {
  const batch = pairs([['q', 'a'], ['q', 'b'], ['q', 'c']]);
  const fixed = (xs: (number | null)[]) => jest.fn(async () => xs);

  it('weightedSum adds weighted parts and skips null parts; all-null stays null', async () => {
    const r = weightedSum([{ reward: fixed([1, 0, null]), weight: 1 }, { reward: fixed([7, null, null]), weight: 0.5 }]);
    expect(await r(batch)).toEqual([4.5, 0, null]);
    expect(() => weightedSum([])).toThrow('weightedSum: needs at least one { reward, weight } part');
    expect(() => weightedSum([{ reward: fixed([1]), weight: Number.NaN }])).toThrow('weightedSum: part 0 has weight NaN');
    await expect(weightedSum([{ reward: fixed([1]), weight: 1 }])(batch)).rejects.toThrow('weightedSum: a reward returned 1 values for 3 interactions');
  });

  it('clip bounds values and keeps null; withDefault fills null', async () => {
    expect(await clip(fixed([-9, 0.5, null]), { min: -1, max: 1 })(batch)).toEqual([-1, 0.5, null]);
    expect(await clip(fixed([-9, 9, 0]), { max: 2 })(batch)).toEqual([-9, 2, 0]);
    expect(() => clip(fixed([]), { min: 2, max: 1 })).toThrow('clip: min 2 is above max 1');
    expect(await withDefault(fixed([null, 3, null]), 0)(batch)).toEqual([0, 3, 0]);
  });
});
