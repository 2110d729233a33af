/**
 * A training request, as the worker receives it (worker/protocol.ts extends this schema
 * with its id) and the command line builds it: one definition, checked where it arrives.
 * No TensorFlow.js here: the protocol file imports it.
 */
import { z } from 'zod';
import { MAX_TORCH_PROCESSES, TORCH_DEVICES, TORCH_PRECISIONS } from '../core/names';
import { CorpusSourceSchema } from '../text/corpus';
import type { TrainConfigInput } from './config';

const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

export const TrainRequestSchema = z.object({
  source: CorpusSourceSchema,
  /** The training config; its keys and ranges are checked by parseTrainConfig, which names each problem. */
  config: z.custom<TrainConfigInput>(isPlainObject, 'an object of training settings').optional(),
  /** Folder for the checkpoint; none = train without saving. */
  outDir: z.string().optional(),
  /** 'best' (default) keeps the best validation loss; 'last' the final weights. */
  keep: z.enum(['best', 'last']).optional(),
  /** A checkpoint folder to continue from: its model, vocabulary, optimiser and step. */
  resumeFrom: z.string().optional(),
  /**
   * With keep 'best': a folder for the latest weights, written every `checkpointEvery` steps or `checkpointSeconds` seconds
   * (so a crash loses at most that much) and when the run is stopped; removed when the run
   * ends normally, since the best checkpoint is what is kept then.
   */
  lastDir: z.string().optional(),
  maxCharacters: z.number().int().positive().optional(),
  /**
   * Replicas computing each step's gradients on worker threads: 'auto' (one per core, at
   * most 8, and at least 4 batch rows each) or a count; 1 trains in this thread. The same
   * seed and count give the same run; a different count changes only the order of sums.
   */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).optional(),
  /**
   * Where the steps are computed: 'builtin' (default, this engine) or 'pytorch', the user's
   * PyTorch (engine/train/torchStepper.ts) with the same loop, batches and rules. The host
   * resolves the setting's 'auto' before it asks.
   */
  engine: z.enum(['builtin', 'pytorch']).optional(),
  /** For the PyTorch engine: the interpreter (found by the host), the device and the process count. */
  torch: z.object({
    python: z.string().min(1),
    pythonArgs: z.array(z.string()).optional(),
    device: z.enum(TORCH_DEVICES).optional(),
    processes: z.number().int().min(1).max(MAX_TORCH_PROCESSES).optional(),
    /** Mixed precision under autocast: off ('fp32') by default. */
    precision: z.enum(TORCH_PRECISIONS).optional(),
    /** One limit, in seconds, for the engine's start and every reply (default: torchStepper.ts's DEFAULT_TORCH_TIMEOUTS, sized from the measured step). */
    timeoutSeconds: z.number().min(0.1).max(86_400).optional(),
  }).optional(),
});

export type TrainRequest = z.infer<typeof TrainRequestSchema>;
