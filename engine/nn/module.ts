/**
 * The base of every layer: named parameters and buffers the way `torch.nn.Module`
 * keeps them, so `namedParameters()` and `stateDict()` give PyTorch's names.
 */
import { tf } from '../core/backend';

export type StateDict = Record<string, tf.Tensor>;

export abstract class Module {
  /** As in PyTorch: dropout and batch statistics apply only while training. */
  training = true;
  private readonly ownParameters = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();
  /** Registration order of parameters and children, which state_dict order follows. */
  private readonly order: Array<{ kind: 'parameter' | 'module'; name: string }> = [];

  /** Takes ownership of `value` as a trainable parameter named `name`. */
  protected registerParameter(name: string, value: tf.Tensor): tf.Variable {
    const variable = tf.variable(value, true);
    value.dispose();
    this.ownParameters.set(name, variable);
    this.order.push({ kind: 'parameter', name });
    return variable;
  }

  /** Takes ownership of `value` as state that is saved but not trained (running statistics). */
  protected registerBuffer(name: string, value: tf.Tensor): tf.Variable {
    const variable = tf.variable(value, false);
    value.dispose();
    this.ownBuffers.set(name, variable);
    return variable;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    this.order.push({ kind: 'module', name });
    return module;
  }

  /** Every parameter with its `state_dict` name, children prefixed by `child.`. */
  namedParameters(): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const { kind, name } of this.order) {
      if (kind === 'parameter') out.push([name, this.ownParameters.get(name)!]);
      else for (const [sub, p] of this.children.get(name)!.namedParameters()) out.push([`${name}.${sub}`, p]);
    }
    return out;
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [...this.ownBuffers];
    for (const [prefix, child] of this.children) {
      for (const [name, b] of child.namedBuffers()) out.push([`${prefix}.${name}`, b]);
    }
    return out;
  }

  /** Parameters and buffers by name. The tensors are the module's own: do not dispose them. */
  stateDict(): StateDict {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** The number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /**
   * Copies tensors (or plain arrays of numbers with shapes) into the module's parameters
   * and buffers. Every name must exist and every shape match, else nothing is changed
   * and the error names the tensor; with `strict`, every parameter must be given.
   */
  loadStateDict(record: Record<string, tf.Tensor | { shape: number[]; data: ArrayLike<number> }>, strict = true): void {
    const own = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(record)) {
      const target = own.get(name);
      if (!target) {
        problems.push(`unexpected key "${name}"`);
        continue;
      }
      const shape = value instanceof tf.Tensor ? value.shape : value.shape;
      const size = value instanceof tf.Tensor ? value.size : value.data.length;
      if (!sameShape(shape, target.shape) || size !== target.size) {
        problems.push(`size mismatch for ${name}: copying a param with shape [${shape}], the parameter in the current model has shape [${target.shape}]`);
      }
    }
    if (strict) {
      for (const [name] of this.namedParameters()) {
        if (!(name in record)) problems.push(`missing key "${name}"`);
      }
    }
    if (problems.length) throw new Error(`Error(s) in loading state_dict: ${problems.join('; ')}.`);
    for (const [name, value] of Object.entries(record)) {
      const target = own.get(name)!;
      tf.tidy(() => {
        const tensor = value instanceof tf.Tensor ? value : tf.tensor(Float32Array.from(value.data), value.shape);
        target.assign(tensor.reshape(target.shape).cast(target.dtype));
      });
    }
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    for (const v of this.ownParameters.values()) v.dispose();
    for (const v of this.ownBuffers.values()) v.dispose();
    for (const child of this.children.values()) child.dispose();
    this.ownParameters.clear();
    this.ownBuffers.clear();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** PyTorch-style argument checks with messages that say what to do. */
export function checkPositiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function checkKnownKeys(what: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new TypeError(`${what}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; known options are ${known.join(', ')}`);
  }
}
