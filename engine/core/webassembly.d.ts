/**
 * The part of the WebAssembly JS API SeqLab uses (engine/core/seqlabKernels.ts and its tests; the
 * trap a training run reports, engine/train/session.ts).
 * Node has the whole API at run time, but its types live in TypeScript's DOM library, which the
 * engine does not include (it runs in Node and worker threads, never in a page).
 */
declare namespace WebAssembly {
  type Bytes = ArrayBufferView | ArrayBuffer;
  /** A trap: out-of-bounds memory, an abort (TensorFlow.js's wasm backend out of heap). */
  class RuntimeError extends Error {}
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Module {
    constructor(bytes: Bytes);
    static imports(module: Module): Array<{ module: string; name: string; kind: string }>;
    static exports(module: Module): Array<{ name: string; kind: string }>;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: Bytes): boolean;
}
