/** `seqlab probe --model DIR --text TEXT [--json]`: what the model does on a text, position by position. */
import { Command } from 'commander';
import { initBackend, type BackendName } from '../core/backend';
import { jsonForTerminal } from '../io/safeText';
import { probe, type Matrix, type ProbeResult } from '../model/probe';
import { loadCheckpoint } from '../train/checkpointing';
import { logLine, printJSON } from './output';
import { backendOption, intAtLeast } from './options';
import { CONNECTIVITY_WINDOW } from '../model/connectivityTypes';

const matrixToRows = (m: Matrix) => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));

/** Everything as plain JSON (typed arrays as rows). */
function printProbeJSON(r: ProbeResult): void {
  printJSON({
    tokens: r.tokens,
    logits: matrixToRows(r.logits),
    layers: r.layers.map((l) => ({
      layer: l.layer, gates: Object.fromEntries(Object.entries(l.gates).map(([k, m]) => [k, matrixToRows(m)])),
      h: matrixToRows(l.h), ...(l.c ? { c: matrixToRows(l.c) } : {}),
    })),
    surprisal: r.surprisal, gradientNorms: r.gradientNorms.map((g) => Array.from(g)),
    influence: r.influence ? matrixToRows(r.influence) : null,
    // Row t (the prediction at position t, of surprisal[t].actual): entry k is the influence of tokens[t - k], for k <= t.
    connectivity: r.connectivity ? {
      window: r.connectivity.cols,
      meaning: '||d log p(next | text so far) / d embedding|| of the character k steps back; rows[t][k] for the prediction at position t',
      rows: Array.from({ length: r.connectivity.rows }, (_, t) => Array.from(r.connectivity!.data.subarray(t * r.connectivity!.cols, t * r.connectivity!.cols + Math.min(t + 1, r.connectivity!.cols)))),
    } : null,
    warnings: r.warnings,
  });
}

/** A table a person reads: each position's next character, its probability and surprisal, the top guesses. */
function printProbeTable(r: ProbeResult): void {
  const show = (token: string) => jsonForTerminal(JSON.stringify(token));
  console.log('pos  char  next  p(next)  bits   top guesses');
  r.surprisal.forEach((s, t) => {
    const top = s.top.slice(0, 3).map((g) => `${show(g.token)} ${g.probability.toFixed(2)}`).join(', ');
    console.log(`${String(t).padStart(3)}  ${show(s.input).padEnd(5)} ${show(s.actual).padEnd(5)} ${s.probability.toFixed(3).padStart(7)}  ${s.bits.toFixed(2).padStart(5)}  ${top}`);
  });
  const mean = r.surprisal.reduce((a, s) => a + s.bits, 0) / r.surprisal.length;
  console.log(`mean surprisal ${mean.toFixed(3)} bits/char; |d loss/d h_t| from the last position: ${Array.from(r.gradientNorms.at(-1)!).map((v) => v.toExponential(1)).join(' ')}`);
  const c = r.connectivity;
  if (c && c.rows) {
    const t = c.rows - 1;
    const row = Array.from(c.data.subarray(t * c.cols, t * c.cols + Math.min(t + 1, c.cols)));
    const strongest = row.map((v, k) => [v, k] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
    console.log(`what drove the last prediction (${show(r.surprisal[t].actual)}), strongest first: ${strongest.map(([v, k]) => `${show(r.tokens[t - k])} ${k} back ${v.toExponential(2)}`).join(', ')}`);
  }
}

export function probeCommand(): Command {
  return new Command('probe')
    .description('gate activations, states, surprisal, gradients through time, influence and connectivity (what drove each character) of a model on a text')
    .requiredOption('--model <dir>', 'checkpoint folder')
    .requiredOption('--text <text>', 'the text to probe')
    .option('--window <n>', 'connectivity: characters back measured for each prediction (0 = none)', intAtLeast('--window', 0), CONNECTIVITY_WINDOW)
    .option('--json', 'print everything as one JSON object')
    .addOption(backendOption())
    .action(async (flags: { model: string; text: string; window: number; json?: boolean; backend?: BackendName }) => {
      await initBackend(flags.backend);
      const { model, vocabulary } = loadCheckpoint(flags.model);
      try {
        const r = probe(model, vocabulary, flags.text, { connectivityWindow: flags.window });
        for (const w of r.warnings) logLine(`warning: ${w}`);
        if (flags.json) printProbeJSON(r);
        else printProbeTable(r);
      } finally {
        model.dispose();
      }
    });
}
