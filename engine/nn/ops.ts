/**
 * Matrix products that stay fast on the wasm backend, and the few ops built on them.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 runs `matMul` with `transposeA`/`transposeB` at
 * 0.3-1.3 GFLOP/s against 7-20 for a plain product after an explicit transpose, and
 * tfjs's own gradient of `matMul` uses those flags. So every product here is plain,
 * every transpose explicit, and the gradients are written by hand in the same style.
 */
import { tf } from '../core/backend';
import { KERNEL, seqlabKernelsActive, runKernel } from '../core/seqlabKernels';

type Tensor = tf.Tensor;
type Tensor2D = tf.Tensor2D;

/** `a @ b` for 2-D tensors, never with transpose flags. */
export function mm(a: Tensor2D, b: Tensor2D): Tensor2D {
  return tf.matMul(a, b);
}

/** `a @ b.T` with an explicit transpose. */
export function mmT(a: Tensor2D, b: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.matMul(a, tf.transpose(b)));
}

/** `a.T @ b` with an explicit transpose. */
export function mTm(a: Tensor2D, b: Tensor2D): Tensor2D {
  return tf.tidy(() => tf.matMul(tf.transpose(a), b));
}

/**
 * dW = dy.T @ x and db = the column sums of dy, from one product (x.T with a row of
 * ones) @ dy = (dW.T ; db): for the recurrent layers' (L*N, G*H) gradients, where a
 * separate `ones @ dy` for db ran at a fifth of the product's speed.
 */
export function weightAndBiasGrad(dy: Tensor, x: Tensor): [Tensor2D, tf.Tensor1D] {
  return tf.tidy(() => {
    const [rows, width] = x.shape as [number, number];
    const product = mm(tf.concat([tf.transpose(x as Tensor2D), tf.ones([1, rows])], 0) as Tensor2D, dy as Tensor2D);
    const [dWT, db] = tf.split(product, [width, 1], 0);
    return [tf.transpose(dWT) as Tensor2D, db.reshape([-1]) as tf.Tensor1D];
  });
}

const linearWithBias = tf.customGrad((x, w, b, save) => {
  // x: (M, in), w: (out, in) as in torch.nn.Linear, b: (out)
  (save as tf.GradSaveFunc)([x as Tensor, w as Tensor]);
  const value = tf.add(mmT(x as Tensor2D, w as Tensor2D), b as Tensor);
  return {
    value,
    gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => {
      // With out a vocabulary, products whose right factor is dy (M, out) are slow (wasm
      // repacks it): dy.T once, then dw = dy.T @ x and db = dy.T's row sums (measured, V = 2500).
      const dyT = tf.transpose(dy as Tensor2D);
      return [
        mm(dy as Tensor2D, ws as Tensor2D), // dx: (M, in)
        mm(dyT, xs as Tensor2D), // dw: (out, in)
        tf.sum(dyT, 1), // db: (out)
      ];
    },
  };
});

const linearNoBias = tf.customGrad((x, w, save) => {
  (save as tf.GradSaveFunc)([x as Tensor, w as Tensor]);
  return {
    value: mmT(x as Tensor2D, w as Tensor2D),
    gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [mm(dy as Tensor2D, ws as Tensor2D), mTm(dy as Tensor2D, xs as Tensor2D)],
  };
});

/** `x @ w.T + b`, as `torch.nn.functional.linear`, for x of shape (M, in) and w (out, in). */
export function linear(x: Tensor2D, w: Tensor2D, b?: Tensor | null): Tensor2D {
  return (b ? linearWithBias(x, w, b) : linearNoBias(x, w)) as Tensor2D;
}

/**
 * tanh. On wasm as 2 sigmoid(2x) - 1: wasm's Tanh kernel is scalar (94 us for a (32, 256)
 * step, measured), its Sigmoid is XNNPACK's vectorised one (8 us), and the four kernels
 * together cost a quarter of one Tanh. Within 2.4e-7 of tanh (float32 rounding).
 */
export const tanh = (t: Tensor): Tensor => (tf.getBackend() === 'wasm' ? tf.sub(tf.mul(tf.sigmoid(tf.mul(t, 2)), 2), 1) : tf.tanh(t));

/**
 * exp(x) for x <= 0. On wasm as sigmoid(x) / sigmoid(-x): wasm's Exp kernel is scalar
 * (27 ms for 2048 x 2500 logits, measured), its Sigmoid is XNNPACK's vectorised one; for
 * x <= 0 the denominator is in [0.5, 1), so the quotient keeps float32 precision.
 */
function expNonPositive(x: Tensor): Tensor {
  return tf.getBackend() === 'wasm' ? tf.div(tf.sigmoid(x), tf.sigmoid(tf.neg(x))) : tf.exp(x);
}

const crossEntropyOp = tf.customGrad((logits, oneHotTargets, save) => {
  // logits, oneHotTargets: (M, V). Mean over M of -log softmax(logits)[target]. One
  // exponential, kept for the gradient (softmax - one-hot) / M.
  const shifted = tf.sub(logits as Tensor2D, tf.max(logits as Tensor2D, 1, true));
  const e = expNonPositive(shifted);
  const total = tf.sum(e, 1, true);
  const probs = tf.div(e, total);
  (save as tf.GradSaveFunc)([probs, oneHotTargets as Tensor]);
  const rows = (logits as Tensor).shape[0];
  // -log p[target] = log(total) - shifted[target], summed over rows.
  const value = tf.div(tf.sub(tf.sum(tf.log(total)), tf.sum(tf.mul(shifted, oneHotTargets as Tensor))), rows);
  return {
    value,
    gradFunc: (dy: Tensor, [p, t]: Tensor[]) => [
      tf.mul(tf.sub(p, t), tf.div(dy, rows)),
      tf.zerosLike(t),
    ],
  };
});

/** Mean cross-entropy in nats, as `torch.nn.functional.cross_entropy` with integer targets. */
export function crossEntropy(logits: Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => crossEntropyOp(logits, tf.cast(tf.oneHot(targets, logits.shape[1]), "float32")) as tf.Scalar);
}

/**
 * The Euclidean norm, scaled first by the largest magnitude (LAPACK's nrm2 does the same):
 * squares in float32 read 0 below ~1e-19 per entry and Infinity above ~1.8e19, so a plain
 * `tf.norm` (and PyTorch's `torch.norm`, which squares too) reports a gradient of norm 1.6e-22
 * as 0 and one of 1e20 as inf. Here the norm is right from the smallest float32 to the largest.
 * Over all entries, or along `axis` (the result drops that axis). A tensor of zeros has norm 0.
 */
export function stableNorm(x: Tensor, axis?: number): Tensor {
  return tf.tidy(() => {
    const largest = axis === undefined ? tf.max(tf.abs(x)) : tf.max(tf.abs(x), axis, true);
    const scale = tf.where(tf.equal(largest, 0), tf.onesLike(largest), largest);
    const norm = tf.sqrt(tf.sum(tf.square(tf.div(x, scale)), axis));
    return tf.mul(norm, axis === undefined ? scale : tf.squeeze(scale, [axis]));
  });
}

/**
 * The norm of all entries of several tensors together (a global gradient norm). The plain
 * sum of squares (two kernels a tensor, as torch's clip_grad_norm_ computes it) when it is
 * a normal float32 number, else scaled as `stableNorm` (about five kernels a tensor): every
 * training step clips, and in small models kernel calls are the cost. A plain sum at or
 * above 1e-30 has not lost to underflow any square that matters to it, and a finite one has
 * not overflowed. Reads one number (a step reads the norm anyway, for clipping and its report).
 */
export const PLAIN_SUM_OF_SQUARES_FLOOR = 1e-30;

export function stableGlobalNorm(tensors: Tensor[]): tf.Scalar {
  const sumOfSquares = tf.tidy(() => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))));
  const plain = sumOfSquares.dataSync()[0];
  if (Number.isFinite(plain) && plain >= PLAIN_SUM_OF_SQUARES_FLOOR) {
    const norm = tf.sqrt(sumOfSquares) as tf.Scalar;
    sumOfSquares.dispose();
    return norm;
  }
  sumOfSquares.dispose();
  return tf.tidy(() => {
    const largest = tf.max(tf.stack(tensors.map((t) => tf.max(tf.abs(t)))));
    const scale = tf.where(tf.equal(largest, 0), tf.onesLike(largest), largest);
    return tf.mul(tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(tf.div(t, scale)))))), scale) as tf.Scalar;
  });
}

/**
 * Rows of logits computed at once by `headCrossEntropy`: (256, V) floats at a time instead
 * of (L*N, V). For V = 8,000 and a batch of 32 x 64 a step's head held ~920 MB of wasm
 * heap (logits, one-hot, exponentials, softmax, gradient, transposes; the heap never
 * shrinks); in chunks it holds ~30 MB.
 */
export const HEAD_CHUNK_ROWS = 256;

/** How the head's chunks are computed: TensorFlow.js's ops, or SeqLab's wasm kernels. */
interface HeadChunks {
  /** The summed loss of rows [start, start + size). */
  loss(start: number, size: number): Tensor;
  /** The same loss with its gradients: the rows' dh, dW added to `dW` (absent for the first chunk), the chunk's db. */
  gradients(start: number, size: number, dW: Tensor | undefined): { dh: Tensor; dW: Tensor; db: Tensor; loss: Tensor };
  /** Frees what the chunks shared (a transposed W, cast targets). */
  release(): void;
}

/**
 * Mean cross-entropy (nats) of `linear(h, w, b)` against integer `targets`, without ever
 * holding the (M, V) logits: the rows go through in chunks of HEAD_CHUNK_ROWS. The loss is
 * the last op before the scalar, so its gradient is known in the forward pass: each chunk's
 * (softmax - one-hot) gives dh, dW and db there and then, and the backward pass only scales
 * them by dy / M. Same products, same sums as linear + crossEntropy, in a tenth of the memory.
 * With `gradients: false` (evaluation) only the loss is computed.
 */
export function headCrossEntropy(h: Tensor2D, w: Tensor2D, b: Tensor, targets: tf.Tensor1D, options: { gradients: boolean }): tf.Scalar {
  const chunks = seqlabKernelsActive() ? wasmHeadChunks(h, w, b, targets) : tensorflowHeadChunks(h, w, b, targets);
  try {
    return chunkedHead(h, w, b, chunks, options.gradients);
  } finally {
    chunks.release();
  }
}

function chunkedHead(h: Tensor2D, w: Tensor2D, b: Tensor, chunks: HeadChunks, gradients: boolean): tf.Scalar {
  const rows = h.shape[0];
  if (!gradients) {
    return tf.tidy(() => {
      let sum: tf.Scalar = tf.scalar(0);
      for (let start = 0; start < rows; start += HEAD_CHUNK_ROWS) {
        const next = tf.tidy(() => tf.add(sum, chunks.loss(start, Math.min(HEAD_CHUNK_ROWS, rows - start))) as tf.Scalar);
        sum.dispose();
        sum = next;
      }
      return tf.div(sum, rows) as tf.Scalar;
    });
  }
  // The inputs are h, w and b themselves: the chunks read them directly.
  const op = tf.customGrad((_h, _w, _b, save) => {
    const dhParts: Tensor[] = [];
    let dW: Tensor | undefined;
    let db: Tensor | undefined;
    let sum: Tensor = tf.scalar(0);
    for (let start = 0; start < rows; start += HEAD_CHUNK_ROWS) {
      const size = Math.min(HEAD_CHUNK_ROWS, rows - start);
      const [dh, nextW, nextB, nextSum] = tf.tidy(() => {
        const g = chunks.gradients(start, size, dW);
        return [g.dh, g.dW, db ? tf.add(db, g.db) : g.db, tf.add(sum, g.loss)];
      });
      dW?.dispose();
      db?.dispose();
      sum.dispose();
      dhParts.push(dh);
      dW = nextW;
      db = nextB;
      sum = nextSum;
    }
    const dhAll = dhParts.length === 1 ? dhParts[0] : tf.concat(dhParts, 0);
    if (dhParts.length > 1) for (const part of dhParts) part.dispose();
    (save as tf.GradSaveFunc)([dhAll, dW!, db!]);
    return {
      value: tf.div(sum, rows),
      gradFunc: (dy: Tensor, [dhSaved, dWSaved, dbSaved]: Tensor[]) => {
        const scale = tf.div(dy, rows);
        return [tf.mul(dhSaved, scale), tf.mul(dWSaved, scale), tf.mul(dbSaved, scale)];
      },
    };
  });
  return op(h, w, b) as tf.Scalar;
}

/** The chunks in TensorFlow.js's ops (W transposed once for all of them). */
function tensorflowHeadChunks(h: Tensor2D, w: Tensor2D, b: Tensor, targets: tf.Tensor1D): HeadChunks {
  const width = h.shape[1];
  const vocab = w.shape[0];
  const wT = tf.transpose(w);
  /** One chunk: its summed loss, and (with gradients) its (softmax - one-hot). */
  const chunk = (start: number, size: number, withDelta: boolean) => {
    const hc = tf.slice(h, [start, 0], [size, width]) as Tensor2D;
    const logits = tf.add(mm(hc, wT), b);
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    const e = expNonPositive(shifted);
    const total = tf.sum(e, 1, true);
    // oneHot's own float32 dtype gives zeros on the wasm backend (tfjs 4.22): int32, then cast.
    const oneHot = tf.cast(tf.oneHot(tf.slice(targets, [start], [size]), vocab), 'float32');
    const loss = tf.sub(tf.sum(tf.log(total)), tf.sum(tf.mul(shifted, oneHot)));
    return { hc, loss, delta: withDelta ? tf.sub(tf.div(e, total), oneHot) as Tensor2D : undefined };
  };
  return {
    loss: (start, size) => chunk(start, size, false).loss,
    gradients: (start, size, dW) => {
      const { hc, loss, delta } = chunk(start, size, true);
      // As linear's gradient: delta.T once (a product whose right factor is (m, V) is slow on wasm), then dW, db; dh = delta @ W.
      const deltaT = tf.transpose(delta!);
      const dWChunk = mm(deltaT, hc);
      return { dh: mm(delta!, w), dW: dW ? tf.add(dW, dWChunk) : dWChunk, db: tf.sum(deltaT, 1), loss };
    },
    release: () => wT.dispose(),
  };
}

/**
 * The chunks through SeqLab's wasm kernels: one product with the bias added in it (h W^T + b,
 * W read as it is stored), one pass of softmax cross-entropy giving the loss's parts,
 * (softmax - one-hot) and its column sums (db), then dh = delta W and dW += delta^T h in the
 * product itself (delta read transposed in place). About 8 kernel calls a chunk instead of 25,
 * and no pass over the (chunk, V) logits but the product's and one.
 */
function wasmHeadChunks(h: Tensor2D, w: Tensor2D, b: Tensor, targets: tf.Tensor1D): HeadChunks {
  const width = h.shape[1];
  const ids = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
  const chunk = (start: number, size: number, withDelta: boolean) => {
    const hc = tf.slice(h, [start, 0], [size, width]);
    const [logits] = runKernel(KERNEL.gemm, { a: hc, b: w, x: b }, { transposeB: true });
    const [stats, delta, colSums] = runKernel(KERNEL.softmaxCrossEntropy, { logits, targets: tf.slice(ids, [start], [size]) }, { withDelta });
    // The rows' losses: log(sum of exponentials) + (max - target logit); wasm has no log instruction.
    const [sums, offsets] = tf.split(stats, 2, 1);
    return { hc, loss: tf.add(tf.sum(tf.log(sums)), tf.sum(offsets)), delta, colSums };
  };
  return {
    loss: (start, size) => chunk(start, size, false).loss,
    gradients: (start, size, dW) => {
      const { hc, loss, delta, colSums } = chunk(start, size, true);
      const [dh] = runKernel(KERNEL.gemm, { a: delta!, b: w });
      const [dWNext] = runKernel(KERNEL.gemm, { a: delta!, b: hc, ...(dW ? { x: dW } : {}) }, { transposeA: true });
      return { dh, dW: dWNext, db: colSums!, loss };
    },
    release: () => { if (ids !== targets) ids.dispose(); },
  };
}

/**
 * `tf.unstack(t)` along axis 0, safe under autodiff when there is one slice: tfjs
 * hands a single-output op's gradient a bare tensor, which its Unpack gradient
 * (`stack(dy)`) rejects.
 */
export function unstack0(t: Tensor): Tensor[] {
  return t.shape[0] === 1 ? [t.squeeze([0])] : tf.unstack(t);
}
