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
 * `tf.unstack(t)` along axis 0, safe under autodiff when there is one slice: tfjs
 * hands a single-output op's gradient a bare tensor, which its Unpack gradient
 * (`stack(dy)`) rejects.
 */
export function unstack0(t: Tensor): Tensor[] {
  return t.shape[0] === 1 ? [t.squeeze([0])] : tf.unstack(t);
}
