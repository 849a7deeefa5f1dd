/**
 * AdamW (Loshchilov & Hutter): Adam on the gradient plus weight decay applied to the weights
 * directly, not folded into the gradient. Written here rather than wrapping tf.train.adam so the
 * state (m, v, t) can be saved and restored exactly for resume.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamwStep } from '@agon/tensor';

/**
 * Hyper-parameters of {@link AdamW}.
 *
 * @example
 * ```ts
 * const opts: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
 * ```
 */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * The optimizer state as host arrays, keyed by variable name (what a checkpoint stores).
 *
 * @example
 * ```ts
 * declare const opt: AdamW;
 * const s: AdamWState = await opt.exportState();
 * s.t; // updates applied so far
 * ```
 */
export interface AdamWState {
  t: number;
  m: Record<string, { shape: number[]; data: Float32Array }>;
  v: Record<string, { shape: number[]; data: Float32Array }>;
}

/**
 * AdamW over a fixed list of variables.
 *
 * @example
 * ```ts
 * const opt = new AdamW(model.trainableVariables(), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
 * opt.apply(grads, 1e-3); // grads: Record<variable name, Tensor>
 * opt.dispose();
 * ```
 */
export class AdamW {
  private t = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly opts: AdamWOptions,
  ) {
    // tf.variable shares the initial tensor's data; the initial handle itself must still be freed.
    const zeroVar = (x: tf.Variable) => {
      const z = tf.zerosLike(x);
      const v = tf.variable(z, false);
      z.dispose();
      return v;
    };
    for (const x of vars) {
      this.m.set(x.name, zeroVar(x));
      this.v.set(x.name, zeroVar(x));
    }
  }

  /** Updates applied so far. */
  get steps(): number {
    return this.t;
  }

  /** One update with learning rate `lr`; `grads` holds one tensor per variable name. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    // Checked before anything changes: a refused update leaves the weights and `steps` as they were.
    for (const x of this.vars) if (!grads[x.name]) throw new Error(`AdamW: no gradient for variable ${x.name}`);
    this.t += 1;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    for (const x of this.vars) {
      const g = grads[x.name];
      const m = this.moment(this.m, x.name);
      const v = this.moment(this.v, x.name);
      const next = adamwStep(x, g, m, v, { lr, beta1, beta2, eps, weightDecay, step: this.t });
      m.assign(next.m);
      v.assign(next.v);
      x.assign(next.x);
      tf.dispose([next.m, next.v, next.x]);
    }
  }

  private moment(map: Map<string, tf.Variable>, name: string): tf.Variable {
    const x = map.get(name);
    if (!x) throw new Error(`AdamW: no state for variable ${name}`);
    return x;
  }

  /** The state as host arrays. */
  async exportState(): Promise<AdamWState> {
    const dump = async (map: Map<string, tf.Variable>) => {
      const out: AdamWState['m'] = {};
      for (const [k, x] of map) out[k] = { shape: [...x.shape], data: (await x.data()) as Float32Array };
      return out;
    };
    return { t: this.t, m: await dump(this.m), v: await dump(this.v) };
  }

  /** Restores a state written by {@link AdamW.exportState} (shapes and names must match). */
  importState(state: AdamWState, source = 'optimizer state'): void {
    for (const [which, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [k, x] of map) {
        const s = state[which][k];
        if (!s) throw new Error(`${source}: missing ${which} for variable ${k}`);
        if (s.shape.join(',') !== x.shape.join(',')) throw new Error(`${source}: ${which} of ${k} has shape [${s.shape}]; expected [${x.shape}]`);
        tf.tidy(() => x.assign(tf.tensor(s.data, s.shape, 'float32')));
      }
    }
    this.t = state.t;
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
