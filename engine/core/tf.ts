/**
 * TensorFlow.js as the engine uses it: tfjs-core with the chained methods (x.reshape(), ...) and
 * the built-in ops' gradients registered. backend.ts chooses and starts a backend and re-exports
 * this `tf`, which the rest of the engine imports from there; the kernel modules that backend.ts
 * installs (wasmKernels.ts, seqlabKernels.ts) import it from here, below backend.ts, so that no
 * two modules import each other.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers (and types) the chained methods: x.reshape(), x.squeeze(), ...
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// The gradients of the built-in ops (tfjs-core alone registers none).
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export { tf };
