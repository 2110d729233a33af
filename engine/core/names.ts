/**
 * Names shared by the engine and its hosts, in a module that loads nothing else: the
 * extension imports these (through the worker protocol) without loading TensorFlow.js.
 */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const CELL_TYPES = ['lstm', 'gru', 'rnn-tanh', 'rnn-relu', 'rnn-sigmoid'] as const;
export type CellType = (typeof CELL_TYPES)[number];

export const NORMALIZATIONS = ['none', 'layer', 'batch'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/**
 * The adding problem's cells (long-range-memory): a tanh RNN, the IRNN (ReLU, identity W_hh),
 * layer- and batch-normalised tanh RNNs, the LSTM and the GRU. Here because the chapter's page
 * (which the webview loads) names them too.
 */
export const ADDING_CELLS = ['rnn-tanh', 'irnn', 'ln-rnn', 'bn-rnn', 'lstm', 'gru'] as const;
export type AddingCell = (typeof ADDING_CELLS)[number];

export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export const SCHEDULE_NAMES = ['constant', 'cosine', 'step'] as const;
export type ScheduleName = (typeof SCHEDULE_NAMES)[number];

/** The largest model SeqLab trains; checkpoints describing more are refused as damaged. */
export const MODEL_LIMITS = { layers: 8, hidden: 4096, embed: 4096 } as const;

/** What computes a training run: the built-in TensorFlow.js engine, the user's PyTorch, or `auto` (PyTorch when found and faster). */
export const ENGINE_CHOICES = ['builtin', 'pytorch', 'auto'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];
export type EngineName = Exclude<EngineChoice, 'auto'>;

/** Where the PyTorch engine computes: `auto` is CUDA, then Apple's MPS, then the CPU. */
/**
 * Most data-parallel processes a PyTorch run may ask for (the setting, --processes, a worker
 * request): each is a Python with torch loaded (~0.3 GB here); engine.py also refuses more
 * processes than CPU cores on the CPU, or than GPUs with CUDA.
 */
export const MAX_TORCH_PROCESSES = 64;
export const TORCH_DEVICES = ['auto', 'cpu', 'cuda', 'mps'] as const;
export type TorchDeviceChoice = (typeof TORCH_DEVICES)[number];

/** The PyTorch engine's arithmetic: fp32 (the built-in engine's), or mixed precision under autocast (bf16; fp16 with a gradient scaler, CUDA only). */
export const TORCH_PRECISIONS = ['fp32', 'bf16', 'fp16'] as const;
export type TorchPrecision = (typeof TORCH_PRECISIONS)[number];
