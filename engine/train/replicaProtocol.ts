/**
 * Host <-> replica protocol of data-parallel training (`dataParallel.ts` <-> `replica.ts`).
 * Each replica is a worker thread with its own TensorFlow.js, a copy of the model and of
 * the optimiser; requests carry an `id`, and every reply names the request it answers
 * in `inReplyTo`.
 */
import type { BackendName } from '../core/backend';
import type { CharLMConfig } from '../model/charlm';
import type { NamedArray } from '../checkpoint/safetensors';
import type { StepRules } from './stepper';

type Arrays = Record<string, NamedArray>;

//#region to replica
/** Sent once by the host after starting the worker: build the model and optimiser with these weights and state. */
export interface InitRequest {
  type: 'init'; id: number; backend?: BackendName; model: CharLMConfig; rules: StepRules;
  weights: Arrays; optimizerState: Arrays; optimizerStep: number;
}
/** Sent every step: the replica's shard of token windows, (rows, width) row-major. */
export interface GradientsRequest { type: 'gradients'; id: number; windows: Int32Array; rows: number; width: number }
/** Sent every step after averaging: apply these gradients (clip + optimiser), identically on every replica. */
export interface ApplyRequest { type: 'apply'; id: number; grads: Float32Array; learningRate: number }
/** The mean loss over a shard of validation windows, in evaluation mode, in chunks of `chunk` rows. */
export interface EvaluateRequest { type: 'evaluate'; id: number; windows: Int32Array; rows: number; width: number; chunk: number }
/** The replica's weights and optimiser state (all replicas hold the same). */
export interface StateRequest { type: 'state'; id: number }
export type ToReplica = InitRequest | GradientsRequest | ApplyRequest | EvaluateRequest | StateRequest;
//#endregion

//#region from replica
/** `memoryBytes`: the replica's TensorFlow.js tensors plus, on wasm, its heap. */
export interface InitReply { type: 'ready'; inReplyTo: number; backend: BackendName; memoryBytes: number }
export interface GradientsReply { type: 'gradients'; inReplyTo: number; loss: number; grads: Float32Array }
export interface ApplyReply { type: 'applied'; inReplyTo: number; gradNorm: number; memoryBytes: number }
export interface EvaluateReply { type: 'evaluated'; inReplyTo: number; loss: number }
export interface StateReply { type: 'state'; inReplyTo: number; weights: Arrays; optimizerState: Arrays; optimizerStep: number }
/** Any request that failed; `message` says why. */
export interface ErrorReply { type: 'error'; inReplyTo: number; message: string }
export type FromReplica = InitReply | GradientsReply | ApplyReply | EvaluateReply | StateReply | ErrorReply;
//#endregion
