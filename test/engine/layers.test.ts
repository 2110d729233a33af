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
