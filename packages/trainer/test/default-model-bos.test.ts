// The default model's prompts do not depend on the BOS rule: its tokenizer.json post-processor adds
// <s> (as transformers' tokenizer(text) does), which is what agon's earlier "always" rule added, so
// training and evaluation see the same ids under both (the committed accuracies in
// default-model.test.ts are reproduced with the default rule).
import { arithmeticGame } from '@agon/game';
import { nodeFolderIO, readHfFolder } from '@agon/models';
import { challengerPromptIds, DEFAULT_MODEL, promptFormat, solverPromptIds } from '@agon/trainer';

it('Challenger and Solver prompt ids are the same under the folder and the always rule, with BOS first', async () => {
  const game = arithmeticGame({ digits: 2, ops: ['+'] });
  const formats = await Promise.all(
    (['folder', 'always'] as const).map(async (bos) => {
      const hf = await readHfFolder(DEFAULT_MODEL, nodeFolderIO, { bos });
      if (!hf.tokenizer) throw new Error('tokenizer expected');
      return { bosId: hf.tokenizer.bosId, format: promptFormat({ tokenizer: hf.tokenizer, ...(hf.chat ? { chat: hf.chat } : {}) }) };
    }),
  );
  const queries = game.evalSet({ size: 5, seed: 3 });
  const ids = formats.map(({ format }) => [challengerPromptIds(format, game), ...queries.map((q) => solverPromptIds(format, game, q))]);
  expect(ids[0]).toEqual(ids[1]);
  for (const row of ids[0]) {
    expect(row[0]).toBe(formats[0].bosId);
    expect(row.filter((id) => id === formats[0].bosId)).toHaveLength(1);
  }
});
