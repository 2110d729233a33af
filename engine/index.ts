/**
 * SeqLab's engine: PyTorch-style recurrent layers and character models on TensorFlow.js.
 * Plain TypeScript; never imports `vscode`, so it runs in a worker and on the command line.
 */
export { tf, initBackend, currentBackend, BACKEND_NAMES } from './core/backend';
export type { BackendName, BackendInfo } from './core/backend';
export { Module } from './nn/module';
export type { StateDict } from './nn/module';
export { RNNCell, LSTMCell, GRUCell, NONLINEARITIES } from './nn/cells';
export type { Nonlinearity, LstmGates, GruGates, CellOptions } from './nn/cells';
export { RNN, LSTM, GRU, RNNBase, NORMALIZATIONS } from './nn/recurrent';
export type { RecurrentOptions, LSTMOptions, RNNOptions, Normalization, RecurrentOutput, ForwardOptions } from './nn/recurrent';
export { linear, crossEntropy } from './nn/ops';
export { Random } from './core/random';
export { DataParallelStepper, ReplicaError, workersFor } from './train/dataParallel';
export { LocalStepper, createOptimizer, stepRulesOf } from './train/stepper';
export type { ClipSettings, StepRules, StepResult, Stepper } from './train/stepper';
export { CharLM, CELL_TYPES } from './model/charlm';
export type { CharLMConfig, CellType } from './model/charlm';
export { EngineClient, EngineError } from './worker/client';
export type { Job, RequestBody, EngineClientOptions } from './worker/client';
export type * from './worker/protocol';
