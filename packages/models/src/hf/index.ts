/** Hugging Face folders: config, tokenizer, chat template, eos ids. */
export { jinjaChatFormat } from './chat.js';
export { nodeFolderIO, readHfFolder, type FolderIO, type HfFolder } from './folder.js';
export { hfTokenizer, type BosRule, type HfTokenizer, type HfTokenizerOptions } from './tokenizer.js';
