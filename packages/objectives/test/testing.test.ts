import { charTokenizer, scriptedSampler } from '@agon/objectives/testing';

describe('testing doubles', () => {
  it('charTokenizer round-trips text and drops special ids on decode', () => {
    const tok = charTokenizer();
    const ids = tok.encode('Héllo, 2+2?', { bos: true });
    expect(ids[0]).toBe(tok.bosId);
    expect(ids.slice(1)).toEqual(Array.from('Héllo, 2+2?', (c) => c.charCodeAt(0)));
    expect(tok.decode([...ids, tok.eosId])).toBe('Héllo, 2+2?');
  });

  it('scriptedSampler replies per prompt, cuts at maxNewTokens with finishReason length, and records calls', async () => {
    const tok = charTokenizer();
    const sampler = scriptedSampler(tok, (prompt, i) => (prompt === '2+2' ? '4' : `long reply ${i}`), { logprob: -0.5 });
    const out = await sampler.generate([tok.encode('2+2'), tok.encode('other')], { maxNewTokens: 4 });
    expect(out[0]).toEqual({ ids: [52], text: '4', finishReason: 'stop', logprobs: [-0.5], samplingLogprobs: [-0.5] });
    expect(out[1].text).toBe('long');
    expect(out[1].finishReason).toBe('length');
    expect(sampler.calls).toEqual([{ prompts: ['2+2', 'other'], opts: { maxNewTokens: 4 } }]);
  });
});
