/**
 * SeqLab <-> PyTorch engine protocol (engine/torch/engine.py): one JSON object per line,
 * requests on the engine's stdin, replies on its stdout. This is the TypeScript half;
 * engine/torch/protocol.py is the Python half, and test/interop checks that the two name
 * the same messages with the same fields and types.
 *
 * Every request with an `id` gets exactly one reply naming it, in order. No signals: `exit`
 * (or closing stdin) ends the engine, the same on Windows. Token windows travel as base64
 * of little-endian int32, row-major. A loss that is not finite is null (JSON has no NaN).
 */
import * as z from 'zod/mini';
import { TORCH_PRECISIONS } from '../core/names';

const int = () => z.number().check(z.int());
const nullableNumber = () => z.nullable(z.number());

/** Requests, by type: what the host sends. */
export const TORCH_REQUESTS = {
  /** The run's starting point: model.safetensors and optimizer.safetensors in `checkpoint`, and the rules. */
  init: z.object({
    checkpoint: z.string(), cell: z.string(), vocabSize: int(), embeddingSize: int(), hiddenSize: int(), numLayers: int(),
    dropout: z.number(), optimizer: z.string(), momentum: z.number(), weightDecay: z.number(), optimizerStep: int(),
    clipNorm: z.number(), clipValue: z.number(), seed: int(),
    /** 'fp32' (default: the built-in engine's arithmetic), 'bf16' (autocast; CUDA or CPU), 'fp16' (autocast and a gradient scaler; CUDA). */
    precision: z.optional(z.enum(TORCH_PRECISIONS)),
  }),
  /** One training step on `rows` windows of `width` ids at learning rate `lr`. */
  step: z.object({ id: int(), lr: z.number(), rows: int(), width: int(), windows: z.string() }),
  /** The mean loss over the windows in evaluation mode, `chunk` windows at a time. */
  evaluate: z.object({ id: int(), rows: int(), width: int(), chunk: int(), windows: z.string() }),
  /** Write model.safetensors and optimizer.safetensors (the trained state) into the folder `dir`. */
  save: z.object({ id: int(), dir: z.string() }),
  /** Finish: the engine leaves its process group and exits 0. */
  exit: z.object({ reason: z.optional(z.string()) }),
};

/** Replies, by type: what the engine sends. */
export const TORCH_REPLIES = {
  /** Once, first: what computes. */
  hello: z.object({ python: z.string(), torch: z.string(), device: z.string(), deviceName: z.string(), processes: int(), threads: int() }),
  /** After `init`. */
  ready: z.object({ parameters: int() }),
  /** A step's mean loss before the update, and the gradient norm before clipping. */
  stepped: z.object({ id: int(), loss: nullableNumber(), gradNorm: nullableNumber() }),
  evaluated: z.object({ id: int(), loss: nullableNumber() }),
  saved: z.object({ id: int(), optimizerStep: int() }),
  /** A request failed (`id` null: none, as at start-up); after a `fatal` one the engine exits. */
  error: z.object({
    id: z.nullable(int()), code: z.string(), message: z.string(), fatal: z.boolean(),
    /** The message as the catalogue's code and parameters (engine/core/messages.ts), so the host can say it in the student's language. */
    say: z.optional(z.object({ code: z.string(), params: z.record(z.string(), z.unknown()) })),
  }),
};

/** Why the engine failed, for the host to branch on. */
export const TORCH_ERROR_CODES = ['old-torch', 'no-device', 'out-of-memory', 'bad-request', 'failed'] as const;
export type TorchErrorCode = (typeof TORCH_ERROR_CODES)[number];

type Messages<T extends Record<string, z.ZodMiniType>> = { [K in keyof T]: { type: K } & z.infer<T[K]> }[keyof T];
export type TorchRequest = Messages<typeof TORCH_REQUESTS>;
export type TorchReply = Messages<typeof TORCH_REPLIES>;
export type TorchReplyOf<K extends TorchReply['type']> = Extract<TorchReply, { type: K }>;

const ReplySchema = z.discriminatedUnion('type', Object.entries(TORCH_REPLIES).map(([type, schema]) => z.extend(schema, { type: z.literal(type) })) as unknown as [z.ZodMiniObject, ...z.ZodMiniObject[]]);

/** One line of the engine's stdout as a reply, or why it is not one. */
export function parseTorchReply(line: string): { ok: true; reply: TorchReply } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, message: `not JSON: ${line.slice(0, 200)}` };
  }
  const result = ReplySchema.safeParse(raw);
  if (!result.success) return { ok: false, message: `not a reply of the protocol (${result.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}): ${line.slice(0, 200)}` };
  return { ok: true, reply: result.data as unknown as TorchReply };
}

/** A request as its line (with the newline). */
export function torchRequestLine(request: TorchRequest): string {
  return JSON.stringify(request) + '\n';
}

/** Token windows as the protocol carries them. */
export function encodeWindows(windows: Int32Array): string {
  return Buffer.from(windows.buffer, windows.byteOffset, windows.byteLength).toString('base64');
}

/**
 * The messages as protocol.py describes its own (`python3 protocol.py --describe`): field ->
 * "int" | "number" | "string" | "bool", with "|null" when null is allowed and "?" when the
 * field may be left out. For the test
 * that the two halves agree.
 */
export function describeTorchProtocol(): { requests: Record<string, Record<string, string>>; replies: Record<string, Record<string, string>>; errorCodes: string[] } {
  const fields = (schemas: Record<string, z.ZodMiniObject>) => Object.fromEntries(Object.entries(schemas).map(([name, schema]) => {
    const json = z.toJSONSchema(schema) as { properties?: Record<string, { type?: string | string[]; anyOf?: Array<{ type: string }> }>; required?: string[] };
    const typeName = (t: string) => (t === 'integer' ? 'int' : t === 'boolean' ? 'bool' : t);
    return [name, Object.fromEntries(Object.entries(json.properties ?? {}).map(([field, p]) => [field,
      (p.anyOf ? p.anyOf.map((a) => typeName(a.type)) : [p.type ?? 'unknown'].flat().map(typeName)).join('|') + (json.required?.includes(field) ? '' : '?')]))];
  }));
  return { requests: fields(TORCH_REQUESTS), replies: fields(TORCH_REPLIES), errorCodes: [...TORCH_ERROR_CODES] };
}
