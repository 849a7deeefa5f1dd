/**
 * `@agon/objectives/testing`: test doubles (a character tokenizer and a scripted sampler) so rewards
 * that sample, such as the self-judge, can be tested without a model.
 * @packageDocumentation
 */
export { charTokenizer, scriptedSampler } from './scripted-sampler.js';
