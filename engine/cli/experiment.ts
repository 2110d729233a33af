/** `seqlab experiment [NAME]`: one of the chapter's experiments, its tables on stdout (no name: the list). */
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { initBackend, type BackendName } from '../core/backend';
import { inLang, langFromEnv, LANGS, translator, type Lang, type Tr } from '../core/lang';
import { readRegularFile } from '../io/files';
import { terminalSafe } from '../io/safeText';
import { EXPERIMENTS, experimentScript, findExperiment, runExperiment } from '../experiments';
import { sig3 } from '../experiments/format';
import type { ExperimentOutput, ExperimentPlan } from '../experiments/types';
import { gib } from '../experiments/bounds';
import { settingsForm, type SettingField } from '../experiments/settingsForm';
import { formatSettingValue } from '../experiments/settingFields';
import { interruptSignal, printJSON } from './output';
import { backendOption, workerCount } from './options';
import { writeNewFile } from '../io/files';

interface ExperimentFlags { set?: string[]; config?: string; json?: boolean; exportTorch?: string; settings?: boolean; workers?: number; backend?: BackendName; lang: Lang }

/** An experiment's --config file: a JSON object, read bounded (1 MiB is far more than any config). */
function readConfigFile(file: string): Record<string, unknown> {
  const text = readRegularFile(file, { en: 'the config file', zh: '配置文件' }, 1024 * 1024).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the config file ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`the config file ${file} must hold a JSON object such as {"steps": 50}`);
  return value as Record<string, unknown>;
}

/** --config's values, then each --set key=value (a JSON value, or a bare string). */
function configOf(flags: ExperimentFlags): Record<string, unknown> {
  const config = flags.config ? readConfigFile(flags.config) : {};
  for (const pair of flags.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--set takes key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    config[pair.slice(0, eq)] = value;
  }
  return config;
}

/** Tables as the panel shows them (exact values: --json); generated text in them is terminal-safe. */
function printTables(output: ExperimentOutput<unknown>): void {
  const print = (table: ExperimentOutput<unknown>['table']) => {
    for (const row of table) console.log(terminalSafe(row.map((v) => (typeof v === 'number' ? sig3(v) : v)).join('\t')));
  };
  if (output.tableTitle) console.log(output.tableTitle);
  print(output.table);
  for (const extra of output.tables ?? []) {
    console.log(`\n${extra.title}`);
    print(extra.table);
  }
}

/** --export-torch FILE: the experiment as a PyTorch script with these settings, not run (`-`: to stdout). */
function exportScript(name: string, config: Record<string, unknown>, file: string): void {
  const script = experimentScript(name, config);
  if (file === '-') {
    process.stdout.write(script);
    return;
  }
  writeNewFile(file, script, 0o755);
  process.stderr.write(`wrote ${terminalSafe(file)}: run it with python3 (it needs PyTorch; --help lists its options)\n`);
}

/** "about 40 s", "about 12 min", "about 3.5 h", "about 9 days": an estimate as a person says it. */
function about(seconds: number, tr: Tr): string {
  if (seconds < 90) return tr(`about ${Math.max(1, Math.round(seconds))} s`, `约 ${Math.max(1, Math.round(seconds))} 秒`);
  if (seconds < 90 * 60) return tr(`about ${Math.round(seconds / 60)} min`, `约 ${Math.round(seconds / 60)} 分钟`);
  if (seconds < 48 * 3600) return tr(`about ${(seconds / 3600).toFixed(1)} h`, `约 ${(seconds / 3600).toFixed(1)} 小时`);
  return tr(`about ${Math.round(seconds / 86400)} days`, `约 ${Math.round(seconds / 86400)} 天`);
}

/** The plan, said before the first run: runs, threads, time and memory at the peak against the bound. */
export function planText(plan: ExperimentPlan, tr: Tr): string {
  const time = plan.estimateSeconds === null ? tr('time not estimated', '时间未估计') : about(plan.estimateSeconds, tr);
  return tr(
    `plan: ${plan.runs} run${plan.runs === 1 ? '' : 's'} on ${plan.threads} thread${plan.threads === 1 ? '' : 's'}, ${time}, about ${gib(plan.memoryBytes)} of memory at the peak (at most ${gib(plan.memoryBoundBytes)} here)`,
    `计划：${plan.runs} 次运行，${plan.threads} 个线程，${time}，峰值内存约 ${gib(plan.memoryBytes)}（此处最多 ${gib(plan.memoryBoundBytes)}）`,
  );
}

/** What a setting takes, from the form (and so from the schema): "whole number 1-1024", "list of 1-4 of lstm, gru, each once". */
function settingRange(f: SettingField, tr: Tr): string {
  const bounds = (x: { min?: number; max?: number; exclusiveMin?: number }) => [x.min !== undefined ? `≥ ${x.min}` : '', x.exclusiveMin !== undefined ? `> ${x.exclusiveMin}` : '', x.max !== undefined ? `≤ ${x.max}` : ''].filter(Boolean).join(', ');
  const count = (x: { minItems: number; maxItems?: number }) => `${Math.max(1, x.minItems)}-${x.maxItems ?? '…'}`;
  switch (f.kind) {
    case 'number': return [f.integer ? tr('whole number', '整数') : tr('number', '数'), bounds(f)].filter(Boolean).join(' ');
    case 'enum': return tr(`one of ${f.options.join(', ')}`, `${f.options.join('、')} 之一`);
    case 'boolean': return 'true | false';
    case 'text': return f.maxLength !== undefined ? tr(`text of at most ${f.maxLength} characters`, `至多 ${f.maxLength} 个字符的文字`) : tr('text', '文字');
    case 'choices': return tr(`list of ${count(f)} of ${f.options.join(', ')}, each once`, `${f.options.join('、')} 中的 ${count(f)} 个，每个只列一次`);
    case 'numbers': return tr(`list of ${count(f)} ${f.integer ? 'whole numbers' : 'numbers'} ${bounds(f)}, each once`, `${count(f)} 个${f.integer ? '整数' : '数'} ${bounds(f)}，每个只列一次`);
  }
}

/** --settings: each setting with what it takes, its default and its hint (the panel's form, as text). */
function printSettings(name: string, lang: Lang): void {
  const e = findExperiment(name);
  const tr = translator(lang);
  for (const f of settingsForm(e.schema, lang, e.hints)) {
    console.log(`${f.key}: ${settingRange(f, tr)}${tr('; default ', '；默认 ')}${f.kind === 'text' ? JSON.stringify(f.default) : formatSettingValue(f.default)}${f.hint ? `\n    ${f.hint}` : ''}`);
  }
  console.log(tr(`Set with --set key=value (a list as JSON: --set 'cells=["lstm","gru"]').`, `用 --set key=value 设置（列表写成 JSON：--set 'cells=["lstm","gru"]'）。`));
}

async function runNamed(name: string, flags: ExperimentFlags): Promise<void> {
  findExperiment(name);
  if (flags.settings) return printSettings(name, flags.lang);
  const config = configOf(flags);
  if (flags.exportTorch !== undefined) return exportScript(name, config, flags.exportTorch);
  const backend = await initBackend(flags.backend);
  process.stderr.write(`backend ${backend.name}${backend.kernels ? `; SeqLab wasm kernels ${backend.kernels}` : ''}\n`);
  const bar = process.stderr.isTTY && !flags.json ? new SingleBar({ format: ' {bar} {percentage}% | {message}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : undefined;
  const started = performance.now();
  const { config: used, output, runs, workers } = await runExperiment(name, config, {
    workers: flags.workers,
    host: 'cli',
    // The plan first (the bar starts after it): a refusal above the memory bound follows it, before any run.
    plan: (plan) => {
      process.stderr.write(`${planText(plan, translator(flags.lang))}\n`);
      bar?.start(100, 0, { message: '' });
    },
    signal: interruptSignal(),
    progress: (fraction, message) => bar?.update(Math.round(fraction * 100), { message }),
    lang: flags.lang,
  });
  bar?.update(100, { message: 'done' });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  if (!flags.json) printTables(output);
  process.stderr.write(`${terminalSafe(output.headline)}\n(${seconds.toFixed(1)} s: ${runs} run${runs === 1 ? '' : 's'} on ${workers} worker thread${workers === 1 ? '' : 's'})\n`);
  // What the panel shows (title, headline, tables, figures with their captions and marks) beside the result.
  if (flags.json) {
    printJSON({
      name, title: inLang(findExperiment(name).title, flags.lang), lang: flags.lang, config: used, headline: output.headline,
      ...(output.tableTitle ? { tableTitle: output.tableTitle } : {}), table: output.table, ...(output.tables ? { tables: output.tables } : {}), figures: output.figures,
      result: output.result, seconds: Number(seconds.toFixed(2)), runs, workers,
    });
  }
}

export function experimentCommand(): Command {
  return new Command('experiment')
    .description('run one of the chapter\'s experiments (no name: list them)')
    .argument('[name]', 'experiment name, e.g. vanishing-gradients')
    .option('--set <key=value...>', 'override a config value (JSON values: --set steps=50 --set cells=[\"lstm\",\"gru\"])')
    .option('--config <file>', 'a JSON file with config values')
    .option('--json', 'print one JSON object (config, result, headline) as the last line of stdout')
    .option('--export-torch <file>', 'write the experiment as a standalone PyTorch script with these settings instead of running it (- for stdout)')
    .option('--settings', 'list the experiment\'s settings with their ranges, list limits, defaults and hints, and do not run it')
    .option('--workers <n>', 'worker threads for the runs (default: one per core; 1 = all in this process); results do not depend on it', workerCount)
    .addOption(backendOption())
    .addOption(new Option('--lang <lang>', 'the language of titles, headlines, tables and figures (default: from LC_ALL, LC_MESSAGES or LANG)').choices([...LANGS]).default(langFromEnv(process.env)))
    .action(async (name: string | undefined, flags: ExperimentFlags) => {
      if (!name) {
        for (const e of EXPERIMENTS) console.log(`${e.name.padEnd(22)} ${inLang(e.title, flags.lang)}`); // our own strings
        return;
      }
      await runNamed(name, flags);
    });
}
