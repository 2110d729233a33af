/**
 * Matrix products that stay fast on the wasm backend, and the few ops built on them.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 runs `matMul` with `transposeA`/`transposeB` at
 * 0.3-1.3 GFLOP/s against 7-20 for a plain product after an explicit transpose, and
 * tfjs's own gradient of `matMul` uses those flags. So every product here is plain,
 * every transpose explicit, and the gradients are written by hand in the same style.
 */
import { tf } from '../core/backend';

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

/** Column sums of a (rows, cols) matrix as one product with a row of ones: wasm's Sum over axis 0 is about 60x slower. */
export function columnSum(m: Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.matMul(tf.ones([1, m.shape[0]]), m as Tensor2D).reshape([m.shape[1]!]));
}

const linearWithBias = tf.customGrad((x, w, b, save) => {
  // x: (M, in), w: (out, in) as in torch.nn.Linear, b: (out)
  (save as tf.GradSaveFunc)([x as Tensor, w as Tensor]);
  const value = tf.add(mmT(x as Tensor2D, w as Tensor2D), b as Tensor);
  return {
    value,
    gradFunc: (dy: Tensor, [xs, ws]: Tensor[]) => [
      mm(dy as Tensor2D, ws as Tensor2D), // dx: (M, in)
      mTm(dy as Tensor2D, xs as Tensor2D), // dw: (out, in)
      columnSum(dy), // db: (out)
    ],
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

const crossEntropyOp = tf.customGrad((logits, oneHotTargets, save) => {
  // logits, oneHotTargets: (M, V). Mean over M of -log softmax(logits)[target].
  const logProbs = tf.logSoftmax(logits as Tensor2D);
  (save as tf.GradSaveFunc)([logProbs, oneHotTargets as Tensor]);
  const rows = (logits as Tensor).shape[0];
  const value = tf.div(tf.neg(tf.sum(tf.mul(logProbs, oneHotTargets as Tensor))), rows);
  return {
    value,
    gradFunc: (dy: Tensor, [lp, t]: Tensor[]) => [
      tf.mul(tf.sub(tf.exp(lp), t), tf.div(dy, rows)),
      tf.zerosLike(t),
    ],
  };
});

/** Mean cross-entropy in nats, as `torch.nn.functional.cross_entropy` with integer targets. */
export function crossEntropy(logits: Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => crossEntropyOp(logits, tf.cast(tf.oneHot(targets, logits.shape[1]), "float32")) as tf.Scalar);
}

/**
 * `tf.unstack(t)` along axis 0, safe under autodiff when there is one slice: tfjs
 * hands a single-output op's gradient a bare tensor, which its Unpack gradient
 * (`stack(dy)`) rejects.
 */
export function unstack0(t: Tensor): Tensor[] {
  return t.shape[0] === 1 ? [t.squeeze([0])] : tf.unstack(t);
}
