/**
 * Host <-> replica protocol of data-parallel training (`trainer.ts` <-> `replica.ts`).
 * Each replica is a worker thread with its own TensorFlow.js and a copy of the model;
 * requests carry an `id`, and every reply names the request it answers in `inReplyTo`.
 */
import type { BackendName } from '../backend';
import type { CharLMConfig, OptimizerConfig } from '../charlm';

//#region to replica
/** Sent once by the host after starting the worker: build the model with these weights. */
export interface InitRequest { type: 'init'; id: number; backend?: BackendName; model: CharLMConfig; optimizer: OptimizerConfig; weights: Record<string, { shape: number[]; data: Float32Array }> }
/** Sent every step: the replica's shard of token windows, (rows, width) row-major. */
export interface GradientsRequest { type: 'gradients'; id: number; windows: Int32Array; rows: number; width: number }
/** Sent every step after averaging: apply these gradients (clip + Adam), identically on every replica. */
export interface ApplyRequest { type: 'apply'; id: number; grads: Float32Array; learningRate?: number }
export type ToReplica = InitRequest | GradientsRequest | ApplyRequest;
//#endregion

//#region from replica
export interface InitReply { type: 'ready'; inReplyTo: number; backend: BackendName }
export interface GradientsReply { type: 'gradients'; inReplyTo: number; loss: number; grads: Float32Array }
export interface ApplyReply { type: 'applied'; inReplyTo: number; gradNorm: number }
/** Any request that failed; `message` says why. */
export interface ErrorReply { type: 'error'; inReplyTo: number; message: string }
export type FromReplica = InitReply | GradientsReply | ApplyReply | ErrorReply;
//#endregion
