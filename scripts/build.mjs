// One build for every bundle SeqLab ships: `node scripts/build.mjs [--production] [--watch]`.
// Type checking is separate (`npm run typecheck`, tsc --noEmit): esbuild only strips types.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const outdir = 'dist';

// ESM-only dependencies (tinyglobby's fdir) use import.meta.url, which a CommonJS bundle lacks.
const bundleUrl = "const __bundleUrl = require('url').pathToFileURL(__filename).href;";

/** Node bundles: CommonJS, native and optional packages left to Node's require. */
const nodeBundles = [
  { entryPoints: { engine: 'engine/index.ts' } }, // the engine as a library
  { entryPoints: { extension: 'extension/extension.ts' } }, // the VS Code extension host side
  { entryPoints: { cli: 'engine/cli/main.ts' }, banner: { js: `#!/usr/bin/env node\n${bundleUrl}` } }, // the seqlab command
  { entryPoints: { bench: 'bench/main.ts' } }, // npm run bench: SeqLab against PyTorch
  { entryPoints: { 'parallel-replica': 'engine/train/replica.ts' } }, // data-parallel worker thread
  { entryPoints: { worker: 'engine/worker/worker.ts' } }, // the engine worker thread
  { entryPoints: { 'experiment-worker': 'engine/experiments/poolWorker.ts' } }, // a thread of the experiment pool
];

// The wasm binaries must sit beside the bundles: engine/core/backend.ts looks for them there.
function copyWasmBinaries() {
  mkdirSync(outdir, { recursive: true });
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(dir, f), join(outdir, f));
}

/**
 * SeqLab's own wasm kernels (wasm/kernels.ts, AssemblyScript) in two builds: plain SIMD and
 * relaxed SIMD (engine/core/seqlabKernels.ts picks one at load time). They import
 * TensorFlow.js's memory and must have no data or heap of their own: the stub runtime, no abort.
 * Skipped when both outputs are newer than the source (the compiler takes ~2 s).
 */
async function buildKernels() {
  const source = 'wasm/kernels.ts';
  const builds = [['seqlab-kernels-simd.wasm', 'simd'], ['seqlab-kernels-relaxed.wasm', 'simd,relaxed-simd']];
  const sourceTime = statSync(source).mtimeMs;
  if (builds.every(([file]) => existsSync(join(outdir, file)) && statSync(join(outdir, file)).mtimeMs > sourceTime)) return;
  const { default: asc } = await import('assemblyscript/asc');
  for (const [file, features] of builds) {
    const { error, stderr } = await asc.main([source, '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--use', 'abort=',
      '--enable', features, '--outFile', join(outdir, file)]);
    if (error) throw new Error(`wasm/kernels.ts (${features}): ${stderr.toString()}`);
  }
}

// The PyTorch project's Python files (engine/export/torchProject.ts copies them from here).
function copyTorchExport() {
  mkdirSync(join(outdir, 'torch-export'), { recursive: true });
  for (const f of readdirSync('engine/export/torch').filter((f) => f.endsWith('.py'))) copyFileSync(join('engine/export/torch', f), join(outdir, 'torch-export', f));
  // The PyTorch engine (engine/train/torchStepper.ts runs it from here): its own files and the project's model.py and train.py it builds on.
  mkdirSync(join(outdir, 'torch-engine'), { recursive: true });
  for (const f of ['engine/torch/engine.py', 'engine/torch/protocol.py', 'engine/export/torch/model.py', 'engine/export/torch/train.py']) copyFileSync(f, join(outdir, 'torch-engine', f.split('/').pop()));
  // The experiments as PyTorch scripts (engine/export/experimentScript.ts writes the common part into each).
  mkdirSync(join(outdir, 'experiment-scripts'), { recursive: true });
  for (const f of readdirSync('engine/export/scripts').filter((f) => f.endsWith('.py'))) copyFileSync(join('engine/export/scripts', f), join(outdir, 'experiment-scripts', f));
}

/**
 * The training settings in package.json and its nls files come from the training config's
 * schema (scripts/settingsManifest.ts): bundled and run here, so `npm run build` keeps them in step.
 */
async function writeSettingsFromSchema() {
  const bundled = join(outdir, '.settings-manifest.cjs');
  mkdirSync(outdir, { recursive: true });
  await esbuild.build({ entryPoints: ['scripts/settingsManifest.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundled, logLevel: 'warning' });
  const written = require(join(process.cwd(), bundled)).writeSettings(process.cwd());
  rmSync(bundled);
  if (written.length) console.log(`settings from the training config's schema written into ${written.join(', ')}`);
}

/** Prints errors in the `file:line:col: error` shape VS Code's problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's "main" is a UMD build whose requires esbuild cannot see (the bundle then fails
  // with "Cannot find module './impl/format'"): its ES module build bundles as it should.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  // tfjs-node is an optional native package: resolved at run time when installed.
  external: ['vscode', '@tensorflow/tfjs-node'],
  plugins: [problemMatcher],
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: bundleUrl },
};

if (!watch) rmSync(outdir, { recursive: true, force: true }); // no stale bundles
await writeSettingsFromSchema();
copyWasmBinaries();
await buildKernels();
copyTorchExport();
mkdirSync(join(outdir, 'webview'), { recursive: true });
copyFileSync(require.resolve('uplot/dist/uPlot.min.css'), join(outdir, 'webview', 'uPlot.min.css'));

/** Webview bundles: browser ES modules, loaded by the nonce'd <script type="module">. */
const webviewBuild = {
  entryPoints: { training: 'webview/training.ts', inspector: 'webview/inspector.ts', experiments: 'webview/experiments.ts' },
  bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outdir: join(outdir, 'webview'),
  sourcemap: !production, minify: production, logLevel: 'warning', plugins: [problemMatcher],
};
/** The playground's web worker: a classic script (the panel starts it from a blob of its text). */
const flowWorkerBuild = { ...webviewBuild, entryPoints: { flowWorker: 'webview/flowWorker.ts' }, format: 'iife', sourcemap: production ? false : 'inline' };
const contexts = await Promise.all([...nodeBundles.map((b) => esbuild.context({ ...common, ...b })), esbuild.context(webviewBuild), esbuild.context(flowWorkerBuild)]);
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
