/**
 * The recipe editor: one input per field of a recipe (nested objects as fieldsets), validated by
 * the trainer's own zod schema on every edit; each problem is shown under the field it names.
 * Values are typed as JSON (`0.1`, `true`, `null`, `["+"]`); anything that is not JSON is a string.
 * The whole recipe can also be edited as JSON (e.g. `"eval": null`, or a `lora` object); applying
 * it redraws the fields.
 */
import { trainConfigSchema } from '@agon/trainer';

/** Fields the page sets itself (the model and backend pickers) or that hold no setting. */
const OWNED = new Set(['model', 'backend', '$comment']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field's text as JSON, or the text itself when it is not JSON. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The editor in its host element. */
export class RecipeForm {
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly boxes = new Map<string, HTMLElement>();
  private readonly top: HTMLElement;
  private recipe: Record<string, unknown> = {};

  private readonly json = document.createElement('textarea');
  private readonly jsonError = document.createElement('div');
  private readonly form = document.createElement('div');

  constructor(host: HTMLElement) {
    this.top = document.createElement('div');
    this.top.className = 'field-error';
    this.top.dataset['path'] = '';
    const raw = document.createElement('details');
    raw.className = 'recipe-json';
    const summary = document.createElement('summary');
    summary.textContent = 'edit as JSON';
    this.json.rows = 14;
    this.json.spellcheck = false;
    this.jsonError.className = 'field-error';
    this.jsonError.dataset['path'] = '';
    const apply = document.createElement('button');
    apply.type = 'button';
    apply.textContent = 'apply';
    apply.addEventListener('click', () => this.applyJson());
    raw.append(summary, this.json, apply, this.jsonError);
    host.replaceChildren(this.top, this.form, raw);
  }

  /** Shows `recipe` (its fields, in order). */
  load(recipe: Record<string, unknown>): void {
    this.recipe = structuredClone(recipe);
    this.inputs.clear();
    this.boxes.clear();
    this.form.replaceChildren(this.fields(this.recipe, []));
    this.validate();
  }

  /** Replaces the recipe with the JSON text's (the page's model and backend fields are kept out). */
  private applyJson(): void {
    let value: unknown;
    try {
      value = JSON.parse(this.json.value);
    } catch (e) {
      this.jsonError.textContent = `not valid JSON: ${(e as Error).message}`;
      return;
    }
    if (!isObject(value)) {
      this.jsonError.textContent = 'a recipe is a JSON object';
      return;
    }
    this.jsonError.textContent = '';
    this.load(value);
  }

  private fields(obj: Record<string, unknown>, at: string[]): HTMLElement {
    const box = document.createElement(at.length ? 'fieldset' : 'div');
    box.className = 'fields';
    if (at.length) {
      const legend = document.createElement('legend');
      legend.textContent = at[at.length - 1];
      box.append(legend);
    }
    this.boxes.set(at.join('.'), box);
    for (const [key, value] of Object.entries(obj)) {
      if (!at.length && OWNED.has(key)) continue;
      const path = [...at, key];
      if (isObject(value)) {
        box.append(this.fields(value, path));
        continue;
      }
      const label = document.createElement('label');
      label.className = 'field';
      const name = document.createElement('span');
      name.textContent = key;
      const input = document.createElement('input');
      input.name = path.join('.');
      input.dataset['path'] = path.join('.');
      input.value = JSON.stringify(value);
      input.spellcheck = false;
      input.addEventListener('input', () => {
        this.set(path, parseValue(input.value));
        this.validate();
      });
      label.append(name, input);
      box.append(label);
      this.inputs.set(path.join('.'), input);
    }
    return box;
  }

  private set(path: string[], value: unknown): void {
    let o = this.recipe;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[path[path.length - 1]] = value;
  }

  /** The recipe as edited (the page adds model and backend). */
  value(): Record<string, unknown> {
    return structuredClone(this.recipe);
  }

  /**
   * Validates the recipe with the trainer's schema and shows each problem at its field (or at the
   * nearest enclosing group, e.g. an unknown key); returns the number of problems.
   */
  validate(): number {
    this.json.value = JSON.stringify(this.recipe, null, 2);
    for (const e of this.form.querySelectorAll('.field-error')) e.remove();
    for (const i of this.inputs.values()) i.removeAttribute('aria-invalid');
    this.top.textContent = '';
    const r = trainConfigSchema.safeParse(this.recipe);
    if (r.success) return 0;
    for (const issue of r.error.issues) {
      const path = issue.path.map(String);
      const msg = `${path.join('.') || 'recipe'}: ${issue.message}`;
      let k = path.length;
      while (k > 0 && !this.inputs.has(path.slice(0, k).join('.')) && !this.boxes.has(path.slice(0, k).join('.'))) k--;
      const key = path.slice(0, k).join('.');
      const input = this.inputs.get(key);
      const err = document.createElement('div');
      err.className = 'field-error';
      err.setAttribute('role', 'alert');
      err.dataset['path'] = key;
      err.textContent = msg;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.closest('label')?.append(err);
      } else if (key) this.boxes.get(key)?.append(err);
      else this.top.textContent = [this.top.textContent, msg].filter(Boolean).join('\n');
    }
    return r.error.issues.length;
  }
}
