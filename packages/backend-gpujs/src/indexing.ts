// Index arithmetic for generated gpu.js kernels. Shapes are baked into the source as literals.
//
// GLSL has no integers that gpu.js lets us rely on, so flat indices are floats holding exact
// integers. Splitting a flat index r by a dimension D uses floor((r + 0.5) / D): the true quotient
// is q + (rem + 0.5) / D with rem in [0, D-1], so its fractional part sits at least 0.5 / D away
// from an integer, far more than float32's rounding error while r < 2^22 (4M elements per
// output; larger outputs are refused by the kernels, see MAX_GPU_OUTPUT).

/** The largest output (elements) a generated kernel may have; bigger tensors run on the CPU kernels. */
export const MAX_GPU_OUTPUT = 1 << 22;

/**
 * The largest input (elements) a kernel may read: every flat input index must be an exact
 * float32 integer (< 2^24), and a 4096² float texture is the most WebGL guarantees in practice.
 */
export const MAX_GPU_INPUT = 1 << 24;

/** Whether an op with this output size and these inputs can run as a generated kernel. */
export function fitsGpu(outSize: number, inputs: readonly { shape: number[] }[]): boolean {
  if (!(outSize > 0 && outSize <= MAX_GPU_OUTPUT)) return false;
  return inputs.every((t) => t.shape.reduce((a, b) => a * b, 1) <= MAX_GPU_INPUT);
}

/** Row-major strides of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** A number as a gpu.js source literal (always with a decimal point, so GLSL reads a float). */
export function lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`gpujs kernel: cannot embed ${x} as a literal`);
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/**
 * Source lines that set `idx<k>` (for each input k) to the flat index into input k of the
 * element that broadcasts to output element `flat` (a variable name). Inputs are given by their
 * shapes, right-aligned against `outShape` as in numpy broadcasting. Inputs equal in shape to the
 * output read `flat` directly; scalars read 0.
 */
export function broadcastIndices(flat: string, outShape: readonly number[], inShapes: readonly (readonly number[])[]): string {
  const rank = outShape.length;
  const lines: string[] = [];
  const general: number[] = [];
  inShapes.forEach((shape, k) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (sameShape(shape, outShape)) lines.push(`const idx${k} = ${flat};`);
    else if (size === 1) lines.push(`const idx${k} = 0;`);
    else {
      lines.push(`let idx${k} = 0;`);
      general.push(k);
    }
  });
  if (general.length === 0) return lines.join('\n');

  // Input strides aligned to the output's dims; 0 where the input broadcasts.
  const inStrides = general.map((k) => {
    const shape = inShapes[k];
    const st = strides(shape);
    const off = rank - shape.length;
    return outShape.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : st[d - off]));
  });
  lines.push(`let rest = ${flat};`);
  for (let d = rank - 1; d >= 0; d--) {
    const D = outShape[d];
    if (D === 1) continue;
    const contributes = general.filter((_, j) => inStrides[j][d] !== 0);
    if (d === 0 || outShape.slice(0, d).every((x) => x === 1)) {
      // Outermost non-unit dim: what is left of the index is the coordinate itself.
      for (const k of contributes) lines.push(`idx${k} = idx${k} + rest * ${lit(inStrides[general.indexOf(k)][d])};`);
      break;
    }
    lines.push(`const q${d} = Math.floor((rest + 0.5) / ${lit(D)});`);
    if (contributes.length > 0) {
      lines.push(`const c${d} = rest - q${d} * ${lit(D)};`);
      for (const k of contributes) lines.push(`idx${k} = idx${k} + c${d} * ${lit(inStrides[general.indexOf(k)][d])};`);
    }
    lines.push(`rest = q${d};`);
  }
  return lines.join('\n');
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
