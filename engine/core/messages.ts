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

/** A file named for a message: a name as it is ("seqlab.json"), or a description in both languages ("the training file"). */
export type Named = string | Bilingual;
const en = (t: Named) => bi(t, 'en');
const zh = (t: Named) => bi(t, 'zh-cn');
/** A Chinese name after a Chinese word: a space before a Latin one ("无法读取 seqlab.json"). */
const zhAfter = (t: Named) => (/^[\x21-\x7e]/.test(zh(t)) ? ` ${zh(t)}` : zh(t));
/** "143 bytes" in Chinese ("143 字节"); KiB and the like stay. */
const zhBytes = (size: string) => size.replace(/ bytes$/, ' 字节');
/** "exit code 1" / "signal SIGKILL" in Chinese. */
const exitZh = (exit: string) => exit.replace(/^exit code /, '退出码 ').replace(/^signal /, '信号 ');
/** What holds a folder's lock, in Chinese. */
const PURPOSE_ZH: Record<string, string> = { training: '训练', export: '导出', 'a run': '一次运行', resume: '继续训练' };
/** Why a save failed, by errno (checkpoint/folder.ts). */
const SAVE_WHY: Record<string, Bilingual> = {
  ENOSPC: { en: 'the disk is full; free some space or save to another disk', zh: '磁盘已满；请腾出空间，或保存到别的磁盘' },
  EDQUOT: { en: 'the disk quota is used up; free some space or save elsewhere', zh: '磁盘配额已用完；请腾出空间，或保存到别处' },
  EROFS: { en: 'the file system is read-only; save to another folder', zh: '文件系统是只读的；请保存到别的文件夹' },
  EACCES: { en: 'permission denied; save to a folder you can write to', zh: '没有权限；请保存到你能写入的文件夹' },
  EPERM: { en: 'permission denied; save to a folder you can write to', zh: '没有权限；请保存到你能写入的文件夹' },
  ENAMETOOLONG: { en: 'a name in the path is longer than the file system allows; choose a shorter folder name', zh: '路径中有一个名字超过了文件系统允许的长度；请换一个短一些的文件夹名' },
  ENOTDIR: { en: 'a part of the path is a file, not a folder; choose another place', zh: '路径中有一部分是文件而不是文件夹；请选择别的位置' },
  EBUSY: { en: 'the folder is in use by the system (a mount point, or open elsewhere) and cannot be replaced; save to a new folder inside it', zh: '这个文件夹正被系统使用（是挂载点，或在别处打开着），无法替换；请保存到它里面的一个新文件夹' },
};
/** The errnos a save explains (`ckpt-save-failed`); others pass through as they are. */
export const SAVE_ERRNOS: readonly string[] = Object.keys(SAVE_WHY);

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
  // range: the option's range in interval notation (engine/model/generationConfig.ts), "[0, 5]".
  'sample-length': entry<{ got: string; range: string }>(
    (p) => `length must be a whole number in ${p.range}, got ${p.got}`,
    (p) => `生成长度必须是 ${p.range} 中的整数，实际为 ${p.got}`),
  'sample-temperature': entry<{ got: string; range: string }>(
    (p) => `temperature must be in ${p.range}, got ${p.got}`,
    (p) => `温度必须在 ${p.range} 之间，实际为 ${p.got}`),
  'sample-top-k': entry<{ got: string; range: string }>(
    (p) => `topK must be a whole number in ${p.range}, 0 for all, got ${p.got}`,
    (p) => `top-k 必须是 ${p.range} 中的整数（0 表示全部），实际为 ${p.got}`),
  'sample-top-p': entry<{ got: string; range: string }>(
    (p) => `topP must be in ${p.range}, got ${p.got}`,
    (p) => `top-p 必须在 ${p.range} 之间，实际为 ${p.got}`),

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
  // ---- reading a file (io/files.ts: the training text, seqlab.json, a tensor file...) ----
  // `what` says which file ("the training file"); `kind` what is there instead ("a FIFO (named pipe)").
  'read-missing': entry<{ what: Named; file: string }>(
    (p) => `${en(p.what)} ${p.file} does not exist`,
    (p) => `${zh(p.what)} ${p.file} 不存在`),
  'read-failed': entry<{ what: Named; file: string; code: string }>(
    (p) => `cannot read ${en(p.what)} ${p.file}: ${p.code}`,
    (p) => `无法读取${zhAfter(p.what)} ${p.file}（${p.code}）`),
  'read-not-regular': entry<{ what: Named; file: string; kind: Bilingual }>(
    (p) => `${en(p.what)} ${p.file} is ${p.kind.en}, not a regular file; SeqLab reads regular files only`,
    (p) => `${zh(p.what)} ${p.file} 是${p.kind.zh}，不是普通文件；SeqLab 只读取普通文件`),
  'read-too-large': entry<{ what: Named; file: string; size: string; limit: string }>(
    (p) => `${en(p.what)} ${p.file} is ${p.size}, more than the ${p.limit} SeqLab reads for it`,
    (p) => `${zh(p.what)} ${p.file} 有 ${zhBytes(p.size)}，超过了 SeqLab 为它读取的上限 ${zhBytes(p.limit)}`),

  // ---- writing a file the user named (io/files.ts: a PyTorch script, the chapter's Markdown and figures) ----
  'write-is-folder': entry<{ file: string; example: string }>(
    (p) => `${p.file} is a folder: name a file, such as ${p.example}`,
    (p) => `${p.file} 是文件夹：请给出文件名，例如 ${p.example}`),
  'write-taken': entry<{ file: string }>(
    (p) => `${p.file} was created by another program while SeqLab was writing it: choose a new name, or run again`,
    (p) => `SeqLab 写入时，另一个程序创建了 ${p.file}：请换一个名字，或重新运行`),
  'write-name-too-long': entry<{ file: string; max: number }>(
    (p) => `the name ${p.file} is too long for the file system (at most ${p.max} bytes for each name in a path, counting what SeqLab adds to the names it derives, such as -figures): choose a shorter name`,
    (p) => `名字 ${p.file} 对文件系统而言太长（路径中每个名字最多 ${p.max} 字节，包括 SeqLab 为派生名字添加的部分，例如 -figures）：请换一个短一些的名字`),
  'write-disk-full': entry<{ name: string }>(
    (p) => `the disk is full: free some space or write ${p.name} to another disk`,
    (p) => `磁盘已满：请腾出空间，或把 ${p.name} 写到别的磁盘`),
  'write-quota': entry<{}>(
    () => 'the disk quota is used up: free some space or write elsewhere',
    () => '磁盘配额已用完：请腾出空间，或写到别处'),
  'write-read-only': entry<{ dir: string }>(
    (p) => `${p.dir} is on a read-only file system: write to another folder`,
    (p) => `${p.dir} 位于只读文件系统：请写到别的文件夹`),
  'write-permission': entry<{ dir: string }>(
    (p) => `permission denied writing in ${p.dir}: choose a folder you can write to`,
    (p) => `没有在 ${p.dir} 中写入的权限：请选择你能写入的文件夹`),
  'write-no-folder': entry<{ dir: string }>(
    (p) => `the folder ${p.dir} does not exist: create it first, or choose another place`,
    (p) => `文件夹 ${p.dir} 不存在：请先创建它，或选择别的位置`),
  'write-path-not-folder': entry<{ dir: string }>(
    (p) => `a part of ${p.dir} is a file, not a folder: choose another place`,
    (p) => `${p.dir} 中有一部分是文件而不是文件夹：请选择别的位置`),
  'write-link-loop': entry<{ file: string }>(
    (p) => `${p.file} goes through a loop of symbolic links: choose another place`,
    (p) => `${p.file} 经过循环的符号链接：请选择别的位置`),
  /** One of the `write-*` reasons above, from an errno: nothing was written. */
  'write-failed': entry<{ reason: MessageRef[]; code: string }>(
    (p, lang) => `${sub(p.reason, lang, '')}. Nothing was written (${p.code})`,
    (p, lang) => `${sub(p.reason, lang, '')}。未写入任何内容 (${p.code})`),
  'write-parent-not-folder': entry<{ dir: string; kind: Bilingual }>(
    (p) => `${p.dir} is ${p.kind.en}, not a folder: choose another place`,
    (p) => `${p.dir} 是${p.kind.zh}，不是文件夹：请选择别的位置`),
  'write-exists': entry<{ file: string; kind: Bilingual }>(
    (p) => `${p.file} already exists (${p.kind.en}): choose a new file name, or remove it first`,
    (p) => `${p.file} 已存在（${p.kind.zh}）：请换一个文件名，或先删除它`),
  'write-created-meanwhile': entry<{ file: string }>(
    (p) => `${p.file} was created while writing it: choose a new file name`,
    (p) => `写入时 ${p.file} 被创建了：请换一个文件名`),
  /** A name SeqLab may not replace; `why` is one of the `write-why-*` below. */
  'write-refused': entry<{ why: MessageRef[] }>(
    (p, lang) => `will not write: ${sub(p.why, lang, '')}. Choose a new name, or move that away first. Nothing was written`,
    (p, lang) => `不写入：${sub(p.why, lang, '')}。请换一个名字，或先把它移走。未写入任何内容`),
  'write-why-link': entry<{ file: string }>(
    (p) => `${p.file} is a symbolic link, and SeqLab does not write through links it did not make`,
    (p) => `${p.file} 是符号链接，SeqLab 不经由不是它创建的链接写入`),
  'write-why-kind': entry<{ file: string; kind: Bilingual }>(
    (p) => `${p.file} is ${p.kind.en}, and SeqLab replaces only regular files it wrote`,
    (p) => `${p.file} 是${p.kind.zh}，SeqLab 只替换它自己写的普通文件`),
  'write-why-not-ours': entry<{ file: string }>(
    (p) => `${p.file} exists and SeqLab did not write it, or it was edited since (SeqLab replaces only its own files, recognised by their first line)`,
    (p) => `${p.file} 已存在，且不是 SeqLab 写的，或写后被编辑过（SeqLab 只替换自己的文件，以其第一行识别）`),
  'write-why-figures-folder': entry<{ folder: string; kind: Bilingual }>(
    (p) => `${p.folder} is ${p.kind.en}, not a folder for the figures`,
    (p) => `${p.folder} 是${p.kind.zh}，不是存放图的文件夹`),

  // ---- checkpoint folders (checkpoint/folder.ts, format.ts, train/checkpointing.ts) ----
  // `file` is seqlab.json, model.safetensors or optimizer.safetensors; `folder` the checkpoint's folder.
  'ckpt-no-folder': entry<{ folder: string }>(
    (p) => `no checkpoint at ${p.folder}: the folder does not exist`,
    (p) => `${p.folder} 处没有检查点：这个文件夹不存在`),
  'ckpt-not-folder': entry<{ folder: string }>(
    (p) => `${p.folder} is not a SeqLab checkpoint: it is not a folder`,
    (p) => `${p.folder} 不是 SeqLab 检查点：它不是文件夹`),
  'ckpt-no-meta': entry<{ folder: string; file: string }>(
    (p) => `${p.folder} is not a SeqLab checkpoint: ${p.file} is missing`,
    (p) => `${p.folder} 不是 SeqLab 检查点：缺少 ${p.file}`),
  'ckpt-format-tag': entry<{ folder: string; file: string; format: string; found: string | null }>(
    (p) => `${p.folder} is not a SeqLab checkpoint: ${p.file} should say "format": "${p.format}", but ${p.found === null ? 'it has no "format" entry' : `its "format" is ${p.found}`}`,
    (p) => `${p.folder} 不是 SeqLab 检查点：${p.file} 应写有 "format": "${p.format}"，但${p.found === null ? '其中没有 "format" 条目' : `其 "format" 是 ${p.found}`}`),
  'ckpt-cannot-read': entry<{ folder: string; file: string; said: string }>(
    (p) => `cannot read ${p.file} in ${p.folder}: ${p.said}`,
    (p) => `无法读取 ${p.folder} 中的 ${p.file}`),
  'ckpt-meta-nesting': entry<{ folder: string; file: string; depth: number; max: number }>(
    (p) => `${p.file} in ${p.folder} is damaged: its values nest ${p.depth} levels deep, and a SeqLab checkpoint needs at most ${p.max}`,
    (p) => `${p.folder} 中的 ${p.file} 已损坏：其中的值嵌套了 ${p.depth} 层，而 SeqLab 检查点最多只需要 ${p.max} 层`),
  /** `said`: JSON.parse's own English, left out of the Chinese. */
  'ckpt-meta-not-json': entry<{ folder: string; file: string; said: string }>(
    (p) => `${p.file} in ${p.folder} is not valid JSON (${p.said}); the file is damaged`,
    (p) => `${p.folder} 中的 ${p.file} 不是有效的 JSON；文件已损坏`),
  /** `said` the problems as checked (English); `fields` the entries at fault, for the Chinese; or `cause`, a catalogued problem. */
  'ckpt-meta-damaged': entry<{ folder: string; file: string; said: string; fields?: string[]; cause?: MessageRef[] }>(
    (p) => `${p.file} in ${p.folder} is damaged: ${p.said}`,
    (p, lang) => `${p.folder} 中的 ${p.file} 已损坏${p.cause?.length ? `：${sub(p.cause, lang, '')}` : p.fields?.length ? `：这些条目有误：${p.fields.join('、')}` : ''}`),
  'ckpt-meta-no-hashes': entry<{ folder: string; file: string }>(
    (p) => `${p.file} in ${p.folder} is damaged: files: expected the SHA-256 of each tensor file`,
    (p) => `${p.folder} 中的 ${p.file} 已损坏：files 条目应给出每个张量文件的 SHA-256`),
  'ckpt-newer': entry<{ folder: string; version: number; reads: number }>(
    (p) => `${p.folder} was written by a newer SeqLab (checkpoint format ${p.version}; this one reads up to ${p.reads}); update SeqLab`,
    (p) => `${p.folder} 由更新版本的 SeqLab 写成（检查点格式 ${p.version}；这个版本最多读取格式 ${p.reads}）；请更新 SeqLab`),
  'ckpt-file-missing': entry<{ folder: string; file: string }>(
    (p) => `${p.file} is missing from ${p.folder}`,
    (p) => `${p.folder} 中缺少 ${p.file}`),
  'ckpt-hash-mismatch': entry<{ folder: string; file: string; meta: string }>(
    (p) => `${p.file} in ${p.folder} does not match ${p.meta} (its SHA-256 differs): the file was truncated, edited or comes from another checkpoint`,
    (p) => `${p.folder} 中的 ${p.file} 与 ${p.meta} 不符（SHA-256 不同）：这个文件被截断、被编辑过，或来自另一个检查点`),
  'ckpt-vocab-mismatch': entry<{ folder: string; file: string; size: number; expected: number }>(
    (p) => `${p.file} in ${p.folder}: the vocabulary has ${p.size} tokens but the model expects ${p.expected}`,
    (p) => `${p.folder} 中的 ${p.file}：词表有 ${p.size} 个词元，而模型需要 ${p.expected} 个`),
  /** The tensor file `file` does not hold the model seqlab.json (`meta`) describes; `how` is one of the `misfit-*` below. */
  'ckpt-misfit': entry<{ folder: string; file: string; meta: string; how: MessageRef[] }>(
    (p, lang) => `${p.file} in ${p.folder} does not fit the model in ${p.meta}: ${sub(p.how, lang, '')}`,
    (p, lang) => `${p.folder} 中的 ${p.file} 与 ${p.meta} 描述的模型不符：${sub(p.how, lang, '')}`),
  'misfit-no-tensor': entry<{ name: string }>(
    (p) => `it has no tensor ${p.name}`,
    (p) => `其中没有张量 ${p.name}`),
  'misfit-shape': entry<{ name: string; got: string; needed: string }>(
    (p) => `${p.name} has shape [${p.got}] in the file, the model needs [${p.needed}]`,
    (p) => `文件中 ${p.name} 的形状是 [${p.got}]，而模型需要 [${p.needed}]`),
  'misfit-layers': entry<{ layers: number }>(
    (p) => `the file has more than ${p.layers} layers`,
    (p) => `文件中的层数多于 ${p.layers}`),
  'misfit-size': entry<{ held: number; needed: number }>(
    (p) => `it holds ${n(p.held)} numbers, the model has about ${n(p.needed)}`,
    (p) => `其中有 ${n(p.held)} 个数，而模型约有 ${n(p.needed)} 个`),
  'misfit-optimizer-size': entry<{ held: number; model: number }>(
    (p) => `it holds ${n(p.held)} numbers for a model of ${n(p.model)}`,
    (p) => `其中有 ${n(p.held)} 个数，而模型只有 ${n(p.model)} 个`),
  /** `said`: the loader's own English, left out of the Chinese. */
  'misfit-load': entry<{ said: string }>(
    (p) => p.said,
    () => '无法把其中的权重装入模型'),
  'ckpt-cannot-write': entry<{ folder: string; code: string }>(
    (p) => `cannot write a checkpoint to ${p.folder}: ${p.code}`,
    (p) => `无法把检查点写入 ${p.folder}（${p.code}）`),
  /** A folder a save may not replace; `why` is one of the `ckpt-why-*` below. */
  'ckpt-will-not-write': entry<{ folder: string; why: MessageRef[]; suggestion: string }>(
    (p, lang) => `will not write a checkpoint to ${p.folder}: ${sub(p.why, lang, '')}. Choose a new folder, such as ${p.suggestion}`,
    (p, lang) => `不会把检查点写入 ${p.folder}：${sub(p.why, lang, '')}。请选择一个新文件夹，例如 ${p.suggestion}`),
  'ckpt-why-cwd': entry<{}>(
    () => 'it is the current folder or holds it, and saving replaces the folder it is given',
    () => '它就是当前文件夹或包含当前文件夹，而保存会替换给定的文件夹'),
  'ckpt-why-name-too-long': entry<{ bytes: number; max: number; fsMax: number }>(
    (p) => `its name is ${p.bytes} bytes long, and SeqLab needs at most ${p.max} (the file system allows ${p.fsMax}, and SeqLab names its lock and staging files after the folder, adding up to ${p.fsMax - p.max})`,
    (p) => `它的名字长 ${p.bytes} 字节，而 SeqLab 最多只能用 ${p.max} 字节（文件系统允许 ${p.fsMax} 字节，SeqLab 还要以这个文件夹的名字给它的锁文件和暂存文件命名，最多再加 ${p.fsMax - p.max} 字节）`),
  'ckpt-why-path-too-long': entry<{}>(
    () => 'a name in its path is longer than the file system allows (255 bytes)',
    () => '它的路径中有一个名字超过了文件系统允许的长度（255 字节）'),
  'ckpt-why-kind': entry<{ kind: Bilingual }>(
    (p) => `it is ${p.kind.en}, and a checkpoint is a folder`,
    (p) => `它是${p.kind.zh}，而检查点是一个文件夹`),
  /** `removing`: said for a removal (the Models view's Delete), else for a save. */
  'ckpt-why-foreign': entry<{ shown: string[]; more: number; removing: boolean }>(
    (p) => `the folder holds files that are not SeqLab's (${p.shown.join(', ')}${p.more > 0 ? ` and ${p.more} more` : ''}); SeqLab ${p.removing ? 'removes' : 'replaces'} only a folder that holds a SeqLab checkpoint and nothing else, so the files there stay as they are`,
    (p) => `这个文件夹中有不属于 SeqLab 的文件（${p.shown.join('、')}${p.more > 0 ? `，另有 ${p.more} 个` : ''}）；SeqLab 只${p.removing ? '删除' : '替换'}只含一个 SeqLab 检查点、别无他物的文件夹，所以那里的文件保持原样`),
  'ckpt-why-unrecognised': entry<{ file: string; removing: boolean }>(
    (p) => `the folder has no readable ${p.file} of SeqLab's, so it is not recognisably a checkpoint; SeqLab ${p.removing ? 'removes' : 'replaces'} only a folder that holds a SeqLab checkpoint and nothing else, so the files there stay as they are`,
    (p) => `这个文件夹中没有 SeqLab 能读取的 ${p.file}，所以无法认定它是检查点；SeqLab 只${p.removing ? '删除' : '替换'}只含一个 SeqLab 检查点、别无他物的文件夹，所以那里的文件保持原样`),
  'ckpt-save-failed': entry<{ folder: string; code: string }>(
    (p) => `cannot save the checkpoint to ${p.folder}: ${SAVE_WHY[p.code]?.en ?? p.code} (${p.code}). Nothing was changed there`,
    (p) => `无法把检查点保存到 ${p.folder}：${SAVE_WHY[p.code]?.zh ?? p.code}（${p.code}）。那里没有任何改动`),
  'remove-absent': entry<{ folder: string }>(
    (p) => `${p.folder} does not exist`,
    (p) => `${p.folder} 不存在`),
  'remove-empty': entry<{ folder: string }>(
    (p) => `${p.folder} is an empty folder, not a checkpoint`,
    (p) => `${p.folder} 是一个空文件夹，不是检查点`),
  'remove-refused': entry<{ folder: string; why: MessageRef[] }>(
    (p, lang) => `will not remove ${p.folder}: ${sub(p.why, lang, '')}`,
    (p, lang) => `不会删除 ${p.folder}：${sub(p.why, lang, '')}`),

  // ---- the lock beside a checkpoint folder (checkpoint/lock.ts) ----
  'lock-name-too-long': entry<{ folder: string; why: MessageRef[] }>(
    (p, lang) => `will not use ${p.folder}: ${sub(p.why, lang, '')}. Choose a shorter name`,
    (p, lang) => `不会使用 ${p.folder}：${sub(p.why, lang, '')}。请换一个短一些的名字`),
  'lock-damaged': entry<{ folder: string; pid: string; file: string }>(
    (p) => `${p.folder} is locked, but its lock file is damaged: its pid is ${p.pid}, which is no process id, so SeqLab cannot tell whether a run holds it. If no SeqLab run is using the folder, delete ${p.file}; or choose another folder.`,
    (p) => `${p.folder} 已被锁定，但它的锁文件已损坏：其中的 pid 是 ${p.pid}，不是进程号，所以 SeqLab 无法判断是否有运行占用它。如果没有 SeqLab 运行在使用这个文件夹，请删除 ${p.file}；或选择别的文件夹。`),
  /** `holder` is one of the `holder-*` below; `file` is named when SeqLab cannot tell whether the holder is gone. */
  'lock-held': entry<{ folder: string; holder: MessageRef[]; file: string | null }>(
    (p, lang) => `${p.folder} is in use by another SeqLab run: ${sub(p.holder, lang, '')}. Wait for it to end or stop it, or choose another folder.${p.file !== null ? ` If that process is gone, delete ${p.file}.` : ''}`,
    (p, lang) => `${p.folder} 正被另一次 SeqLab 运行使用：${sub(p.holder, lang, '')}。请等它结束或停止它，或选择别的文件夹。${p.file !== null ? `如果那个进程已不在，请删除 ${p.file}。` : ''}`),
  'holder-unknown': entry<{}>(
    () => 'a process SeqLab cannot identify (the lock file is unreadable)',
    () => '一个 SeqLab 无法识别的进程（锁文件无法读取）'),
  'holder-damaged': entry<{ pid: string }>(
    (p) => `a process SeqLab cannot identify (the lock file is damaged: its pid is ${p.pid}, which is no process id)`,
    (p) => `一个 SeqLab 无法识别的进程（锁文件已损坏：其中的 pid 是 ${p.pid}，不是进程号）`),
  /** `host` null: this machine; `purpose` what holds it (training, export). */
  'holder-process': entry<{ pid: number; host: string | null; purpose: string; since: string }>(
    (p) => `process ${p.pid} on ${p.host === null ? 'this machine' : `host ${p.host}`} (${p.purpose}${p.since ? `, since ${p.since}` : ''})`,
    (p) => `${p.host === null ? '本机' : `主机 ${p.host} 上`}的进程 ${p.pid}（${PURPOSE_ZH[p.purpose] ?? p.purpose}${p.since ? `，始于 ${p.since}` : ''}）`),
  'lock-contended': entry<{ folder: string }>(
    (p) => `${p.folder} is being locked and unlocked by other processes again and again; try again, or choose another folder`,
    (p) => `${p.folder} 正被其他进程反复加锁和解锁；请再试一次，或选择别的文件夹`),
  'lock-cannot-write': entry<{ folder: string; code: string }>(
    (p) => `cannot write beside ${p.folder} (${p.code}): choose a folder on a disk you can write to, with space. Nothing was changed`,
    (p) => `无法在 ${p.folder} 旁边写入（${p.code}）：请选择一个可写入且有空间的磁盘上的文件夹。没有任何改动`),
  'lock-name-too-long-fs': entry<{ folder: string; code: string }>(
    (p) => `cannot use ${p.folder} (${p.code}): a name in its path is longer than the file system allows (255 bytes); choose a shorter name. Nothing was changed`,
    (p) => `无法使用 ${p.folder}（${p.code}）：它的路径中有一个名字超过了文件系统允许的长度（255 字节）；请换一个短一些的名字。没有任何改动`),
  'lock-path-not-folder': entry<{ folder: string; code: string }>(
    (p) => `cannot use ${p.folder} (${p.code}): a part of its path is a file, not a folder; choose another place. Nothing was changed`,
    (p) => `无法使用 ${p.folder}（${p.code}）：它的路径中有一部分是文件而不是文件夹；请选择别的位置。没有任何改动`),

  // ---- tensor files (checkpoint/safetensors.ts); `what` names the file ("model.safetensors in /home/s/m") ----
  'st-header-not-object': entry<{ what: Named }>(
    (p) => `${en(p.what)} has a damaged header (not an object)`,
    (p) => `${zh(p.what)} 的文件头已损坏（不是对象）`),
  'st-header-metadata': entry<{ what: Named }>(
    (p) => `${en(p.what)} has a damaged header (__metadata__ must map names to strings)`,
    (p) => `${zh(p.what)} 的文件头已损坏（__metadata__ 应把名字映射到字符串）`),
  'st-header-not-json': entry<{ what: Named }>(
    (p) => `${en(p.what)} has a damaged header (not JSON)`,
    (p) => `${zh(p.what)} 的文件头已损坏（不是 JSON）`),
  /** `dtype` as JSON, or null when it has none. */
  'st-dtype': entry<{ what: Named; name: string; dtype: string | null }>(
    (p) => `${en(p.what)}: tensor "${p.name}" ${p.dtype === null ? 'has no dtype' : `has dtype ${p.dtype}`}; only F32 is supported`,
    (p) => `${zh(p.what)}：张量“${p.name}”${p.dtype === null ? '没有 dtype' : `的 dtype 是 ${p.dtype}`}；只支持 F32`),
  'st-shape': entry<{ what: Named; name: string }>(
    (p) => `${en(p.what)}: tensor "${p.name}" has an invalid shape`,
    (p) => `${zh(p.what)}：张量“${p.name}”的形状无效`),
  'st-offsets': entry<{ what: Named; name: string }>(
    (p) => `${en(p.what)}: tensor "${p.name}" has invalid data_offsets`,
    (p) => `${zh(p.what)}：张量“${p.name}”的 data_offsets 无效`),
  'st-size': entry<{ what: Named; name: string; shape: string; needs: number; gives: number }>(
    (p) => `${en(p.what)}: tensor "${p.name}" of shape [${p.shape}] needs ${p.needs} bytes, its offsets give ${p.gives}`,
    (p) => `${zh(p.what)}：形状为 [${p.shape}] 的张量“${p.name}”需要 ${p.needs} 字节，而它的偏移量给出 ${p.gives} 字节`),
  'st-tensor-truncated': entry<{ what: Named; name: string; end: number; length: number }>(
    (p) => `${en(p.what)} is truncated: tensor "${p.name}" ends at byte ${p.end} of the data, which has ${p.length}`,
    (p) => `${zh(p.what)} 已被截断：张量“${p.name}”结束于数据的第 ${p.end} 字节，而数据只有 ${p.length} 字节`),
  'st-overlap': entry<{ what: Named; name: string }>(
    (p) => `${en(p.what)}: tensor "${p.name}" overlaps the one before it`,
    (p) => `${zh(p.what)}：张量“${p.name}”与前一个张量重叠`),
  'st-hole': entry<{ what: Named; from: number; to: number }>(
    (p) => `${en(p.what)} is damaged: bytes ${p.from}-${p.to} of the data belong to no tensor`,
    (p) => `${zh(p.what)} 已损坏：数据的第 ${p.from}-${p.to} 字节不属于任何张量`),
  'st-trailing': entry<{ what: Named; bytes: number }>(
    (p) => `${en(p.what)} is damaged: it has ${p.bytes} bytes after the last tensor`,
    (p) => `${zh(p.what)} 已损坏：最后一个张量之后还有 ${p.bytes} 字节`),
  'st-header-length': entry<{ what: Named; claims: number; has: number }>(
    (p) => `${en(p.what)} is truncated or damaged: its header claims ${p.claims} bytes, the file has ${p.has}`,
    (p) => `${zh(p.what)} 已被截断或损坏：它的文件头声称有 ${p.claims} 字节，而文件只有 ${p.has} 字节`),
  'st-too-short': entry<{ what: Named; bytes: number }>(
    (p) => `${en(p.what)} is truncated: ${p.bytes} bytes, not even a header length`,
    (p) => `${zh(p.what)} 已被截断：只有 ${p.bytes} 字节，连文件头的长度都放不下`),
  'st-changed': entry<{ what: Named; got: number; size: number }>(
    (p) => `${en(p.what)} changed while it was read (${p.got} of ${p.size} bytes)`,
    (p) => `${zh(p.what)} 在读取时被改动了（读到 ${p.size} 字节中的 ${p.got} 字节）`),

  // ---- the PyTorch engine (torch/choose.ts, train/torchStepper.ts, torch/engine.py) ----
  /** One interpreter the user named: its probe's own text (`said`, English; `say`, catalogued when it is) and where it was named. */
  'no-torch-named': entry<{ said: string; say?: MessageRef[]; source: string }>(
    (p) => `${p.said} (${p.source})`,
    (p, lang) => `${p.say?.length ? sub(p.say, lang, '') : '这个 Python 无法运行 PyTorch 引擎'}（${p.source}）`),
  /** A search: what it tried (`tried`, English; `found` the interpreters that were probed, by name). */
  'no-torch': entry<{ tried: string[]; found: string[] }>(
    (p) => `no Python with PyTorch >= 1.10 was found${p.tried.length ? ` (${p.tried.join('; ')})` : ''}: install PyTorch (pip install torch; pytorch.org lists the command for your GPU), or name the Python that has it (the seqlab.python setting, or --python)`,
    (p) => `没有找到装有 PyTorch（>= 1.10）的 Python${p.found.length ? `（试过 ${p.found.join('、')}）` : ''}：请安装 PyTorch（pip install torch；pytorch.org 列出了适合你的 GPU 的命令），或指明装有它的 Python（seqlab.python 设置，或 --python）`),
  'probe-not-found': entry<{ python: string }>(
    (p) => `${p.python} was not found`,
    (p) => `找不到 ${p.python}`),
  'probe-no-torch': entry<{ version: string; executable: string; error: string }>(
    (p) => `Python ${p.version} at ${p.executable} has no PyTorch (${p.error}): install it (pip install torch, see pytorch.org for your GPU) or choose another Python`,
    (p) => `${p.executable} 处的 Python ${p.version} 没有 PyTorch：请安装它（pip install torch，适合你的 GPU 的命令见 pytorch.org），或选择别的 Python`),
  'probe-old-torch': entry<{ torch: string; executable: string; min: string }>(
    (p) => `PyTorch ${p.torch} at ${p.executable} is older than ${p.min}: upgrade it (pip install -U torch) or choose another Python`,
    (p) => `${p.executable} 处的 PyTorch ${p.torch} 早于 ${p.min}：请升级它（pip install -U torch），或选择别的 Python`),
  'torch-no-python': entry<{}>(
    () => 'the PyTorch engine needs a Python: give its path (seqlab.python, or --python)',
    () => 'PyTorch 引擎需要一个 Python：请给出它的路径（seqlab.python 或 --python）'),
  'torch-python-not-found': entry<{ python: string }>(
    (p) => `${p.python} was not found: set seqlab.python (or --python) to a Python with PyTorch`,
    (p) => `找不到 ${p.python}：请把 seqlab.python（或 --python）设为一个装有 PyTorch 的 Python`),
  /** `said`: the system's own English, left out of the Chinese. */
  'torch-cannot-start': entry<{ python: string; said: string }>(
    (p) => `${p.python} could not be started: ${p.said}`,
    (p) => `无法启动 ${p.python}`),
  'torch-normalization': entry<{ normalization: string }>(
    (p) => `the PyTorch engine runs torch.nn's LSTM, GRU and RNN, which have no ${p.normalization} normalisation inside the cell: train this model with the built-in engine, or set normalization to none`,
    (p) => `PyTorch 引擎运行的是 torch.nn 的 LSTM、GRU 和 RNN，它们的单元内部没有 ${p.normalization} 归一化：请用内置引擎训练这个模型，或把 normalization 设为 none`),
  /** The process ended; `exit` "exit code 1" or "signal SIGKILL"; `tail` the last lines it wrote to stderr (its own words). */
  'torch-stopped': entry<{ python: string; started: boolean; exit: string; tail: string }>(
    (p) => p.started
      ? `the PyTorch engine (${p.python}) stopped (${p.exit})${p.tail ? `: ${p.tail}` : ''}`
      : `${p.python} ended before the PyTorch engine started (${p.exit})${p.tail ? `: ${p.tail}` : ''}`,
    (p) => `${p.started ? `PyTorch 引擎（${p.python}）停止了` : `${p.python} 在 PyTorch 引擎启动之前就结束了`}（${exitZh(p.exit)}）${p.tail ? `。它最后的输出：${p.tail}` : ''}`),
  'torch-cancelled-before': entry<{}>(
    () => 'stopped on request before the PyTorch engine started; nothing was trained or saved',
    () => '在 PyTorch 引擎启动之前应要求停止；没有训练，也没有保存任何内容'),
  /** `what` the request waited for; `untimed`: no request had been timed yet. */
  'torch-timeout': entry<{ python: string; what: Bilingual; seconds: number; afterStop: boolean; untimed: boolean }>(
    (p) => `the PyTorch engine (${p.python}) did not answer ${p.what.en.startsWith('at ') ? p.what.en : `for ${p.what.en}`} within ${p.seconds} s${p.afterStop ? ' after Stop' : ''}, so it was ended${p.untimed ? ' (nothing had been timed yet: a first request may take long on a busy machine)' : ''}`,
    (p) => `PyTorch 引擎（${p.python}）在${p.afterStop ? '停止后的' : ''} ${p.seconds} 秒内没有回应${p.what.zh}，所以已被结束${p.untimed ? '（还没有任何请求计过时：在繁忙的机器上，第一个请求可能要很久）' : ''}`),
  'torch-line-too-long': entry<{ python: string; mb: number; start: string }>(
    (p) => `the PyTorch engine (${p.python}) wrote a line longer than ${p.mb} MB, which is not its protocol: ${p.start}`,
    (p) => `PyTorch 引擎（${p.python}）写出了一行超过 ${p.mb} MB 的内容，这不符合它的协议`),
  'torch-not-protocol': entry<{ said: string }>(
    (p) => `the PyTorch engine wrote a line that is not its protocol: ${p.said}`,
    () => 'PyTorch 引擎写出了一行不符合其协议的内容'),
  'torch-helper-ended': entry<{ rank: number; processes: number; code: number }>(
    (p) => `PyTorch helper process ${p.rank} (of the ${p.processes} data-parallel processes) ended with exit code ${p.code}: the step cannot go on; try fewer processes (--processes, seqlab.torch.processes) or a smaller model`,
    (p) => `PyTorch 辅助进程 ${p.rank}（共 ${p.processes} 个数据并行进程）以退出码 ${p.code} 结束：这一步无法继续；请减少进程数（--processes，seqlab.torch.processes），或用小一些的模型`),
  'torch-ended': entry<{}>(
    () => 'the PyTorch engine was ended',
    () => 'PyTorch 引擎已被结束'),
  // The engine's own refusals (engine.py sends the code and its parameters beside its English).
  'torch-no-import': entry<{ python: string; said: string }>(
    (p) => `${p.python} cannot import torch (${p.said}): install PyTorch for it (pip install torch) or choose another Python`,
    (p) => `${p.python} 无法导入 torch：请为它安装 PyTorch（pip install torch），或选择别的 Python`),
  'torch-old': entry<{ torch: string }>(
    (p) => `PyTorch ${p.torch} is older than 1.10, which SeqLab's PyTorch engine needs: upgrade it (pip install -U torch) or choose another Python`,
    (p) => `PyTorch ${p.torch} 早于 SeqLab 的 PyTorch 引擎所需的 1.10：请升级它（pip install -U torch），或选择别的 Python`),
  /** `hint` the engine's English for why CUDA is not there, left out of the Chinese. */
  'torch-no-cuda': entry<{ hint: string }>(
    (p) => `device cuda was asked for, but ${p.hint}; choose device auto or cpu`,
    () => '要求使用 cuda 设备，但这里无法使用 CUDA；请选择 auto 或 cpu 设备'),
  'torch-no-mps': entry<{}>(
    () => 'device mps (Apple GPU) was asked for, but this PyTorch has no MPS device (it needs PyTorch 1.12+ on an Apple-silicon Mac); choose device auto or cpu',
    () => '要求使用 mps 设备（Apple GPU），但这个 PyTorch 没有 MPS 设备（它需要 Apple 芯片 Mac 上的 PyTorch 1.12+）；请选择 auto 或 cpu 设备'),
  'torch-precision': entry<{ precision: string; device: string; suggest: string }>(
    (p) => `precision ${p.precision} needs ${p.precision === 'fp16' ? 'CUDA' : 'CUDA or the CPU'} here (${p.device}): use ${p.suggest}`,
    (p) => `精度 ${p.precision} 需要 ${p.precision === 'fp16' ? 'CUDA' : 'CUDA 或 CPU'}，而这里是 ${p.device}：请使用 ${p.suggest.replace(' or ', ' 或 ')}`),
  'torch-mps-processes': entry<{}>(
    () => 'several processes on an Apple GPU are not supported by torch.distributed: use 1 process',
    () => 'torch.distributed 不支持在 Apple GPU 上运行多个进程：请只用 1 个进程'),
  'torch-gpus': entry<{ world: number; found: number }>(
    (p) => `${p.world} processes need ${p.world} GPUs with nccl, and ${p.found} is found: use at most that many processes, or device cpu`,
    (p) => `${p.world} 个进程需要 ${p.world} 块支持 nccl 的 GPU，而只找到 ${p.found} 块：请最多用这么多个进程，或使用 cpu 设备`),
  'torch-cores': entry<{ world: number; cores: number }>(
    (p) => `${p.world} processes on the CPU would share ${p.cores} core${s(p.cores)}: each process computes on at least one core, so more only add memory (each holds a copy of torch and the model); use at most ${p.cores}`,
    (p) => `CPU 上的 ${p.world} 个进程将共用 ${p.cores} 个核心：每个进程至少占用一个核心来计算，更多进程只会增加内存（每个进程都有一份 torch 和模型）；请最多用 ${p.cores} 个`),
  'torch-rendezvous': entry<{ world: number; seconds: number; said: string }>(
    (p) => `the ${p.world} data-parallel processes did not meet within ${p.seconds} s (${p.said}): try --processes 1`,
    (p) => `${p.world} 个数据并行进程在 ${p.seconds} 秒内没能会合：请试试 --processes 1`),
  'torch-could-not-start': entry<{ said: string }>(
    (p) => `the PyTorch engine could not start: ${p.said}`,
    () => 'PyTorch 引擎无法启动'),
  /** A step failed in the engine: `said` its English (out of memory: what to lower). */
  'torch-failed': entry<{ said: string; oom: boolean; device: string }>(
    (p) => p.said,
    (p) => (p.oom ? `${p.device} 设备的内存不足：请调低批大小或隐藏层大小${p.device === 'cpu' ? '' : '，或改用 cpu 设备'}` : 'PyTorch 引擎在运行中出错（详情见日志）')),

  // ---- a run that stopped on an engine's failure (train/session.ts, train/dataParallel.ts) ----
  /** `said` the failure's English (as the log has it), `cause` its catalogue message when it has one; `kept` the checkpoint to resume from. */
  'run-failed': entry<{ cause?: MessageRef[]; said: string; kept: string | null }>(
    (p) => `${p.said}; training stopped. ${p.kept ? `The checkpoint in ${p.kept} is kept: resume from it to go on.` : 'No checkpoint had been written yet.'}`,
    (p, lang) => `${p.cause?.length ? sub(p.cause, lang, '') : p.said}；训练已停止。${p.kept ? `${p.kept} 中的检查点已保留：从它继续训练即可。` : '还没有写入任何检查点。'}`),
  /** A replica thread of the data-parallel engine (`index` of `count`); `said` what it reported (its own English, in the log). */
  'replica-failed': entry<{ index: number; count: number; said: string }>(
    (p) => `replica ${p.index} of ${p.count} failed: ${p.said}`,
    (p) => `数据并行线程 ${p.index}/${p.count} 出错（详情见日志）`),
  'replica-crashed': entry<{ index: number; count: number; said: string }>(
    (p) => `replica ${p.index} of ${p.count} crashed: ${p.said}`,
    (p) => `数据并行线程 ${p.index}/${p.count} 崩溃了（详情见日志）`),
  'replica-stopped': entry<{ index: number; count: number; code: number }>(
    (p) => `replica ${p.index} of ${p.count} stopped (thread exit code ${p.code})`,
    (p) => `数据并行线程 ${p.index}/${p.count} 停止了（线程退出码 ${p.code}）`),
  'replica-shut-down': entry<{ index: number; count: number }>(
    (p) => `replica ${p.index} of ${p.count} was shut down`,
    (p) => `数据并行线程 ${p.index}/${p.count} 已被关闭`),
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
 * (A plain string is accepted only for internal states no student can reach: a bug's assertion,
 * a reply of the PyTorch engine to a request nobody sent.)
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
