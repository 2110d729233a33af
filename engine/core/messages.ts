/**
 * The catalogue of the engine's messages that reach a student: errors (the text, the settings,
 * a selection), experiment refusals and training end reasons. Each has a code, its parameters
 * and its text in English and Chinese, side by side, so a message cannot exist in one language
 * only (test/engine/messages.test.ts checks every entry).
 *
 * An error that carries one (`CataloguedError`, or any error with an `engineMessage`) crosses
 * the worker protocol as `{ code, params }` (worker/protocol.ts `EngineFailure.engineMessage`);
 * the host renders it in the display language (`renderMessage`), the command line in its
 * `--lang` / `LANG`. The error's own `message` is the English text, for logs and tests.
 *
 * Parameters are plain data (they cross a thread): numbers, strings (names: files, settings
 * keys, cell types), string lists, `Bilingual` texts, and nested messages (a list of problems).
 */
import type { Bilingual, Lang } from './lang';

/** A message as it travels: its code and parameters, no text. */
export interface EngineMessage<C extends MessageCode = MessageCode> { code: C; params: ParamsOf<C> }
/** A message as a parameter of another (the problems of a settings error). */
interface MessageRef { code: string; params: object }

type Value = string | number | boolean | null | string[] | Bilingual | MessageRef[] | undefined;
type Params = Record<string, Value>;

/** One entry: its text in each language from the same parameters. */
interface Entry<P extends Params> { en: (p: P, lang: Lang) => string; zh: (p: P, lang: Lang) => string }
const entry = <P extends Params>(en: Entry<P>['en'], zh: Entry<P>['zh']): Entry<P> => ({ en, zh });

/** 12,345 in both languages (Chinese text writes digits with the same separators). */
const n = (x: number) => x.toLocaleString('en');
const s = (count: number) => (count === 1 ? '' : 's');
const bi = (t: Bilingual | string | undefined, lang: Lang) => (t === undefined ? '' : typeof t === 'string' ? t : lang === 'zh-cn' ? t.zh : t.en);
const sub = (list: MessageRef[] | undefined, lang: Lang, sep: string): string => (list ?? []).map((m) => renderRef(m, lang)).join(sep);
/** A setting named for the student: its label and, in Chinese, its key after it ("序列长度（seqLen）"). */
const setting = (p: { key: string; label?: Bilingual }, lang: Lang) => (lang === 'zh-cn' ? (p.label ? `${p.label.zh}（${p.key}）` : p.key) : p.key);
/** A title in quotes ("The adding problem: …"), a name as it is (long-range-memory). */
const quoted = (t: string) => (/\s/.test(t) ? `"${t}"` : t);
/** The same in Chinese: a title in Chinese quotes (“梯度随时间消失”), a name followed by a space (long-range-memory 未启动). */
const quotedZh = (t: string) => (/^[\w.-]+$/.test(t) ? `${t} ` : `“${t}”`);
const got = (v: string | undefined) => (v === undefined ? '' : v);

/** 2.50 GiB: a memory size as the refusals write it. */
export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 10 * 2 ** 30 ? 2 : 1)} GiB`;

export const MESSAGES = {
  // ---- the text to train on (training form, a selection, a file) ----
  'text-empty': entry<{}>(
    () => 'the text is empty: select or open some text to train on',
    () => '文本是空的：请选中或打开一些文本来训练'),
  'text-binary': entry<{}>(
    () => 'the text contains NUL characters: it looks binary',
    () => '文本中含有 NUL 字符：它看起来是二进制数据'),
  'text-too-long': entry<{ length: number; limit: number }>(
    (p) => `the text has ${n(p.length)} characters, more than the limit of ${n(p.limit)}; train on a part of it`,
    (p) => `文本有 ${n(p.length)} 个字符，超过了 ${n(p.limit)} 个的上限；请只用其中一部分来训练`),
  'text-too-short': entry<{ length: number; needed: number }>(
    (p) => `the text has ${p.length} character${s(p.length)}, but training needs at least ${p.needed} (one window of the sequence length plus one, and some for validation); select more text or lower the sequence length`,
    (p) => `文本只有 ${p.length} 个字符，而训练至少需要 ${p.needed} 个（一个序列长度的窗口再加一个，另留一些用于验证）；请选中更多文本，或调低序列长度`),
  'text-too-short-split': entry<{ length: number; held: number; window: number }>(
    (p) => `the text has ${p.length} tokens: too short to hold out ${p.held} for validation and still train on a window of ${p.window}; select more text or lower the sequence length`,
    (p) => `文本只有 ${p.length} 个词元：留出 ${p.held} 个用于验证后，已不够一个 ${p.window} 个词元的训练窗口；请选中更多文本，或调低序列长度`),
  'text-too-short-window': entry<{ length: number; seqLen: number; needed: number }>(
    (p) => `the text has ${p.length} tokens, but training with sequence length ${p.seqLen} needs at least ${p.needed} (a window to train on and one to validate); select more text or lower the sequence length`,
    (p) => `文本只有 ${p.length} 个词元，而序列长度为 ${p.seqLen} 的训练至少需要 ${p.needed} 个（一个窗口用于训练，一个用于验证）；请选中更多文本，或调低序列长度`),
  'file-too-large': entry<{ file: string; limit: number; bytes: string }>(
    (p) => `${p.file} is larger than the limit of ${n(p.limit)} characters (${p.bytes} of UTF-8); train on a part of it`,
    (p) => `${p.file} 超过了 ${n(p.limit)} 个字符的上限（UTF-8 编码 ${p.bytes}）；请只用其中一部分来训练`),
  'file-has-too-many': entry<{ file: string; length: number; limit: number }>(
    (p) => `${p.file} has ${n(p.length)} characters, more than the limit of ${n(p.limit)}; train on a part of it`,
    (p) => `${p.file} 有 ${n(p.length)} 个字符，超过了 ${n(p.limit)} 个的上限；请只用其中一部分来训练`),
  'files-too-many': entry<{ limit: number }>(
    (p) => `the files hold more than ${n(p.limit)} characters, the limit; train on fewer files`,
    (p) => `这些文件合计超过 ${n(p.limit)} 个字符的上限；请用少一些的文件来训练`),
  'file-missing': entry<{ file: string }>(
    (p) => `the training file ${p.file} does not exist`,
    (p) => `训练文件 ${p.file} 不存在`),
  /** `said`: the file layer's own English (io/files.ts: a device, a folder, no permission...). */
  'file-unreadable': entry<{ file: string; said: string }>(
    (p) => p.said,
    (p) => `无法读取训练文件 ${p.file}：SeqLab 只读取有读取权限的普通文件`),
  'file-utf16': entry<{ file: string; command: string }>(
    (p) => `${p.file} is UTF-16 text; SeqLab reads UTF-8: convert it first (e.g. ${p.command})`,
    (p) => `${p.file} 是 UTF-16 编码的文本，而 SeqLab 读取 UTF-8：请先转换（例如 ${p.command}）`),
  'file-binary': entry<{ file: string }>(
    (p) => `${p.file} looks binary (it contains NUL bytes); train on text files only`,
    (p) => `${p.file} 看起来是二进制文件（含有 NUL 字节）；只能用文本文件训练`),
  'file-not-utf8': entry<{ file: string }>(
    (p) => `${p.file} is not valid UTF-8 text; convert it to UTF-8 first (e.g. iconv -f GB18030 -t UTF-8)`,
    (p) => `${p.file} 不是有效的 UTF-8 文本；请先把它转换为 UTF-8（例如 iconv -f GB18030 -t UTF-8）`),
  'file-is-folder': entry<{ path: string; glob: string }>(
    (p) => `${p.path} is a folder; name the files to train on, or a glob such as "${p.glob}"`,
    (p) => `${p.path} 是一个文件夹；请指明要训练的文件，或使用通配模式，例如“${p.glob}”`),
  'file-no-match': entry<{ pattern: string; cwd: string }>(
    (p) => `no file matches ${JSON.stringify(p.pattern)} (in ${p.cwd})`,
    (p) => `没有文件匹配 ${JSON.stringify(p.pattern)}（在 ${p.cwd} 中）`),

  // ---- settings (the training form, the generation settings) ----
  'bad-settings': entry<{ problems: MessageRef[] }>(
    (p, lang) => `Invalid training configuration: ${sub(p.problems, lang, '; ')}`,
    (p, lang) => `训练设置有误：${sub(p.problems, lang, '；')}`),
  'setting-unknown': entry<{ keys: string[] }>(
    (p) => `unknown key${p.keys.length > 1 ? 's' : ''} ${p.keys.map((k) => `"${k}"`).join(', ')}`,
    (p) => `未知的设置 ${p.keys.map((k) => `“${k}”`).join('、')}`),
  'setting-too-big': entry<{ key: string; label?: Bilingual; max: number | string; inclusive: boolean; got?: string }>(
    (p, lang) => `${setting(p, lang)}: Too big: expected number to be ${p.inclusive ? '<=' : '<'}${p.max}, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：太大，应${p.inclusive ? '不超过' : '小于'} ${p.max}，实际为 ${got(p.got)}`),
  'setting-too-small': entry<{ key: string; label?: Bilingual; min: number | string; inclusive: boolean; got?: string }>(
    (p, lang) => `${setting(p, lang)}: Too small: expected number to be ${p.inclusive ? '>=' : '>'}${p.min}, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：太小，应${p.inclusive ? '不小于' : '大于'} ${p.min}，实际为 ${got(p.got)}`),
  'setting-not-integer': entry<{ key: string; label?: Bilingual; got?: string }>(
    (p, lang) => `${setting(p, lang)}: expected a whole number, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：应为整数，实际为 ${got(p.got)}`),
  'setting-not-number': entry<{ key: string; label?: Bilingual; got?: string }>(
    (p, lang) => `${setting(p, lang)}: expected a number, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：应为数字，实际为 ${got(p.got)}`),
  'setting-not-one-of': entry<{ key: string; label?: Bilingual; values: string[]; got?: string }>(
    (p, lang) => `${setting(p, lang)}: expected one of ${p.values.join(', ')}, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：应为 ${p.values.join('、')} 之一，实际为 ${got(p.got)}`),
  'setting-invalid': entry<{ key: string; label?: Bilingual; got?: string }>(
    (p, lang) => `${setting(p, lang)}: not a valid value, got ${got(p.got)}`,
    (p, lang) => `${setting(p, lang)}：不是有效的值，实际为 ${got(p.got)}`),
  'cell-type': entry<{ got: string; allowed: string[] }>(
    (p) => `cell must be one of ${p.allowed.join(', ')}, got '${p.got}'`,
    (p) => `单元类型必须是 ${p.allowed.join('、')} 之一，实际为“${p.got}”`),
  'optimizer-name': entry<{ got: string; allowed: string[] }>(
    (p) => `optimizer must be one of ${p.allowed.join(', ')}, got '${p.got}'`,
    (p) => `优化器必须是 ${p.allowed.join('、')} 之一，实际为“${p.got}”`),
  'vocab-max-size': entry<{ got: string }>(
    (p) => `vocabulary maxSize must be an integer of at least 2, got ${p.got}`,
    (p) => `词表大小上限必须是不小于 2 的整数，实际为 ${p.got}`),
  'sample-length': entry<{ got: string }>(
    (p) => `length must be a positive integer, got ${p.got}`,
    (p) => `生成长度必须是正整数，实际为 ${p.got}`),
  'sample-temperature': entry<{ got: string }>(
    (p) => `temperature must be 0 or more, got ${p.got}`,
    (p) => `温度必须不小于 0，实际为 ${p.got}`),
  'sample-top-k': entry<{ got: string }>(
    (p) => `topK must be a whole number, 0 for all, got ${p.got}`,
    (p) => `top-k 必须是整数（0 表示全部），实际为 ${p.got}`),
  'sample-top-p': entry<{ got: string }>(
    (p) => `topP must be in (0, 1], got ${p.got}`,
    (p) => `top-p 必须在 (0, 1] 之间，实际为 ${p.got}`),

  // ---- training itself (the model does not fit, a resume that cannot continue) ----
  'wasm-memory': entry<{ reason: string; hidden: number; layers: number; batch: number; seqLen: number }>(
    (p) => `training stopped: the wasm backend failed (${p.reason}). Its memory is at most 4 GiB per thread, and a model of hidden ${p.hidden} x ${p.layers} layer${s(p.layers)} at batch ${p.batch} and sequence length ${p.seqLen} may need more: lower them, or train with the PyTorch engine (--engine pytorch; seqlab.train.engine in VS Code)`,
    (p) => `训练已停止：wasm 后端出错（${p.reason}）。它每个线程最多只有 4 GiB 内存，隐藏层 ${p.hidden}、${p.layers} 层、批大小 ${p.batch}、序列长度 ${p.seqLen} 的模型可能需要更多：请调低它们，或用 PyTorch 引擎训练（命令行 --engine pytorch；VS Code 中的 seqlab.train.engine）`),
  'resume-shape-changed': entry<{ dir: string; changes: string }>(
    (p) => `cannot resume ${p.dir} with a different model shape (${p.changes}); start a new model instead`,
    (p) => `无法用不同的模型形状继续训练 ${p.dir}（${p.changes}）；请改为训练一个新模型`),
  // ---- the model (a selection in the editor: inspect, what drove) ----
  'no-model': entry<{}>(
    () => 'no model is loaded: train one or load a checkpoint first',
    () => '还没有加载模型：请先训练一个模型，或加载一个检查点'),
  'busy-training': entry<{ request: number }>(
    (p) => `a training run (request ${p.request}) is in progress: stop it first`,
    () => '正在进行一次训练：请先停止它'),
  'busy-backend': entry<{}>(
    () => 'the backend cannot change while training: stop it first',
    () => '训练期间不能切换后端：请先停止训练'),
  'probe-too-few': entry<{}>(
    () => 'probing needs at least two characters the model knows (one to read, one to predict)',
    () => '查看门控至少需要模型认识的两个字符（一个用来读入，一个用来预测）'),
  'drove-unknown-char': entry<{}>(
    () => 'the character to explain is not in the model\'s vocabulary: put the cursor after one it knows',
    () => '要解释的字符不在模型的词表中：请把光标放在模型认识的字符之后'),
  'drove-nothing-before': entry<{}>(
    () => 'there is nothing before this character to have driven it: put the cursor further into the text',
    () => '这个字符之前没有任何字符可以驱动它：请把光标放到文本中更靠后的位置'),
  'connectivity-window': entry<{ got: string }>(
    (p) => `the connectivity window must be a whole number of characters, at least 1 (got ${p.got})`,
    (p) => `连通性窗口必须是整数个字符，至少为 1（实际为 ${p.got}）`),

  // ---- export (the Models view) ----
  'export-normalization': entry<{ model: string; normalization: string }>(
    (p) => `${p.model} uses ${p.normalization} normalisation inside its cells, which torch.nn.LSTM, GRU and RNN have no twin for; export a model trained with normalization "none"`,
    (p) => `${p.model} 在单元内部使用了 ${p.normalization} 归一化，而 torch.nn 的 LSTM、GRU 和 RNN 没有对应的做法；请导出一个以 normalization 为“none”训练的模型`),
  'export-no-folder': entry<{}>(
    () => 'the project folder is empty: name a new folder, such as my-model-pytorch',
    () => '项目文件夹名为空：请给出一个新文件夹的名字，例如 my-model-pytorch'),
  'export-into-cwd': entry<{ target: string; example: string }>(
    (p) => `will not export into ${p.target}: it is the current folder or holds it, and the export puts a new folder in its place. Name a new folder, such as ${p.example}`,
    (p) => `不会导出到 ${p.target}：它就是当前文件夹或包含当前文件夹，而导出会在那里放一个新文件夹。请给出一个新文件夹的名字，例如 ${p.example}`),
  'export-exists': entry<{ target: string; notEmpty: boolean }>(
    (p) => `${p.target} already exists${p.notEmpty ? ' and is not empty' : ''}: export to a new folder, such as ${p.target}-2`,
    (p) => `${p.target} 已存在${p.notEmpty ? '且不是空的' : ''}：请导出到一个新文件夹，例如 ${p.target}-2`),
  'export-cannot-write': entry<{ target: string; code: string; why: Bilingual }>(
    (p, lang) => `cannot write ${p.target} (${p.code}): ${bi(p.why, lang)}. Nothing was written`,
    (p, lang) => `无法写入 ${p.target}（${p.code}）：${bi(p.why, lang)}。未写入任何内容`),

  // ---- experiments ----
  'too-large-run': entry<{ title: Bilingual; largest: number; bound: number; settings: Bilingual }>(
    (p, lang) => `${quoted(bi(p.title, lang))} was not started: its largest run would need about ${gib(p.largest)}, and one run's wasm memory cannot grow past ${gib(p.bound)}. Lower ${bi(p.settings, lang)}.`,
    (p, lang) => `${quotedZh(bi(p.title, lang))}未启动：其中最大的一次运行约需 ${gib(p.largest)}，而一次运行的 wasm 内存最多只能增长到 ${gib(p.bound)}。请调低 ${bi(p.settings, lang)}。`),
  'too-large': entry<{ title: Bilingual; peak: number; bound: number; threads: number; largest: number; settings: Bilingual; fewer: number | null }>(
    (p, lang) => `${quoted(bi(p.title, lang))} was not started: it would need about ${gib(p.peak)} of memory at its peak (${p.threads} run${s(p.threads)} at once, the largest about ${gib(p.largest)}), more than the ${gib(p.bound)} allowed (half of this machine's memory). Lower ${bi(p.settings, lang)}${p.fewer !== null ? `, or run ${p.fewer === 1 ? 'one at a time' : `${p.fewer} at a time`} with --workers ${p.fewer}` : ''}.`,
    (p, lang) => `${quotedZh(bi(p.title, lang))}未启动：它在峰值时约需 ${gib(p.peak)} 内存（同时 ${p.threads} 次运行，最大的一次约 ${gib(p.largest)}），超过允许的 ${gib(p.bound)}（本机内存的一半）。请调低 ${bi(p.settings, lang)}${p.fewer !== null ? `，或用 --workers ${p.fewer} 一次只运行 ${p.fewer} 个` : ''}。`),
  'experiment-unknown': entry<{ name: string; names: string[] }>(
    (p) => `no experiment named "${p.name}"; the experiments are: ${p.names.join(', ')}`,
    (p) => `没有名为“${p.name}”的实验；现有的实验是：${p.names.join('、')}`),

  // ---- how a training run ended (the outcome card, the toasts) ----
  'end-completed': entry<{ steps: number }>(
    (p) => `Trained all ${p.steps} steps.`,
    (p) => `已训练完全部 ${p.steps} 步。`),
  'end-time-budget': entry<{ steps: number; minutes: number }>(
    (p) => `Stopped at step ${p.steps}: the time budget of ${p.minutes} minute${s(p.minutes)} is used up.`,
    (p) => `在第 ${p.steps} 步停止：${p.minutes} 分钟的时间预算已用完。`),
  'end-time-budget-pass': entry<{ percent: string; minutes: number }>(
    (p) => `It trained on ${p.percent}% of the text once; one pass takes about ${p.minutes} minutes at this speed (a larger time budget, or the PyTorch engine, sees more of it).`,
    (p) => `它只把文本的 ${p.percent}% 训练了一遍；按这个速度，完整过一遍文本约需 ${p.minutes} 分钟（更多的时间预算或 PyTorch 引擎能看到更多文本）。`),
  'end-plateau': entry<{ steps: number; patience: number; evalSteps: number }>(
    (p) => `Stopped at step ${p.steps}: the validation loss has not improved for ${p.patience} evaluations (${p.evalSteps} steps).`,
    (p) => `在第 ${p.steps} 步停止：验证损失已经连续 ${p.patience} 次评估（${p.evalSteps} 步）没有改善。`),
  'end-cancelled': entry<{ steps: number }>(
    (p) => `Stopped at step ${p.steps} on request.`,
    (p) => `应要求在第 ${p.steps} 步停止。`),
  'end-cancelled-before': entry<{}>(
    () => 'Stopped before the first step: nothing was trained or saved.',
    () => '在第一步之前停止：没有训练，也没有保存任何内容。'),
  'end-diverged': entry<{ step: number; lr: number; clip: number }>(
    (p) => `Training diverged at step ${p.step}: the loss is no longer a finite number. Lower the learning rate (now ${p.lr}) or clip gradients (gradient clip ${p.clip || 'off'}; try 1).`,
    (p) => `训练在第 ${p.step} 步发散：损失已不再是有限的数。请调低学习率（当前为 ${p.lr}），或裁剪梯度（梯度裁剪${p.clip ? `为 ${p.clip}` : '已关闭'}；可试试 1）。`),
} as const satisfies Record<string, Entry<never>>;

export type MessageCode = keyof typeof MESSAGES;
export type ParamsOf<C extends MessageCode> = Parameters<(typeof MESSAGES)[C]['en']>[0];

/** A message by code: `message('text-too-short', { length: 35, needed: 130 })`. */
export function message<C extends MessageCode>(code: C, params: ParamsOf<C>): EngineMessage<C> {
  return { code, params };
}

export const isMessageCode = (code: unknown): code is MessageCode => typeof code === 'string' && Object.hasOwn(MESSAGES, code);

/** A message's text in `lang`; an unknown code (a newer engine) renders as its code. */
export function renderMessage(m: EngineMessage, lang: Lang): string {
  return renderRef(m, lang);
}

function renderRef(m: MessageRef, lang: Lang): string {
  const e = Object.hasOwn(MESSAGES, m.code) ? (MESSAGES as Record<string, Entry<never>>)[m.code] as unknown as Entry<Params> : undefined;
  if (!e) return String(m.code);
  return (lang === 'zh-cn' ? e.zh : e.en)((m.params ?? {}) as Params, lang);
}

/**
 * An error whose text is a catalogue message: `message` is its English, `engineMessage` travels.
 * (A plain string is accepted for the texts not in the catalogue: damaged files, internal states.)
 */
export class CataloguedError extends Error {
  readonly engineMessage?: EngineMessage;
  constructor(m: string | EngineMessage) {
    super(typeof m === 'string' ? m : renderMessage(m, 'en'));
    if (typeof m !== 'string') this.engineMessage = m;
  }
}

/** The catalogue message an error carries, if any (any error class may carry one as `engineMessage`). */
export function messageOf(err: unknown): EngineMessage | undefined {
  const m = (err as { engineMessage?: unknown } | null | undefined)?.engineMessage as EngineMessage | undefined;
  return m && isMessageCode(m.code) ? m : undefined;
}

/** An error's text in `lang`: its catalogue message when it has one, else its own (English) message. */
export function errorText(err: unknown, lang: Lang): string {
  const m = messageOf(err);
  return m ? renderMessage(m, lang) : err instanceof Error ? err.message : String(err);
}
