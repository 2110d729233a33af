// Builds the extension-host tests (test/vscode/suite) into out/test/vscode/suite for the
// extension host to load: CommonJS, vscode and mocha left to require.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const dir = 'test/vscode/suite';
rmSync('out', { recursive: true, force: true });
await esbuild.build({
  entryPoints: readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => `${dir}/${f}`),
  outdir: 'out/test/vscode/suite',
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning',
  external: ['vscode', 'mocha'],
});
