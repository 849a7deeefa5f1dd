/**
 * llama2.c checkpoint → Hugging Face folder (config.json, model.safetensors, tokenizer.bin,
 * generation_config.json). q/k projection rows are permuted from llama2.c's interleaved RoPE
 * layout to Hugging Face's rotate-half layout; everything else is copied as is.
 */
import { nodeFs } from '../files/node-fs.js';
import { joinPath as join } from '../files/path.js';
import { decoderWeightShapes } from '../arch/decoder.js';
import { decoderConfigToHf } from '../arch/decoder-config.js';
import { interleavedToHalves, isRopeRotated } from '../arch/decoder-export.js';
import { writeFileAtomic } from '../safetensors/atomic.js';
import { encodeHostTensors, writeSafetensors } from '../safetensors/serialize.js';
import { LLAMA2C_GENERATION_CONFIG } from '../tokenizer-files.js';
import type { HostTensor } from '../weights.js';
import { parseLlama2cCheckpoint } from './checkpoint.js';
import { parseLlama2cTokenizer } from './tokenizer.js';

/**
 * Converts the llama2.c checkpoint `bin` (v0 or v1) into a Hugging Face LlamaForCausalLM folder
 * `outDir`. With `tokenizerBin` (a llama2.c tokenizer.bin, checked against the vocabulary) it is
 * copied in as `tokenizer.bin`, which {@link loadModel} reads when there is no tokenizer.json.
 * `generation_config.json` lists eos ids [1, 2]: llama2.c stories end at BOS, as run.c stops.
 *
 * @example
 * ```ts
 * await convertLlama2cToHf('stories260K.bin', 'tok512.bin', 'out/stories260K-hf');
 * const { model } = await loadModel('out/stories260K-hf');
 * ```
 */
export async function convertLlama2cToHf(bin: string, tokenizerBin: string | undefined, outDir: string): Promise<void> {
  const { mkdir, readFile } = await nodeFs(bin);
  const { config, weights } = parseLlama2cCheckpoint(await readFile(bin), bin);
  const tensors = new Map<string, HostTensor>();
  // decoderWeightShapes order = the order saveHfFolder writes, so both give the same bytes.
  for (const [key, shape] of decoderWeightShapes(config)) {
    const t = weights.get(key, shape);
    tensors.set(key, isRopeRotated(key) ? interleavedToHalves(t, config.headDim) : t);
  }
  const tokBytes = tokenizerBin === undefined ? undefined : await readFile(tokenizerBin);
  if (tokBytes && tokenizerBin) parseLlama2cTokenizer(tokBytes, config.vocabSize, tokenizerBin); // validate before writing
  await mkdir(outDir, { recursive: true });
  await writeSafetensors(join(outDir, 'model.safetensors'), { tensors: encodeHostTensors(tensors), metadata: { format: 'pt' } });
  if (tokBytes) await writeFileAtomic(join(outDir, 'tokenizer.bin'), tokBytes);
  await writeFileAtomic(join(outDir, 'generation_config.json'), `${JSON.stringify(LLAMA2C_GENERATION_CONFIG, null, 2)}\n`);
  const hf = { ...decoderConfigToHf({ ...config, ropeLayout: 'halves' }, 'LlamaForCausalLM', 'llama'), bos_token_id: 1, eos_token_id: 2 };
  await writeFileAtomic(join(outDir, 'config.json'), `${JSON.stringify(hf, null, 2)}\n`);
}
