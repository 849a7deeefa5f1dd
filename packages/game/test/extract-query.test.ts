import { isInvalid } from '@agon/core';
import { extractQuery, lspGame, challengerPromptText, START_MARKER, END_MARKER } from '@agon/game';

const reason = (x: unknown) => (isInvalid(x) ? x.reason : `valid: ${String(x)}`);

describe('extractQuery', () => {
  it('keeps only the text between the generation markers, trimmed', () => {
    expect(extractQuery('Sure! [Start Generation]\n  Name three rivers.  \n[End Generation] done')).toBe('Name three rivers.');
    expect(extractQuery('Name three rivers.\n[End Generation]\nmore')).toBe('Name three rivers.');
    expect(extractQuery('[Start Generation] Name three rivers.')).toBe('Name three rivers.');
    expect(extractQuery('Name three rivers.')).toBe('Name three rivers.');
    // A repeated start marker inside the query is removed, not kept as content.
    expect(extractQuery('[Start Generation][Start Generation]Why?[End Generation]')).toBe('Why?');
  });

  it('rejects an empty query', () => {
    expect(reason(extractQuery('[Start Generation]   \n [End Generation]'))).toBe('empty query');
    expect(reason(extractQuery(''))).toBe('empty query');
  });

  it('rejects an over-long query and names the limit', () => {
    expect(extractQuery('x'.repeat(10), { maxChars: 10 })).toBe('x'.repeat(10));
    expect(reason(extractQuery('x'.repeat(11), { maxChars: 10 }))).toBe('query is 11 characters; at most 10 allowed (maxChars)');
    expect(isInvalid(extractQuery('y'.repeat(2001)))).toBe(true); // default limit 2000
  });

  it('rejects answer-leaking queries', () => {
    expect(reason(extractQuery('What is 2+2? Answer: 4'))).toBe('query leaks its answer ("Answer:")');
    expect(reason(extractQuery('Translate "chat". Hint: it is an animal'))).toBe('query leaks its answer ("Hint:")');
    expect(reason(extractQuery('Question: capital of France?\nSolution = Paris'))).toBe('query leaks its answer ("Solution =")');
    expect(reason(extractQuery('Capital of France? The answer is Paris'))).toBe('query leaks its answer ("The answer is")');
    // Talking about answers is fine; giving one is not.
    for (const ok of [
      'Explain how to check an answer to a division.',
      'Give a short answer: why is the sky blue?',
      'Explain why the answer is not obvious when dividing by zero.',
      'What do you think the answer is?',
    ]) {
      expect(extractQuery(ok)).toBe(ok);
    }
    expect(extractQuery('Q? Answer: x', { leakPatterns: [] })).toBe('Q? Answer: x');
  });

  it('rejects a template whose placeholders were not filled', () => {
    const template = 'Essay: {essay}\nTitle length: {words} words';
    expect(reason(extractQuery('Essay: {essay}\nTitle length: 5 words', { template }))).toBe('template placeholder {essay} was left unfilled');
    expect(extractQuery('Essay: Rain fell.\nTitle length: 5 words', { template })).toBe('Essay: Rain fell.\nTitle length: 5 words');
  });
});

describe('lspGame', () => {
  it('fills both slots of the challenger prompt and shows the markers around the template', () => {
    const game = lspGame({ task: 'essay titling', template: 'Essay: {essay}' });
    const [msg] = game.challengerPrompt();
    expect(msg.role).toBe('user');
    expect(msg.content).toContain('Task: essay titling');
    expect(msg.content).toContain(`${START_MARKER}\nEssay: {essay}\n${END_MARKER}`);
    expect(msg.content).toMatch(/do not write the answer/i);
    expect(msg.content).toMatch(/both the task and the template are empty/i);
    expect(game.challengerPrompt()).toEqual([msg]); // no history: the same prompt every time
  });

  it('passes braces in the slots through untouched', () => {
    expect(challengerPromptText({ task: 'use {task} literally', template: '{template}' })).toContain('Task: use {task} literally');
  });

  it('parses with the template rules and gives the Solver the bare query', () => {
    const game = lspGame({ template: 'Question: {question}', maxChars: 40 });
    expect(reason(game.parseQuery('[Start Generation]Question: {question}[End Generation]'))).toBe('template placeholder {question} was left unfilled');
    expect(isInvalid(game.parseQuery('Question: ' + 'why '.repeat(20)))).toBe(true);
    const q = game.parseQuery('[Start Generation]Question: why is the sky blue?[End Generation]');
    expect(q).toBe('Question: why is the sky blue?');
    expect(game.solverPrompt(q as string)).toEqual([{ role: 'user', content: 'Question: why is the sky blue?' }]);
  });
});
