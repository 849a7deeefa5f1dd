/**
 * A model's chat template (Jinja, from `tokenizer_config.json` or `chat_template.jinja`) through
 * `@huggingface/jinja`, as a core {@link ChatFormat}.
 */
import { Template } from '@huggingface/jinja';
import type { ChatFormat, ChatMessage } from '@agon/core';
import { fieldError } from '../config/fields.js';

/**
 * Renders `template` with the variables Hugging Face passes: `messages`, `add_generation_prompt`,
 * the special tokens (`bos_token`, `eos_token`, …) and `raise_exception` (which becomes an Error
 * naming `file`).
 *
 * @param specialTokens - e.g. `{ bos_token: '<s>', eos_token: '</s>' }`.
 * @throws Error naming `file` when the template does not parse.
 * @example
 * ```ts
 * const chat = jinjaChatFormat('{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}', {}, 'tokenizer_config.json');
 * chat.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false }); // 'user: hi\n'
 * ```
 */
export function jinjaChatFormat(template: string, specialTokens: Readonly<Record<string, string>>, file: string): ChatFormat {
  let compiled: Template;
  try {
    compiled = new Template(template);
  } catch (e) {
    throw new Error(`${file}: chat_template is not a valid Jinja template (${(e as Error).message})`, { cause: e });
  }
  return {
    render(messages: readonly ChatMessage[], { addGenerationPrompt }) {
      try {
        return compiled.render({
          ...specialTokens,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          add_generation_prompt: addGenerationPrompt,
        });
      } catch (e) {
        throw new Error(`${file}: chat template: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}

/**
 * The template text of a `chat_template` field: a string, or a list of `{ name, template }` (the
 * one named `default` is used), or absent.
 *
 * @example
 * ```ts
 * chatTemplateText([{ name: 'default', template: '{{ x }}' }], 'tokenizer_config.json'); // '{{ x }}'
 * ```
 */
export function chatTemplateText(value: unknown, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => (t as { name?: unknown })?.name === 'default') as { template?: unknown } | undefined;
    if (named && typeof named.template === 'string') return named.template;
  }
  throw fieldError(file, 'chat_template', "a string or a list with a { name: 'default', template } entry", value);
}
