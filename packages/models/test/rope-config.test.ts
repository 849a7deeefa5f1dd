// RoPE settings in both layouts of config.json: transformers 5 writes `rope_parameters` (theta and
// type inside it, no top-level rope_theta/rope_scaling); older versions write rope_theta and
// rope_scaling. Both must give the same model, and a RoPE setting agon does not implement must be
// an error naming the field, never plain RoPE with θ 10000 in its place.
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeaks } from '@agon/tensor/testing';
import { buildArchitecture } from '../src/architectures.js';
import { parseDecoderConfig } from '../src/arch/decoder-config.js';
import { readHfFolder } from '../src/hf/index.js';
import { expectedOf, fixtureDir, worstRelativeError } from './fixtures/expected.js';

type Json = Record<string, unknown>;
const base: Json = {
  vocab_size: 64, hidden_size: 32, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2,
};
const llama3 = { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 };
const parse = (extra: Json) => parseDecoderConfig({ ...base, ...extra }, 'm/config.json', { architecture: 'llama' });

describe('RoPE settings in config.json', () => {
  it('rope_parameters (transformers 5) reads as the legacy fields do', () => {
    const legacy = parse({ rope_theta: 500000, rope_scaling: llama3 });
    const v5 = parse({ rope_parameters: { ...llama3, rope_theta: 500000 } });
    expect(v5.ropeTheta).toBe(500000);
    expect(v5.ropeScaling).toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 64 });
    expect(v5).toEqual(legacy);
  });

  it('rope_parameters with only a non-default theta', () => {
    const cfg = parse({ rope_parameters: { rope_type: 'default', rope_theta: 1000000 } });
    expect(cfg.ropeTheta).toBe(1000000);
    expect(cfg.ropeScaling).toBeUndefined();
    expect(parse({ rope_parameters: { rope_type: 'linear', rope_theta: 20000, factor: 2 } })).toMatchObject({
      ropeTheta: 20000,
      ropeScaling: { type: 'linear', factor: 2 },
    });
  });

  it('no RoPE fields at all is θ 10000 (the Llama default)', () => {
    expect(parse({}).ropeTheta).toBe(10000);
  });

  it.each([
    [{ rope_parameters: { rope_type: 'yarn', rope_theta: 10000, factor: 4 } }, /'rope_parameters\.rope_type' must be one of 'default', 'linear', 'llama3'.*"yarn"/],
    [{ rope_scaling: { type: 'dynamic', factor: 2 } }, /'rope_scaling\.rope_type' must be one of .*"dynamic"/],
    [{ rope_parameters: { rope_type: 'longrope', rope_theta: 10000 } }, /'rope_parameters\.rope_type'.*"longrope"/],
    [{ rope_parameters: { rope_type: 'default', rope_theta: 10000, partial_rotary_factor: 0.5 } }, /'rope_parameters\.partial_rotary_factor' must be 1/],
    [{ partial_rotary_factor: 0.25 }, /'partial_rotary_factor' must be 1/],
    [{ rope_parameters: { rope_type: 'llama3', rope_theta: 10000, factor: 8 } }, /missing field 'rope_parameters\.low_freq_factor'/],
    [{ rope_parameters: { rope_type: 'linear', rope_theta: 10000 } }, /missing field 'rope_parameters\.factor'/],
    [{ rope_parameters: { rope_type: 'default', rope_theta: -1 } }, /'rope_parameters\.rope_theta' must be a positive number/],
    [{ rope_parameters: { rope_type: 'default', mscale: 0.7 } }, /'rope_parameters\.mscale' must be absent/],
    [{ rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 10000 } } }, /'rope_parameters\.full_attention'.*per-layer-type/],
    [{ rope_parameters: 'llama3' }, /'rope_parameters' must be an object/],
    [{ rope_theta: 10000, rope_parameters: { rope_type: 'default', rope_theta: 500000 } }, /'rope_parameters\.rope_theta' must be equal to rope_theta \(10000\)/],
    [{ rope_scaling: llama3, rope_parameters: { rope_type: 'default', rope_theta: 10000 } }, /'rope_parameters' must be the same RoPE scaling as rope_scaling/],
  ])('refuses %j', (extra, message) => {
    expect(() => parse(extra)).toThrow(message);
    expect(() => parse(extra)).toThrow(/^m\/config\.json: /);
  });
});

await describeEachBackend('RoPE in both layouts, saved by transformers 5', (backend) => {
  // llama3-rope is the folder as transformers 5.18 saved it (rope_parameters only); llama3-rope-legacy
  // holds the same weights with rope_theta/rope_scaling at the top; mistral-tiny has only a
  // non-default theta (50000) in rope_parameters. Expected: transformers' own float64 logits.
  for (const [name, layout] of [
    ['llama3-rope', 'rope_parameters'],
    ['llama3-rope-legacy', 'rope_scaling'],
    ['mistral-tiny', 'rope_parameters'],
  ] as const) {
    it(`${name} (${layout}) gives transformers' logits within 1e-4 (${backend})`, () =>
      expectNoLeaks(async () => {
        const expected = expectedOf(name);
        const hf = await readHfFolder(fixtureDir(name));
        expect(Object.keys(hf.config)).toContain(layout);
        expect(Object.keys(hf.config).includes('rope_theta')).toBe(layout === 'rope_scaling');
        const model = buildArchitecture(hf.config, hf.weights, hf.configFile);
        const ids = tf.tensor2d(expected.input_ids, undefined, 'int32');
        const { logits } = model.forward(ids);
        expect(worstRelativeError(await logits.data(), expected.logits)).toBeLessThan(1e-4);
        tf.dispose([ids, logits]);
        model.dispose();
      }));
  }
});
