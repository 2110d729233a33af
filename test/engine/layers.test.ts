/**
 * The engine's folders form layers, and every import points down: a folder imports only
 * folders listed before it here. engine/checkpoint (the on-disk format) loads no
 * TensorFlow.js, so the extension host reads checkpoints through it directly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ENGINE = path.join(__dirname, '..', '..', 'engine');
/** Bottom first. */
const LAYERS = ['core', 'io', 'nn', 'text', 'model', 'checkpoint', 'torch', 'train', 'export', 'experiments', 'chapter', 'worker', 'cli'];

function sourcesOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourcesOf(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a file, as [the folder under engine/ it lands in, the specifier]. */
function importsOf(file: string): Array<[string, string]> {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => {
    const target = path.relative(ENGINE, path.resolve(path.dirname(file), m[1])).split(path.sep);
    return [target[0], m[1]];
  });
}

const ROOT = path.join(ENGINE, '..');

/** A source file's relative imports (`import`, `import type`, `export ... from`, side effects, `import()`), as the files they resolve to. */
function resolvedImportsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s+|\bimport\s+|\bimport\(\s*)'(\.[^']+)'/g)].map((m) => m[1]);
  return specs.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec.replace(/\.js$/, ''));
    return [`${base}.ts`, path.join(base, 'index.ts'), base].filter((f) => f.endsWith('.ts') && fs.existsSync(f)).slice(0, 1);
  });
}

/** Every cycle of the import graph among `files` (its strongly connected components with more than one file, or a file importing itself), each as a path a -> b -> ... -> a. */
function importCycles(files: string[], importsOf: (file: string) => string[] = resolvedImportsOf): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(cycleThrough(component, graph));
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}

/** One loop through a component, for the message: from its first file back to it. */
function cycleThrough(component: string[], graph: Map<string, string[]>): string[] {
  const inside = new Set(component);
  const start = [...component].sort()[0];
  // Breadth-first from start to any file that imports start.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v)!.filter((t) => inside.has(t))) {
      if (w === start) {
        const loop = [start];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = previous.get(u)) loop.splice(1, 0, u);
        return [...loop, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

describe('engine layers', () => {
  it('has a layer for every folder', () => {
    const folders = fs.readdirSync(ENGINE, { withFileTypes: true }).filter((e) => e.isDirectory() && sourcesOf(path.join(ENGINE, e.name)).length).map((e) => e.name);
    assert.deepEqual([...folders].sort(), [...LAYERS].sort());
  });

  it('imports only the layers below', () => {
    const upward: string[] = [];
    for (const layer of LAYERS) {
      for (const file of sourcesOf(path.join(ENGINE, layer))) {
        for (const [target, spec] of importsOf(file)) {
          if (target === layer || target.startsWith('..')) continue;
          if (LAYERS.indexOf(target) > LAYERS.indexOf(layer) || !LAYERS.includes(target)) upward.push(`${path.relative(ENGINE, file)} imports ${spec} (${target})`);
        }
      }
    }
    assert.deepEqual(upward, []);
  });

  it('keeps TensorFlow.js out of the extension host: nothing it imports, directly or not, loads it', () => {
    const seen = new Set<string>();
    const loaders: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      if (/from '@tensorflow/.test(text)) loaders.push(path.relative(path.join(ENGINE, '..'), file));
      for (const m of text.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)'/gm)) {
        const base = path.resolve(path.dirname(file), m[1]);
        const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
        if (resolved) visit(resolved);
      }
    };
    visit(path.join(ENGINE, '..', 'extension', 'extension.ts'));
    assert.ok(seen.size > 20, `followed ${seen.size} files`);
    assert.deepEqual(loaders, []);
  });

  it('the webview protocol takes the engine\'s types as types only (esbuild drops them: no engine code in a webview bundle through it)', () => {
    const file = path.join(ENGINE, '..', 'webview', 'protocol.ts');
    const text = fs.readFileSync(file, 'utf8');
    const fromEngine = [...text.matchAll(/^import (type )?[^;]*? from '(\.\.\/engine\/[^']+)'/gm)];
    assert.ok(fromEngine.some((m) => m[2] === '../engine/experiments/types'), 'Figure and ExperimentOutput come from the engine, not retyped');
    assert.deepEqual(fromEngine.filter((m) => !m[1]).map((m) => m[2]), [], 'a value import from the engine');
    assert.doesNotMatch(text, /^export interface (ExperimentFigure|Figure|ExperimentOutput)\b/m, 'a retyped engine type');
  });

  it('keeps TensorFlow.js out of the checkpoint format', () => {
    for (const file of sourcesOf(path.join(ENGINE, 'checkpoint'))) {
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /@tensorflow|core\/backend/, path.relative(ENGINE, file));
    }
  });
});

describe('no import cycles', () => {
  it('no source file of engine/, extension/ or webview/ imports itself through others (type-only imports count: a loop of types is a loop of concepts)', () => {
    const files = ['engine', 'extension', 'webview'].flatMap((dir) => sourcesOf(path.join(ROOT, dir)));
    assert.ok(files.length > 100, `read ${files.length} files`);
    const cycles = importCycles(files).map((c) => c.map((f) => path.relative(ROOT, f)).join(' -> '));
    assert.deepEqual(cycles, []);
  });

  it('finds a loop of two, of three, and a file importing itself; not a diamond', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['a'], c: ['d'], d: ['e'], e: ['c', 'f'], f: [], g: ['g'], h: ['i', 'j'], i: ['k'], j: ['k'], k: [] };
    const cycles = importCycles(Object.keys(graph), (f) => graph[f]);
    assert.deepEqual(cycles.map((c) => c.join(' -> ')).sort(), ['a -> b -> a', 'c -> d -> e -> c', 'g -> g']);
  });
});
