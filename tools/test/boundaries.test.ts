// DESIGN.md's arrows (core <- tensor <- models/objectives <- trainer <- cli; game needs only core)
// are enforced by @nx/enforce-module-boundaries. This shows the rule fails a wrong import and
// passes a right one, by linting source text as if it were a file inside a package's src/.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function boundaryErrors(pkg: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, `packages/${pkg}/src/boundary-probe.ts`) });
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries (DESIGN.md arrows)', () => {
  it.each([
    ['game', "import { maskedMean } from '@agon/tensor';\nexport const f = maskedMean;\n"],
    ['core', "import { initBackend } from '@agon/tensor';\nexport const f = initBackend;\n"],
    ['tensor', "import { loadModel } from '@agon/models';\nexport const f = loadModel;\n"],
    ['objectives', "import { loadModel } from '@agon/models';\nexport const f = loadModel;\n"],
    ['game', "import * as tf from '@tensorflow/tfjs-core';\nexport const f = tf.add;\n"],
  ])('%s may not import against the arrows: %s', async (pkg, code) => {
    // A reverse arrow (core -> tensor) is reported as a cycle, a sideways one by its tags.
    const errors = await boundaryErrors(pkg, code);
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/can only depend on libs tagged with|is not allowed to import|Circular dependency/);
  });

  it.each([
    ['game', "import { isInvalid } from '@agon/core';\nexport const f = isInvalid;\n"],
    ['models', "import { isInvalid } from '@agon/core';\nimport * as t from '@agon/tensor';\nexport const f = [isInvalid, t];\n"],
    ['cli', "import * as m from '@agon/models';\nexport const f = m;\n"],
  ])('%s may import along the arrows: %s', async (pkg, code) => {
    expect(await boundaryErrors(pkg, code)).toEqual([]);
  });
});
